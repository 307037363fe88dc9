package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placeholders: Pitstop and the real Flyway migrate the same files with the same values into two
 * databases, then each takes over the other's history.
 */
class PlaceholderCompatibilityTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private static final String V1 =
      "-- ${Table} owned by ${flyway:user}\n"
          + "CREATE TABLE ${table} (id int, owner text DEFAULT '${flyway:user}',"
          + " db text DEFAULT '${flyway:database}', sch text DEFAULT '${flyway:defaultSchema}',"
          + " hist text DEFAULT '${flyway:table}', file text DEFAULT '${flyway:filename}',"
          + " dir text DEFAULT '${flyway:workingDirectory}', ts text DEFAULT"
          + " '${flyway:timestamp}', env text DEFAULT '${flyway:environment}',"
          + " body text DEFAULT $$${greeting}$$);\n"
          + "INSERT INTO ${TABLE} (id) VALUES (1);\n";

  private void write(String name, String content) throws Exception {
    Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private void writeScripts() throws Exception {
    write("V1__create.sql", V1);
    // CONCURRENTLY only after replacement: the script must still run outside a transaction
    write("V2__index.sql", "CREATE INDEX ${concurrently} ${table}_id_idx ON ${table} (id);\n");
    write(
        "R__view.sql",
        "CREATE OR REPLACE VIEW ${table}_view AS SELECT id, '${greeting}'::text AS greeting"
            + " FROM ${table};\n");
    // callbacks get the same replacement
    write(
        "beforeMigrate.sql",
        "CREATE TABLE IF NOT EXISTS ${table}_log (greeting text, file text);\n"
            + "INSERT INTO ${table}_log VALUES ('${greeting}', '${flyway:filename}');\n");
  }

  private static Map<String, String> values(String greeting) {
    return Map.of("table", "items", "greeting", greeting, "concurrently", "CONCURRENTLY");
  }

  private Flyway flyway(DataSource dataSource, Map<String, String> placeholders) {
    return Flyway.configure()
        .dataSource(dataSource)
        .locations("filesystem:" + dir)
        .placeholders(placeholders)
        .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
        .load();
  }

  private MigrationRequest request(Map<String, String> placeholders) {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history")
        .placeholders(placeholders)
        .build();
  }

  private static List<String> history(TestDatabase db) {
    return db.queryStrings(
        "SELECT concat_ws(' ', installed_rank, version, description, type, script, checksum,"
            + " success) FROM flyway_schema_history ORDER BY installed_rank");
  }

  /** What the built-ins became, compared with what the session says they are. */
  private static List<String> builtIns(TestDatabase db) {
    return db.queryStrings(
        "SELECT concat_ws(' ', owner = current_user, db = current_database(),"
            + " sch = current_schema(), hist, file, dir, ts ~ '^\\d{4}-\\d\\d-\\d\\d"
            + " \\d\\d:\\d\\d:\\d\\d$', env, body) FROM items");
  }

  @Test
  void sameHistoryAndChecksumsAsFlywayAndEachValidatesTheOthersHistory() throws Exception {
    writeScripts();
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.database();
    assertThat(flyway(byFlyway.dataSource(), values("hello")).migrate().migrationsExecuted)
        .isEqualTo(3);
    MigrateResult result =
        new MigrationEngine(byPitstop.dataSource()).migrate(request(values("hello")));
    assertThat(result.applied()).hasSize(3);

    // the same history rows and checksums, and the same built-in values
    assertThat(history(byPitstop)).isEqualTo(history(byFlyway)).hasSize(3);
    String expected =
        "t t t flyway_schema_history V1__create.sql "
            + System.getProperty("user.dir")
            + " t default hello";
    assertThat(builtIns(byPitstop)).containsExactly(expected);
    assertThat(builtIns(byFlyway)).containsExactly(expected);
    assertThat(
            byPitstop.queryLong(
                "SELECT count(*) FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass AND indisvalid"))
        .isOne();
    assertThat(byPitstop.queryStrings("SELECT greeting FROM items_view")).containsExactly("hello");
    assertThat(byPitstop.queryStrings("SELECT greeting || ' ' || file FROM items_log"))
        .containsExactly("hello beforeMigrate.sql")
        .isEqualTo(byFlyway.queryStrings("SELECT greeting || ' ' || file FROM items_log"));

    // Flyway's checksum of a versioned script is of the file before replacement, of a repeatable
    // one after replacement
    String view = Files.readString(dir.resolve("R__view.sql"));
    assertThat(byFlyway.queryStrings("SELECT checksum FROM flyway_schema_history ORDER BY 1"))
        .contains(
            String.valueOf(ScriptChecksum.of(V1)),
            String.valueOf(
                ScriptChecksum.of(
                    view.replace("${table}", "items").replace("${greeting}", "hello"))))
        .doesNotContain(String.valueOf(ScriptChecksum.of(view)));

    // each validates the other's history with the same values; nothing is pending
    ValidateResult validation =
        flyway(byPitstop.dataSource(), values("hello")).validateWithResult();
    assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
    assertThat(
            new MigrationEngine(byFlyway.dataSource()).validate(request(values("hello"))).valid())
        .isTrue();
    assertThat(new MigrationEngine(byFlyway.dataSource()).info(request(values("hello"))).pending())
        .isEmpty();

    // a new value makes the repeatable pending for both; Pitstop applies it on Flyway's history
    // and Flyway then sees it done
    assertThat(
            Arrays.stream(flyway(byFlyway.dataSource(), values("bye")).info().pending())
                .map(MigrationInfo::getScript))
        .containsExactly("R__view.sql");
    MigrateResult again =
        new MigrationEngine(byFlyway.dataSource()).migrate(request(values("bye")));
    assertThat(again.applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("R__view.sql");
    assertThat(byFlyway.queryStrings("SELECT greeting FROM items_view")).containsExactly("bye");
    assertThat(
            Arrays.stream(flyway(byFlyway.dataSource(), values("bye")).info().all())
                .map(MigrationInfo::getState))
        .containsExactly(
            MigrationState.SUCCESS,
            MigrationState.SUCCESS,
            MigrationState.SUPERSEDED,
            MigrationState.SUCCESS);
    assertThat(flyway(byFlyway.dataSource(), values("bye")).info().pending()).isEmpty();
  }

  @Test
  void anUnsetPlaceholderIsRefusedBeforeAnythingRuns() throws Exception {
    writeScripts();
    write("V3__tenant.sql", "SELECT 1;\nINSERT INTO ${table} (id) VALUES (${tenant_id});\n");
    MigrationEngine engine = new MigrationEngine(pg.dataSource());

    assertThatThrownBy(() -> engine.migrate(request(values("hello"))))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSET_PLACEHOLDER))
        .hasMessage(
            "Migration script V3__tenant.sql uses placeholder ${tenant_id} at line 2 but no value"
                + " is set for tenant_id; give it a value (pitstop --placeholder tenant_id=VALUE,"
                + " spec.placeholders).");
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
    assertThat(pg.tableExists("items")).isFalse();
    assertThat(MigrationScripts.namingProblems(request(Map.of())))
        .extracting(ValidationIssue::subject)
        .containsExactly(
            "R__view.sql",
            "V1__create.sql",
            "V2__index.sql",
            "V3__tenant.sql",
            "beforeMigrate.sql");
  }
}
