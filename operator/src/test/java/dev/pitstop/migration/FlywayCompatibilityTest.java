package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pitstop and the real Flyway library take turns on one database. */
class FlywayCompatibilityTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @TempDir Path dir;

  private void write(String name, String content) throws Exception {
    Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private void writeBytes(String name, byte[] content) throws Exception {
    Files.write(dir.resolve(name), content);
  }

  private Flyway flyway() {
    return Flyway.configure().dataSource(pg.dataSource()).locations("filesystem:" + dir).load();
  }

  private MigrationRequest pitstopRequest() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history")
        .build();
  }

  private void writeFirstThree() throws Exception {
    write("V1__create_items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\n");
    write(
        "V2__seed.sql",
        "INSERT INTO items VALUES (1, 'one');\r\nINSERT INTO items VALUES (2, 'two');\r\n");
    write("V3_1__add_price.sql", "ALTER TABLE items ADD COLUMN price numeric DEFAULT 0;");
  }

  @Test
  void databaseMigratedByFlywayContinuesUnderPitstopWithoutReapplying() throws Exception {
    writeFirstThree();
    write("R__item_names.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items;\n");
    assertThat(flyway().migrate().migrationsExecuted).isEqualTo(4);

    write("V4__more_items.sql", "INSERT INTO items VALUES (3, 'three');\n");
    write("V5__index.sql", "CREATE INDEX CONCURRENTLY items_name_idx ON items (name);\n");
    MigrationInfo[] before = flyway().info().all();
    assertThat(before).hasSize(6);

    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("4", "5");
    assertThat(result.currentVersion()).isEqualTo("5");
    assertThat(pg.rowCount("items")).isEqualTo(3); // V2 not re-run
    assertThat(pg.queryLong("SELECT count(*) FROM flyway_schema_history")).isEqualTo(6);

    // and Flyway accepts what Pitstop recorded
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();
    assertThat(Arrays.stream(flyway().info().all()).map(MigrationInfo::getState))
        .containsOnly(MigrationState.SUCCESS);
    assertThat(flyway().migrate().migrationsExecuted).isZero();
  }

  @Test
  void flywayValidatesAndContinuesADatabaseMigratedByPitstop() throws Exception {
    writeFirstThree();
    write("R__item_names.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items;\n");
    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());
    assertThat(result.applied()).hasSize(4);

    ValidateResult validation = flyway().validateWithResult();
    assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
    flyway().validate();

    write("V4__more_items.sql", "INSERT INTO items VALUES (3, 'three');\n");
    assertThat(flyway().migrate().migrationsExecuted).isEqualTo(1);
    assertThat(pg.rowCount("items")).isEqualTo(3);
    assertThat(new MigrationEngine(pg.dataSource()).validate(pitstopRequest()).valid()).isTrue();
    assertThat(new MigrationEngine(pg.dataSource()).info(pitstopRequest()).pending()).isEmpty();
  }

  @Test
  void aMigrationFinishedAfterAnInterruptedConcurrentBuildIsRecordedAsFlywayRecordsIt()
      throws Exception {
    write("V1__create_items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\n");
    write(
        "V2__item_indexes.sql",
        "CREATE INDEX CONCURRENTLY items_name_idx ON items (lower(name));\n"
            + "CREATE INDEX CONCURRENTLY items_name_id_idx ON items (name, id);\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    Flyway.configure()
        .dataSource(flywayDatabase.dataSource())
        .locations("filesystem:" + dir)
        .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
        .load()
        .migrate();
    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    engine.migrate(
        MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
            .historyTable("flyway_schema_history")
            .targetVersion("1")
            .build());
    // an earlier run of V2 ended after the server built its first index
    pg.execute("CREATE INDEX items_name_idx ON items (lower(name))");

    MigrateResult result = engine.migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    String rows =
        "SELECT installed_rank || ' ' || version || ' ' || description || ' ' || type || ' '"
            + " || script || ' ' || checksum || ' ' || success FROM flyway_schema_history"
            + " ORDER BY installed_rank";
    assertThat(pg.queryStrings(rows)).isEqualTo(flywayDatabase.queryStrings(rows)).hasSize(2);
    String indexes = "SELECT indexdef FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname";
    assertThat(pg.queryStrings(indexes)).isEqualTo(flywayDatabase.queryStrings(indexes));
    ValidateResult validation = flyway().validateWithResult();
    assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
  }

  @Test
  void checksumsMatchFlywaysForBomCrlfAndFinalNewlines() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = "CREATE TABLE bom (id int);\n".getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, withBom, 0, bom.length);
    System.arraycopy(body, 0, withBom, bom.length, body.length);
    writeBytes("V1__bom.sql", withBom);
    write("V2__crlf.sql", "CREATE TABLE crlf (id int);\r\nINSERT INTO crlf VALUES (1);\r\n");
    write("V3__no_final_newline.sql", "CREATE TABLE nofinal (id int);");
    write("V4__blank_lines.sql", "\n\nCREATE TABLE blanks (id int);\n\n\n");
    write("V5__unicode.sql", "-- Grüße ✓\nCREATE TABLE \"Übersicht\" (note text DEFAULT 'é');\n");
    write(
        "V6__plpgsql.sql",
        "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n");
    flyway().migrate();

    List<String> flywayChecksums =
        pg.queryStrings("SELECT script || '=' || checksum FROM flyway_schema_history ORDER BY 1");
    List<String> pitstopChecksums =
        MigrationScripts.fromDirectory(dir).stream()
            .map(s -> s.name() + "=" + ScriptChecksum.of(s.sql()))
            .sorted()
            .toList();
    assertThat(pitstopChecksums).isEqualTo(flywayChecksums).hasSize(6);
    assertThat(new MigrationEngine(pg.dataSource()).validate(pitstopRequest()).valid()).isTrue();
  }

  @Test
  void aVersionWithoutADescriptionIsAMigrationForBothAsInFlyway() throws Exception {
    write("V1.sql", "CREATE TABLE items (id int PRIMARY KEY);\n");
    write("V1_1.sql", "INSERT INTO items VALUES (1);\n");
    assertThat(flyway().migrate().migrationsExecuted).isEqualTo(2);

    write("V2.sql", "INSERT INTO items VALUES (2);\n");
    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    assertThat(engine.validate(pitstopRequest()).valid()).isTrue();
    MigrateResult result = engine.migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    assertThat(pg.rowCount("items")).isEqualTo(2);
    assertThat(
            pg.queryStrings(
                "SELECT version || '|' || description || '|' || script FROM flyway_schema_history"
                    + " ORDER BY installed_rank"))
        .containsExactly("1||V1.sql", "1.1||V1_1.sql", "2||V2.sql");
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();
    assertThat(flyway().migrate().migrationsExecuted).isZero();
  }

  @Test
  void aScriptFlywayAppliedWithTransactionControlDoesNotStopPitstopTakingOver() throws Exception {
    write("V1__create_items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\n");
    // as some projects write them; Flyway runs it (the COMMIT ends its transaction early)
    write("V2__unify.sql", "BEGIN;\nINSERT INTO items VALUES (1, 'one');\nCOMMIT;\n");
    assertThat(flyway().migrate().migrationsExecuted).isEqualTo(2);

    write("V3__more.sql", "INSERT INTO items VALUES (3, 'three');\n");
    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    assertThat(engine.validate(pitstopRequest()).valid()).isTrue();
    assertThat(engine.info(pitstopRequest()).pending())
        .extracting(PendingMigration::script)
        .containsExactly("V3__more.sql");
    MigrateResult result = engine.migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("3");
    assertThat(pg.rowCount("items")).isEqualTo(2);
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();

    // a pending one is still refused, before anything runs
    write("V4__commits.sql", "INSERT INTO items VALUES (4, 'four');\nCOMMIT;\n");
    MigrationException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            MigrationException.class, () -> engine.migrate(pitstopRequest()));
    assertThat(refused.code()).isEqualTo(ErrorCode.TRANSACTION_CONTROL);
    assertThat(refused.getMessage()).contains("V4__commits.sql has COMMIT at line 2");
    assertThat(pg.rowCount("items")).isEqualTo(2);
    assertThat(engine.validate(pitstopRequest()).issues())
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.TRANSACTION_CONTROL);
  }

  @Test
  void aRepeatableFlywaysRepairMarkedDeletedIsAppliedAgainWhenItsScriptComesBack()
      throws Exception {
    writeFirstThree();
    write("R__item_names.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items;\n");
    flyway().migrate();
    Files.delete(dir.resolve("R__item_names.sql"));
    flyway().repair(); // writes a DELETE row for the repeatable
    write("V4__drop_view.sql", "DROP VIEW item_names;\n");
    flyway().migrate();
    assertThat(pg.queryStrings("SELECT type FROM flyway_schema_history WHERE version IS NULL"))
        .containsExactly("SQL", "DELETE");

    write("R__item_names.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items;\n");
    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());

    assertThat(result.applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("R__item_names.sql");
    assertThat(pg.tableExists("item_names")).isTrue();
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();
    assertThat(flyway().migrate().migrationsExecuted).isZero();
  }

  @Test
  void aVersionAnUndoRowTookBackIsNotApplied() throws Exception {
    writeFirstThree();
    write("V4__notes.sql", "CREATE TABLE notes (id int);\n");
    new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());
    // what Flyway's undo (Teams) records after running U4__notes.sql
    pg.execute("DROP TABLE notes");
    pg.execute(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
            + " checksum, installed_by, execution_time, success) VALUES (5, '4', 'notes',"
            + " 'UNDO_SQL', 'U4__notes.sql', 1, current_user, 1, true)");

    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    assertThat(engine.info(pitstopRequest()).currentVersion()).isEqualTo("3.1");
    MigrateResult result = engine.migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("4");
    assertThat(pg.tableExists("notes")).isTrue();
  }

  @Test
  void aDescriptionLongerThanTheHistoryHoldsIsShortenedAsFlywayShortensIt() throws Exception {
    String longName = "V1__" + "add_a_column_".repeat(16) + "end.sql";
    write(longName, "CREATE TABLE items (id int PRIMARY KEY);\n");
    TestDatabase byFlyway = pg.createDatabase();
    Flyway.configure()
        .dataSource(byFlyway.dataSource())
        .locations("filesystem:" + dir)
        .load()
        .migrate();

    new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());

    String described = "SELECT description FROM flyway_schema_history WHERE version = '1'";
    assertThat(pg.queryStrings(described)).isEqualTo(byFlyway.queryStrings(described));
    assertThat(pg.queryStrings(described).get(0)).hasSize(200);
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();
    MigrationRequest onFlyways =
        MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
            .historyTable("flyway_schema_history")
            .build();
    assertThat(new MigrationEngine(byFlyway.dataSource()).validate(onFlyways).valid()).isTrue();
  }

  @Test
  void flywayBaselineMakesLowerVersionsCountAsApplied() throws Exception {
    pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
    Flyway.configure().dataSource(pg.dataSource()).baselineVersion("2").load().baseline();
    writeFirstThree();

    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("3.1");
    assertThat(result.currentVersion()).isEqualTo("3.1");
    assertThat(pg.rowCount("items")).isZero(); // V2's inserts were below the baseline
    assertThat(flyway().validateWithResult().validationSuccessful).isTrue();
  }

  @Test
  void sessionSettingsOfOneMigrationDoNotLeakIntoTheNextOneAsInFlyway() throws Exception {
    String role = roles.create("mig_other", "");
    // as pg_dump writes it: an empty search_path, then schema-qualified objects
    write(
        "V1__baseline.sql",
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
            + "SET check_function_bodies = false;\n"
            + "CREATE SCHEMA other;\n"
            + "CREATE TABLE public.base (id int);\n");
    write("V2__plain.sql", "CREATE TABLE plain (id int);\n");
    write("V3__other.sql", "SET search_path TO other;\nCREATE TABLE in_other (id int);\n");
    write("V4__after_other.sql", "CREATE TABLE after_other (id int);\n");
    write("V5__role.sql", "SET ROLE " + role + ";\nSET TIME ZONE 'Pacific/Kiritimati';\n");
    write("V6__after_role.sql", "CREATE TABLE after_role (id int);\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    Flyway.configure()
        .dataSource(flywayDatabase.dataSource())
        .locations("filesystem:" + dir)
        .load()
        .migrate();

    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(pitstopRequest());

    String tables =
        "SELECT schemaname || '.' || tablename || ' ' || (tableowner = current_user)"
            + " FROM pg_tables WHERE tablename IN ('base', 'plain', 'in_other', 'after_other',"
            + " 'after_role') ORDER BY 1";
    assertThat(pg.queryStrings(tables))
        .isEqualTo(flywayDatabase.queryStrings(tables))
        .containsExactly(
            "other.in_other true",
            "public.after_other true",
            "public.after_role true",
            "public.base true",
            "public.plain true");
    String history =
        "SELECT version || ' ' || success FROM flyway_schema_history ORDER BY installed_rank";
    assertThat(pg.queryStrings(history))
        .isEqualTo(flywayDatabase.queryStrings(history))
        .containsExactly("1 true", "2 true", "3 true", "4 true", "5 true", "6 true");
    assertThat(result.applied()).hasSize(6);
  }

  @Test
  void ruleWithSeveralActionsIsOneStatementAsInFlyway() throws Exception {
    write(
        "V1__rule.sql",
        "CREATE TABLE items (id int);\nCREATE TABLE item_log (id int);\n"
            + "CREATE TABLE item_count (n int);\nINSERT INTO item_count VALUES (0);\n"
            + "CREATE RULE log_items AS ON INSERT TO items DO ALSO (\n"
            + "  INSERT INTO item_log VALUES (new.id);\n"
            + "  UPDATE item_count SET n = n + 1;\n"
            + ");\n");
    write("V2__insert.sql", "INSERT INTO items VALUES (7);\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    Flyway.configure()
        .dataSource(flywayDatabase.dataSource())
        .locations("filesystem:" + dir)
        .load()
        .migrate();

    assertThat(new MigrationEngine(pg.dataSource()).migrate(pitstopRequest()).applied()).hasSize(2);

    String effects =
        "SELECT (SELECT string_agg(id::text, ',') FROM item_log) || ' '"
            + " || (SELECT n FROM item_count)";
    assertThat(pg.queryStrings(effects))
        .isEqualTo(flywayDatabase.queryStrings(effects))
        .containsExactly("7 1");
  }

  /** A history row in Flyway's terms, without the columns that differ from run to run. */
  private static final String HISTORY_ROWS =
      "SELECT concat_ws(' | ', installed_rank, coalesce(version, '-'), description, type, script,"
          + " coalesce(checksum::text, '-'), installed_by, success)"
          + " FROM app.flyway_schema_history ORDER BY installed_rank";

  private static Flyway flywayInApp(TestDatabase database, Path scripts) {
    return Flyway.configure()
        .dataSource(database.dataSource())
        .schemas("app")
        .locations("filesystem:" + scripts)
        .cleanDisabled(false)
        .load();
  }

  private MigrationRequest pitstopRequestInApp() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("app.flyway_schema_history")
        .build();
  }

  @Test
  void aHistorySchemaPitstopCreatesIsRecordedAsFlywayRecordsASchemaItCreates() throws Exception {
    writeFirstThree();
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.createDatabase();
    flywayInApp(byFlyway, dir).migrate();

    MigrateResult result =
        new MigrationEngine(byPitstop.dataSource()).migrate(pitstopRequestInApp());

    assertThat(result.applied()).hasSize(3);
    assertThat(byPitstop.queryStrings(HISTORY_ROWS))
        .isEqualTo(byFlyway.queryStrings(HISTORY_ROWS))
        .first()
        .asString()
        .startsWith("0 | - | << Flyway Schema Creation >> | SCHEMA | \"app\" | - | ");
    assertThat(flywayInApp(byPitstop, dir).validateWithResult().validationSuccessful).isTrue();
    assertThat(new MigrationEngine(byPitstop.dataSource()).info(pitstopRequestInApp()).pending())
        .isEmpty();
    // Flyway's clean drops a schema it created rather than emptying it: Pitstop's counts as such.
    flywayInApp(byPitstop, dir).clean();
    assertThat(byPitstop.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"))
        .isZero();
  }

  /** Flyway counts its schema row as a migration when asked for a baseline, and so does Pitstop. */
  @Test
  void aHistoryHoldingOnlyTheSchemaRowRefusesABaselineAsInFlyway() throws Exception {
    Path none = Files.createDirectory(dir.resolve("none"));
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.createDatabase();
    flywayInApp(byFlyway, none).migrate();
    new MigrationEngine(byPitstop.dataSource()).migrate(pitstopRequestInApp());
    assertThat(byPitstop.queryStrings(HISTORY_ROWS))
        .isEqualTo(byFlyway.queryStrings(HISTORY_ROWS))
        .hasSize(1);

    assertThatThrownBy(
            () ->
                Flyway.configure()
                    .dataSource(byFlyway.dataSource())
                    .schemas("app")
                    .baselineVersion("5")
                    .load()
                    .baseline())
        .hasMessageContaining("already contains migrations");
    assertThatThrownBy(
            () ->
                new MigrationEngine(byPitstop.dataSource())
                    .baseline(
                        MigrationRequest.builder(MigrationScripts.fromDirectory(none))
                            .historyTable("app.flyway_schema_history")
                            .baselineVersion("5")
                            .build()))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("already records 1 row(s)");
    assertThat(byPitstop.queryStrings(HISTORY_ROWS)).hasSize(1);
  }
}
