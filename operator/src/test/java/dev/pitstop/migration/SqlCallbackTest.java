package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL callbacks run at the same points, in the same transactions and order as Flyway runs them: the
 * same folder is migrated by the real Flyway in one database and by Pitstop in another, and the
 * callbacks' logs and the history rows of both are compared.
 */
class SqlCallbackTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private TestDatabase flywayDb;
  private TestDatabase pitstopDb;

  /**
   * A row per callback or migration that ran (and was committed): the event, how many migrations
   * the history recorded at that moment, and whether it ran in the same transaction as the row
   * before it.
   */
  private static final String LOG =
      """
      SELECT event || ' history=' || history
             || CASE WHEN txid = lag(txid) OVER (ORDER BY id) THEN ' same transaction' ELSE '' END
      FROM audit.log ORDER BY id""";

  private static final String HISTORY =
      "SELECT installed_rank || ' ' || coalesce(version, '-') || ' ' || description || ' '"
          + " || type || ' ' || script || ' ' || coalesce(checksum::text, '-') || ' ' || success"
          + " FROM flyway_schema_history ORDER BY installed_rank";

  private static String log(String event) {
    return "INSERT INTO audit.log (event, txid, history) VALUES ('"
        + event
        + "', txid_current(), (SELECT count(*) FROM flyway_schema_history));\n";
  }

  @BeforeEach
  void databases() {
    flywayDb = pg.database();
    pitstopDb = pg.createDatabase();
    for (TestDatabase db : List.of(flywayDb, pitstopDb)) {
      db.execute(
          "CREATE SCHEMA audit; CREATE TABLE audit.log (id serial PRIMARY KEY, event text,"
              + " txid bigint, history bigint)");
    }
  }

  private void write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private void writeCallbacksAndTwoMigrations() throws Exception {
    for (String event :
        List.of(
            "beforeMigrate",
            "beforeEachMigrate",
            "afterEachMigrate",
            "afterMigrateApplied",
            "afterMigrate",
            "afterMigrateError")) {
      write(event + ".sql", log(event));
    }
    write("beforeMigrate__b_second.sql", log("beforeMigrate b second"));
    write("callbacks/beforeMigrate__a_first.SQL", log("beforeMigrate a first"));
    write("V1__table.sql", "CREATE TABLE items (id int);\n" + log("V1"));
    write("V2__index.sql", "CREATE INDEX CONCURRENTLY items_id ON items (id);\n");
  }

  private Flyway flyway(boolean skipDefaultCallbacks) {
    return Flyway.configure()
        .dataSource(flywayDb.dataSource())
        .locations("filesystem:" + dir)
        .skipDefaultCallbacks(skipDefaultCallbacks)
        .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
        .load();
  }

  private MigrationRequest.Builder pitstop() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history");
  }

  private MigrateResult pitstopMigrate() {
    return new MigrationEngine(pitstopDb.dataSource()).migrate(pitstop().build());
  }

  private void assertSameLogsAndHistory() {
    assertThat(pitstopDb.queryStrings(LOG)).isEqualTo(flywayDb.queryStrings(LOG));
    assertThat(pitstopDb.queryStrings(HISTORY)).isEqualTo(flywayDb.queryStrings(HISTORY));
  }

  @Test
  void callbacksRunWhereFlywayRunsThemAndAreNeverRecorded() throws Exception {
    writeCallbacksAndTwoMigrations();

    assertThat(flyway(false).migrate().migrationsExecuted).isEqualTo(2);
    MigrateResult result = pitstopMigrate();

    assertThat(result.applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("V1__table.sql", "V2__index.sql");
    assertThat(pitstopDb.queryStrings(LOG))
        .containsExactly(
            "beforeMigrate history=0",
            "beforeMigrate a first history=0",
            "beforeMigrate b second history=0",
            "beforeEachMigrate history=0",
            "V1 history=0 same transaction",
            "afterEachMigrate history=0 same transaction",
            "beforeEachMigrate history=1", // V2 runs outside a transaction, and so do its callbacks
            "afterEachMigrate history=1",
            "afterMigrateApplied history=2",
            "afterMigrate history=2");
    assertSameLogsAndHistory();

    // nothing pending: beforeMigrate and afterMigrate still run
    assertThat(flyway(false).migrate().migrationsExecuted).isZero();
    assertThat(pitstopMigrate().applied()).isEmpty();
    assertSameLogsAndHistory();
    assertThat(pitstopDb.queryStrings(LOG))
        .endsWith(
            "beforeMigrate history=2",
            "beforeMigrate a first history=2",
            "beforeMigrate b second history=2",
            "afterMigrate history=2");

    // and Flyway accepts what Pitstop recorded
    assertThat(
            Flyway.configure()
                .dataSource(pitstopDb.dataSource())
                .locations("filesystem:" + dir)
                .load()
                .validateWithResult()
                .validationSuccessful)
        .isTrue();
  }

  @Test
  void afterMigrateErrorRunsAfterAFailedMigrationWasRolledBack() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("V3__fails.sql", log("V3") + "SELECT 1 / 0;\n");

    assertThatThrownBy(() -> flyway(false).migrate());
    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
              assertThat(e.failure().script()).isEqualTo("V3__fails.sql");
              assertThat(e.failure().line()).isEqualTo(2);
              assertThat(e.partialResult().applied()).hasSize(2);
            });

    assertThat(pitstopDb.queryStrings(LOG))
        .endsWith("afterEachMigrate history=1", "afterMigrateError history=2")
        .doesNotContain("V3 history=2", "afterMigrateApplied history=2", "afterMigrate history=2");
    assertSameLogsAndHistory();
  }

  @Test
  void aFailingAfterEachMigrateCallbackRollsItsMigrationBackAsInFlyway() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("afterEachMigrate.sql", log("afterEachMigrate") + "SELECT 1 / 0;\n");

    assertThatThrownBy(() -> flyway(false).migrate());
    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
              assertThat(e.failure().script()).isEqualTo("afterEachMigrate.sql");
              assertThat(e.failure().version()).isEqualTo("1");
              assertThat(e.failure().line()).isEqualTo(2);
              assertThat(e.getMessage())
                  .startsWith(
                      "Callback afterEachMigrate.sql (afterEachMigrate of V1__table.sql) failed at"
                          + " line 2: division by zero (SQLSTATE 22012); V1__table.sql was rolled"
                          + " back and not recorded");
            });

    assertThat(pitstopDb.tableExists("items")).isFalse();
    assertThat(pitstopDb.queryStrings(LOG)).endsWith("afterMigrateError history=0");
    assertSameLogsAndHistory();
  }

  @Test
  void aFailingBeforeMigrateCallbackStopsTheRunAsInFlyway() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("beforeMigrate__b_second.sql", log("beforeMigrate b second") + "SELECT 1 / 0;\n");

    assertThatThrownBy(() -> flyway(false).migrate());
    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
              assertThat(e.failure().script()).isEqualTo("beforeMigrate__b_second.sql");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "Callback beforeMigrate__b_second.sql (beforeMigrate) failed at line 2:"
                          + " division by zero (SQLSTATE 22012); it was rolled back.");
              assertThat(e.partialResult().applied()).isEmpty();
            });

    assertThat(pitstopDb.queryStrings(LOG))
        .containsExactly("beforeMigrate history=0", "beforeMigrate a first history=0");
    assertSameLogsAndHistory();
  }

  @Test
  void aFailingAfterMigrateCallbackLeavesTheMigrationsAppliedAsInFlyway() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("afterMigrate.sql", log("afterMigrate") + "SELECT 1 / 0;\n");

    assertThatThrownBy(() -> flyway(false).migrate());
    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.failure().script()).isEqualTo("afterMigrate.sql");
              assertThat(e.partialResult().applied()).hasSize(2);
              assertThat(e.partialResult().currentVersion()).isEqualTo("2");
            });

    assertThat(pitstopDb.queryStrings(LOG)).endsWith("afterMigrateApplied history=2");
    assertSameLogsAndHistory();
  }

  @Test
  void aCallbackThatCannotRunInATransactionRunsOutsideOneAsInFlyway() throws Exception {
    writeCallbacksAndTwoMigrations();
    write(
        "afterMigrate__index.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS log_event ON audit.log (event);\n");

    assertThat(flyway(false).migrate().migrationsExecuted).isEqualTo(2);
    pitstopMigrate();

    assertSameLogsAndHistory();
    String valid =
        "SELECT count(*) FROM pg_index WHERE indexrelid = 'audit.log_event'::regclass"
            + " AND indisvalid";
    assertThat(pitstopDb.queryLong(valid)).isEqualTo(1);
    assertThat(flywayDb.queryLong(valid)).isEqualTo(1);
  }

  @Test
  void aFailingAfterMigrateErrorCallbackKeepsTheMigrationsFailureAsTheError() throws Exception {
    write("V1__fails.sql", "SELECT 1 / 0;\n");
    write("afterMigrateError.sql", "SELECT * FROM missing_table;\n");

    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
              assertThat(e.failure().script()).isEqualTo("V1__fails.sql");
              assertThat(e.getMessage())
                  .startsWith("V1__fails.sql failed at line 1: division by zero")
                  .endsWith(
                      " Then callback afterMigrateError.sql (afterMigrateError) failed at line 1:"
                          + " relation \"missing_table\" does not exist (SQLSTATE 42P01); it was"
                          + " rolled back.");
            });
    assertThat(pitstopDb.queryLong("SELECT count(*) FROM flyway_schema_history")).isZero();
  }

  @Test
  void skipDefaultCallbacksRunsNoneAsInFlyway() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("afterMigrate__broken.sql", "COMMIT;\n");

    assertThat(flyway(true).migrate().migrationsExecuted).isEqualTo(2);
    new MigrationEngine(pitstopDb.dataSource())
        .migrate(pitstop().skipDefaultCallbacks(true).build());

    assertThat(pitstopDb.queryStrings(LOG)).containsExactly("V1 history=0");
    assertSameLogsAndHistory();
  }

  @Test
  void aCallbackWithTransactionControlIsRefusedBeforeAnythingRuns() throws Exception {
    writeCallbacksAndTwoMigrations();
    write("afterMigrate__broken.sql", "SELECT 1;\n\nCOMMIT;\n");

    assertThatThrownBy(this::pitstopMigrate)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TRANSACTION_CONTROL);
              assertThat(e.subject()).isEqualTo("afterMigrate__broken.sql");
              assertThat(e.getMessage())
                  .startsWith("Callback script afterMigrate__broken.sql has COMMIT at line 3;");
            });
    assertThat(pitstopDb.rowCount("audit.log")).isZero();
    assertThat(pitstopDb.tableExists("flyway_schema_history")).isFalse();
  }
}
