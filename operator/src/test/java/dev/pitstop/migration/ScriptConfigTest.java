package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Per-script configuration files ({@code V1__x.sql.conf}), beside the real Flyway. */
class ScriptConfigTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private void write(String name, String content) throws Exception {
    Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private MigrationRequest request() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history")
        .build();
  }

  private Flyway flyway(TestDatabase database) {
    return Flyway.configure()
        .dataSource(database.dataSource())
        .locations("filesystem:" + dir)
        .load();
  }

  @Test
  void executeInTransactionFalseRunsTheScriptOutsideATransactionAsFlywayDoes() throws Exception {
    write("V1__mood.sql", "CREATE TYPE mood AS ENUM ('sad');\n");
    // a new enum value cannot be used in the transaction that added it
    String addAndUse =
        "ALTER TYPE mood ADD VALUE 'happy';\n"
            + "CREATE TABLE moods (m mood);\n"
            + "INSERT INTO moods VALUES ('happy');\n"
            + "COPY moods FROM stdin;\nsad\nhappy\n\\.\n";
    write("V2__happy.sql", addAndUse);
    assertThatThrownBy(() -> new MigrationEngine(pg.dataSource()).migrate(request()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> assertThat(e.getMessage()).contains("V2__happy.sql failed at line 3"));
    write("V2__happy.sql.conf", "# runs outside a transaction\nexecuteInTransaction=false\n");
    assertThat(MigrationScripts.ignored(MigrationScripts.fromDirectory(dir))).isEmpty();
    assertThat(new MigrationEngine(pg.dataSource()).info(request()).pending())
        .extracting(PendingMigration::script, PendingMigration::transactional)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("V2__happy.sql", false));
    TestDatabase flywayDatabase = pg.createDatabase();
    flyway(flywayDatabase).migrate();

    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(request());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    String moods = "SELECT m::text FROM moods ORDER BY ctid";
    assertThat(pg.queryStrings(moods))
        .isEqualTo(flywayDatabase.queryStrings(moods))
        .containsExactly("happy", "sad", "happy");
    String history =
        "SELECT version || '|' || script || '|' || checksum || '|' || success"
            + " FROM flyway_schema_history ORDER BY installed_rank";
    assertThat(pg.queryStrings(history)).isEqualTo(flywayDatabase.queryStrings(history)).hasSize(2);
    ValidateResult validation = flyway(pg.database()).validateWithResult();
    assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
  }

  @Test
  void executeInTransactionTrueWithVacuumIsRefusedBeforeAnythingRunsWhereFlywayFails()
      throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int);\n");
    write("V2__vacuum.sql", "INSERT INTO items VALUES (1);\nVACUUM items;\n");
    write("V2__vacuum.sql.conf", "executeInTransaction=true\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    assertThatThrownBy(() -> flyway(flywayDatabase).migrate())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("VACUUM cannot run inside a transaction block");
    assertThat(flywayDatabase.rowCount("items")).isZero();

    assertThatThrownBy(() -> new MigrationEngine(pg.dataSource()).migrate(request()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCRIPT);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "Script configuration V2__vacuum.sql.conf sets executeInTransaction=true, but"
                          + " V2__vacuum.sql has a statement at line 2 that PostgreSQL cannot run"
                          + " in a transaction (VACUUM items ...); set executeInTransaction=false"
                          + " or remove the setting.");
            });
    assertThat(pg.tableExists("items")).isFalse();
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
  }

  @Test
  void unknownKeysAndBadValuesAreRefusedAsFlywayRefusesThem() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int);\n");
    write("V1__items.sql.conf", "executeInTransaction=false\n\nshouldRun=true\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    assertThatThrownBy(() -> flyway(flywayDatabase).migrate())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("Unknown configuration property: shouldRun");
    assertThat(flywayDatabase.tableExists("items")).isFalse();

    assertThat(MigrationScripts.namingProblems(MigrationScripts.fromDirectory(dir)))
        .extracting(ValidationIssue::message)
        .containsExactly(
            "Script configuration V1__items.sql.conf line 3 has the unknown key shouldRun (known:"
                + " executeInTransaction, encoding, placeholderReplacement).");

    write("V1__items.sql.conf", "executeInTransaction=no\n");
    assertThatThrownBy(() -> flyway(flywayDatabase).migrate())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("executeInTransaction");
    assertThatThrownBy(() -> new MigrationEngine(pg.dataSource()).migrate(request()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e ->
                assertThat(e.getMessage())
                    .isEqualTo(
                        "Script configuration V1__items.sql.conf line 1 sets executeInTransaction"
                            + " to no, not true or false."));
    assertThat(pg.tableExists("items")).isFalse();

    write("V1__items.sql.conf", "encoding=UTF-8\nexecuteInTransaction: TRUE\n");
    assertThat(new MigrationEngine(pg.dataSource()).migrate(request()).applied()).hasSize(1);
    assertThat(flyway(flywayDatabase).migrate().migrationsExecuted).isEqualTo(1);
    write("V1__items.sql.conf", "encoding=ISO-8859-1\n");
    assertThat(MigrationScripts.namingProblems(MigrationScripts.fromDirectory(dir)))
        .extracting(ValidationIssue::message)
        .containsExactly(
            "Script configuration V1__items.sql.conf line 1 sets encoding to ISO-8859-1, but"
                + " Pitstop reads every script as UTF-8; convert the script to UTF-8 and remove the"
                + " setting.");
  }
}
