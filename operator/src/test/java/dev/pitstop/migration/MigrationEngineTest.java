package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MigrationEngineTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @RegisterExtension
  final dev.pitstop.testing.TestRoles roles = new dev.pitstop.testing.TestRoles(pg);

  static final MigrationScript V1 =
      new MigrationScript("V1__create_projects.sql", "CREATE TABLE projects (id int PRIMARY KEY);");
  static final MigrationScript V2 =
      new MigrationScript(
          "V2__add_name.sql",
          "ALTER TABLE projects ADD COLUMN name text;\nINSERT INTO projects VALUES (1, 'a');");
  static final MigrationScript V3 =
      new MigrationScript("V3__add_status.sql", "ALTER TABLE projects ADD COLUMN status text;");

  private MigrationEngine engine() {
    return new MigrationEngine(pg.dataSource());
  }

  private static MigrationRequest.Builder request(MigrationScript... scripts) {
    return MigrationRequest.builder(List.of(scripts));
  }

  private static MigrationException migrateFails(MigrationEngine engine, MigrationRequest request) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(() -> engine.migrate(request));
    assertThat(thrown).isInstanceOf(MigrationException.class);
    return (MigrationException) thrown;
  }

  @Test
  void appliesPendingMigrationsInOrderAndRecordsThemLikeFlyway() {
    MigrateResult result = engine().migrate(request(V3, V1, V2).build());

    assertThat(result.applied())
        .extracting(ExecutedMigration::version)
        .containsExactly("1", "2", "3");
    assertThat(result.applied().get(1).description()).isEqualTo("add name");
    assertThat(result.applied().get(1).checksum()).isEqualTo(ScriptChecksum.of(V2.sql()));
    assertThat(result.currentVersion()).isEqualTo("3");
    assertThat(result.appliedCount()).isEqualTo(3);
    assertThat(result.pending()).isEmpty();
    assertThat(result.historyTable()).isEqualTo("public.pitstop_schema_history");
    assertThat(pg.rowCount("projects")).isEqualTo(1);
    assertThat(
            pg.queryStrings(
                "SELECT installed_rank || '|' || version || '|' || description || '|' || type"
                    + " || '|' || script || '|' || installed_by || '|' || success"
                    + " FROM pitstop_schema_history ORDER BY installed_rank"))
        .containsExactly(
            "1|1|create projects|SQL|V1__create_projects.sql|" + pg.user() + "|true",
            "2|2|add name|SQL|V2__add_name.sql|" + pg.user() + "|true",
            "3|3|add status|SQL|V3__add_status.sql|" + pg.user() + "|true");
    assertThat(pg.queryLong("SELECT checksum FROM pitstop_schema_history WHERE version = '3'"))
        .isEqualTo(ScriptChecksum.of(V3.sql()));
  }

  @Test
  void anotherHistoryTheRoleMayNotReadIsRefusedSayingWhyItIsReadAndWhatToGrant() {
    engine().migrate(request(V1).build());
    String role = roles.create("mig_reader", "");
    org.postgresql.ds.PGSimpleDataSource asRole = new org.postgresql.ds.PGSimpleDataSource();
    asRole.setURL(pg.jdbcUrl());
    asRole.setUser(role);
    asRole.setPassword(dev.pitstop.testing.TestRoles.PASSWORD);

    MigrationException refused =
        migrateFails(
            new MigrationEngine(asRole), request(V1, V2).historyTable("app_history").build());

    assertThat(refused.code()).isEqualTo(ErrorCode.OTHER_HISTORY_TABLE);
    assertThat(refused.isTransient()).isFalse();
    assertThat(refused.getMessage())
        .startsWith(
            "History table public.app_history does not exist yet, so Pitstop reads"
                + " public.pitstop_schema_history, another history table in its schema, to make"
                + " sure it does not already record these migrations")
        .contains("role \"" + role + "\" may not read it (permission denied, SQLSTATE 42501)")
        .contains("GRANT SELECT ON ")
        .contains(" TO \"" + role + "\"")
        .doesNotContain("The database failed");
    assertThat(pg.tableExists("app_history")).isFalse();
  }

  /**
   * A history in another schema is looked at (Flyway run with defaultSchema keeps it there), but
   * one in a schema closed to the role does not stop it: another application's, say.
   */
  @Test
  void aHistoryInASchemaTheRoleMayNotUseIsNotReadNorInTheWay() {
    engine().migrate(request(V1).historyTable("other.hist").build());
    pg.execute("DROP TABLE projects");
    String role = roles.create("mig_app", "");
    org.postgresql.ds.PGSimpleDataSource asRole = new org.postgresql.ds.PGSimpleDataSource();
    asRole.setURL(pg.jdbcUrl());
    asRole.setUser(role);
    asRole.setPassword(dev.pitstop.testing.TestRoles.PASSWORD);

    MigrateResult result = new MigrationEngine(asRole).migrate(request(V1).build());

    assertThat(result.applied()).hasSize(1);
    assertThat(pg.tableExists("projects")).isTrue();
    assertThat(migrateFails(engine(), request(V1, V2).historyTable("third").build()).getMessage())
        .as("the superuser may read it: that history is named")
        .contains("already records some of these migrations");
  }

  @Test
  void newHistoryBesideOneRecordingTheSameScriptsIsRefusedButOneWithItsOwnScriptsIsNot() {
    engine().migrate(request(V1, V2).build());

    MigrationException refused =
        migrateFails(engine(), request(V1, V2, V3).historyTable("other_history").build());

    assertThat(refused.code()).isEqualTo(ErrorCode.OTHER_HISTORY_TABLE);
    assertThat(refused.getMessage())
        .contains("public.pitstop_schema_history already records some of these migrations");
    assertThat(pg.tableExists("other_history")).isFalse();

    // A history of its own scripts goes beside it in this (non-empty) schema with a baseline at
    // version 0, as with Flyway; without one the schema is refused as not empty.
    MigrationScript data =
        new MigrationScript("V1__archive.sql", "UPDATE projects SET name = 'archived';");
    assertThat(migrateFails(engine(), request(data).historyTable("data_history").build()).code())
        .isEqualTo(ErrorCode.NON_EMPTY_SCHEMA);
    assertThat(
            engine()
                .migrate(
                    request(data)
                        .historyTable("data_history")
                        .baselineOnMigrate(true)
                        .baselineVersion("0")
                        .build())
                .applied())
        .hasSize(1);
  }

  @Test
  void secondRunAppliesNothingAndNewScriptsOnly() {
    engine().migrate(request(V1, V2).build());
    assertThat(engine().migrate(request(V1, V2).build()).applied()).isEmpty();
    MigrateResult third = engine().migrate(request(V1, V2, V3).build());
    assertThat(third.applied()).extracting(ExecutedMigration::script).containsExactly(V3.name());
    assertThat(third.appliedCount()).isEqualTo(3);
  }

  @Test
  void aTargetVersionNoFileHasIsRefusedBeforeTheHistoryTableIsCreated() {
    MigrationException e = migrateFails(engine(), request(V1, V2).targetVersion("9").build());

    assertThat(e.code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND);
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("projects")).isFalse();
  }

  @Test
  void infoAndValidateChangeNothing() {
    MigrationInfo before = engine().info(request(V1, V2).build());
    assertThat(before.historyTableExists()).isFalse();
    assertThat(before.currentVersion()).isNull();
    assertThat(before.pending()).extracting(PendingMigration::version).containsExactly("1", "2");
    assertThat(before.pending().get(1).statements()).isEqualTo(2);
    assertThat(engine().validate(request(V1, V2).build()).valid()).isTrue();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("projects")).isFalse();

    engine().migrate(request(V1).build());
    MigrationInfo after = engine().info(request(V1, V2).build());
    assertThat(after.currentVersion()).isEqualTo("1");
    assertThat(after.applied()).extracting(AppliedMigration::script).containsExactly(V1.name());
    assertThat(after.pending()).extracting(PendingMigration::script).containsExactly(V2.name());
    assertThat(after.appliedCount()).isEqualTo(1);
  }

  @Test
  void failedMigrationRollsBackRecordsNothingAndReportsLineAndSqlState() {
    MigrationScript broken =
        new MigrationScript(
            "V2__broken.sql",
            "-- adds a column\n"
                + "ALTER TABLE projects ADD COLUMN owner text;\n"
                + "\n"
                + "INSERT INTO projects (id, owner)\n"
                + "  VALUES (7, 'x');\n"
                + "UPDATE no_such_table\n"
                + "   SET x = 1;\n");
    MigrationException e = migrateFails(engine(), request(V1, broken, V3).build());

    assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
    assertThat(e.subject()).isEqualTo("V2__broken.sql");
    assertThat(e.isTransient()).isFalse();
    MigrationFailure failure = e.failure();
    assertThat(failure.version()).isEqualTo("2");
    assertThat(failure.script()).isEqualTo("V2__broken.sql");
    assertThat(failure.sqlState()).isEqualTo("42P01");
    assertThat(failure.message()).contains("no_such_table");
    assertThat(failure.line()).isEqualTo(6);
    assertThat(failure.statement()).isEqualTo(3);
    assertThat(failure.transactional()).isTrue();
    assertThat(e.getMessage())
        .contains("V2__broken.sql failed at line 6", "42P01", "rolled back and not recorded");
    assertThat(e.partialResult().applied())
        .extracting(ExecutedMigration::version)
        .containsExactly("1");
    assertThat(e.partialResult().currentVersion()).isEqualTo("1");

    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(1);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'projects' AND column_name = 'owner'"))
        .isZero();
    assertThat(pg.rowCount("projects")).isZero();
    assertThat(pg.tableExists("projects")).isTrue();
  }

  @Test
  void lockTimeoutFiresWhenAnotherSessionHoldsALock() throws Exception {
    engine().migrate(request(V1).build());
    try (var holder = pg.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("LOCK TABLE projects IN ACCESS SHARE MODE");
      MigrationException e =
          migrateFails(
              engine(), request(V1, V2).lockTimeout(java.time.Duration.ofMillis(200)).build());
      assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
      assertThat(e.failure().sqlState()).isEqualTo("55P03");
      assertThat(e.failure().line()).isEqualTo(1);
      assertThat(e.isTransient()).isTrue();
      holder.rollback();
    }
    assertThat(engine().migrate(request(V1, V2).build()).applied()).hasSize(1);
  }

  @Test
  void statementTimeoutFires() {
    MigrationException e =
        migrateFails(
            engine(),
            request(new MigrationScript("V1__slow.sql", "SELECT 1;\nSELECT pg_sleep(5);"))
                .statementTimeout(java.time.Duration.ofMillis(100))
                .build());
    assertThat(e.failure().sqlState()).isEqualTo("57014");
    assertThat(e.failure().line()).isEqualTo(2);
  }

  @Test
  void timeoutsAreLocalToEachMigration() {
    engine()
        .migrate(
            request(
                    V1,
                    new MigrationScript(
                        "V2__record_timeouts.sql",
                        "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lt,"
                            + " current_setting('statement_timeout') AS st;"))
                .lockTimeout(java.time.Duration.ofSeconds(3))
                .statementTimeout(java.time.Duration.ofSeconds(4))
                .build());
    assertThat(pg.queryStrings("SELECT lt || ' ' || st FROM seen")).containsExactly("3s 4s");
  }

  @Test
  void checksumMismatchFailsOrIsRepairedWithoutReRunning() {
    engine().migrate(request(V1, V2).build());
    MigrationScript changedV2 =
        new MigrationScript(V2.name(), V2.sql() + "\nINSERT INTO projects VALUES (2, 'b');");

    MigrationException e = migrateFails(engine(), request(V1, changedV2, V3).build());
    assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
    assertThat(e.subject()).isEqualTo(V2.name());
    assertThat(e.getMessage()).contains(V2.name(), "Repair");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(2);
    assertThat(engine().validate(request(V1, changedV2).build()).issues())
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.CHECKSUM_MISMATCH);

    MigrateResult repaired =
        engine()
            .migrate(
                request(V1, changedV2, V3)
                    .onChecksumMismatch(ChecksumMismatchPolicy.REPAIR)
                    .build());
    assertThat(repaired.repaired()).containsExactly(V2.name());
    assertThat(repaired.applied()).extracting(ExecutedMigration::script).containsExactly(V3.name());
    assertThat(pg.rowCount("projects")).isEqualTo(1); // V2 was not re-run
    assertThat(pg.queryLong("SELECT checksum FROM pitstop_schema_history WHERE version = '2'"))
        .isEqualTo(ScriptChecksum.of(changedV2.sql()));
    assertThat(engine().validate(request(V1, changedV2, V3).build()).valid()).isTrue();
  }

  @Test
  void renamedDescriptionIsReportedAndRepairable() {
    engine().migrate(request(V1).build());
    MigrationScript renamed = new MigrationScript("V1__projects.sql", V1.sql());
    assertThat(engine().validate(request(renamed).build()).issues())
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.DESCRIPTION_MISMATCH);
    RepairResult repair = engine().repair(request(renamed).build());
    assertThat(repair.realigned()).containsExactly("V1__projects.sql");
    assertThat(engine().validate(request(renamed).build()).valid()).isTrue();
  }

  @Test
  void appliedVersionWithoutScriptIsAnError() {
    engine().migrate(request(V1, V2).build());
    MigrationException e = migrateFails(engine(), request(V1, V3).build());
    assertThat(e.code()).isEqualTo(ErrorCode.MISSING_SCRIPT);
    assertThat(e.subject()).isEqualTo(V2.name());
    assertThat(e.getMessage()).contains("Version 2", V2.name());
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(2);
  }

  @Test
  void lowerPendingVersionIsAnErrorUnlessOutOfOrder() {
    engine().migrate(request(V1, V3).build());
    MigrationException e = migrateFails(engine(), request(V1, V2, V3).build());
    assertThat(e.code()).isEqualTo(ErrorCode.OUT_OF_ORDER);
    assertThat(e.subject()).isEqualTo(V2.name());
    assertThat(e.getMessage()).contains(V2.name(), "outOfOrder");

    MigrateResult result = engine().migrate(request(V1, V2, V3).outOfOrder(true).build());
    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    assertThat(result.currentVersion()).isEqualTo("3");
  }

  @Test
  void stopsAtTargetVersion() {
    MigrateResult first = engine().migrate(request(V1, V2, V3).targetVersion("2").build());
    assertThat(first.applied()).extracting(ExecutedMigration::version).containsExactly("1", "2");
    assertThat(first.currentVersion()).isEqualTo("2");
    assertThat(engine().info(request(V1, V2, V3).build()).pending())
        .extracting(PendingMigration::version)
        .containsExactly("3");

    MigrationException e = migrateFails(engine(), request(V1, V2, V3).targetVersion("9").build());
    assertThat(e.code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND);
    assertThat(e.subject()).isEqualTo("targetVersion");

    assertThat(engine().migrate(request(V1, V2, V3).targetVersion("latest").build()).applied())
        .extracting(ExecutedMigration::version)
        .containsExactly("3");
  }

  @Test
  void repeatablesRunAfterVersionedAndAgainOnlyWhenChanged() {
    MigrationScript view =
        new MigrationScript(
            "R__project_names.sql",
            "CREATE OR REPLACE VIEW project_names AS SELECT name FROM projects;");
    MigrateResult first = engine().migrate(request(view, V2, V1).build());
    assertThat(first.applied())
        .extracting(ExecutedMigration::script)
        .containsExactly(V1.name(), V2.name(), view.name());
    assertThat(first.applied().get(2).version()).isNull();

    assertThat(engine().migrate(request(view, V1, V2).build()).applied()).isEmpty();

    MigrationScript changed =
        new MigrationScript(
            view.name(), "CREATE OR REPLACE VIEW project_names AS SELECT name, id FROM projects;");
    MigrateResult third = engine().migrate(request(changed, V1, V2).build());
    assertThat(third.applied()).extracting(ExecutedMigration::script).containsExactly(view.name());
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE version IS NULL"))
        .isEqualTo(2);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'project_names'"))
        .isEqualTo(2);
    assertThat(engine().info(request(changed, V1, V2).build()).pending()).isEmpty();
  }

  @Test
  void failedRowsFromFlywayBlockUntilRepaired() {
    engine().migrate(request(V1).build());
    pg.execute(
        "INSERT INTO pitstop_schema_history (installed_rank, version, description, type, script,"
            + " checksum, installed_by, execution_time, success)"
            + " VALUES (2, '2', 'add name', 'SQL', 'V2__add_name.sql', 1, 'flyway', 5, false)");
    MigrationException e = migrateFails(engine(), request(V1, V2).build());
    assertThat(e.code()).isEqualTo(ErrorCode.FAILED_MIGRATION_RECORDED);
    assertThat(e.subject()).isEqualTo(V2.name());
    assertThat(e.getMessage()).contains("repair");

    RepairResult repair = engine().repair(request(V1, V2).build());
    assertThat(repair.removedFailed()).containsExactly(V2.name());
    assertThat(engine().migrate(request(V1, V2).build()).applied()).hasSize(1);
  }

  @Test
  void historyTableMayBeSchemaQualifiedAndIsCreatedWithItsSchema() {
    MigrateResult result =
        engine()
            .migrate(
                request(V1)
                    .historyTable("\"Ops\".\"Migration History\"")
                    .installedBy("ci")
                    .build());
    assertThat(result.historyTable()).isEqualTo("\"Ops\".\"Migration History\"");
    // the schema it created first, as Flyway records the schemas it creates
    assertThat(
            pg.queryStrings(
                "SELECT concat_ws(' ', installed_rank, type, script, installed_by)"
                    + " FROM \"Ops\".\"Migration History\" ORDER BY installed_rank"))
        .containsExactly("0 SCHEMA \"Ops\" ci", "1 SQL V1__create_projects.sql ci");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(
            pg.queryStrings("SELECT indexname FROM pg_indexes WHERE schemaname = 'Ops' ORDER BY 1"))
        .containsExactly("Migration History_pk", "Migration History_s_idx");
  }

  @Test
  void rejectsATableThatIsNotAHistoryTable() {
    pg.execute("CREATE TABLE not_history (id int)");
    MigrationException e = migrateFails(engine(), request(V1).historyTable("not_history").build());
    assertThat(e.code()).isEqualTo(ErrorCode.HISTORY_TABLE_INVALID);
    assertThat(e.subject()).isEqualTo("historyTable");
  }

  @Test
  void reportsProgressBeforeEveryStatement() {
    List<MigrationProgress> progress = new ArrayList<>();
    List<String> applied = new ArrayList<>();
    engine()
        .migrate(
            request(V1, V2).build(),
            new MigrationListener() {
              @Override
              public void onProgress(MigrationProgress p) {
                progress.add(p);
              }

              @Override
              public void onApplied(ExecutedMigration migration, int index, int total) {
                applied.add(index + "/" + total + " " + migration.script());
              }
            });
    assertThat(progress)
        .extracting(
            p ->
                p.script()
                    + " "
                    + p.index()
                    + "/"
                    + p.total()
                    + " "
                    + p.statement()
                    + "/"
                    + p.statements())
        .containsExactly(
            "V1__create_projects.sql 1/2 1/1",
            "V2__add_name.sql 2/2 1/2",
            "V2__add_name.sql 2/2 2/2");
    assertThat(applied).containsExactly("1/2 V1__create_projects.sql", "2/2 V2__add_name.sql");
  }

  @Test
  void listenerExceptionAbortsAndRollsBack() {
    MigrationListener failing =
        new MigrationListener() {
          @Override
          public void onProgress(MigrationProgress p) {
            if (p.statement() == 2) {
              throw new IllegalStateException("cancelled");
            }
          }
        };
    assertThatThrownBy(() -> engine().migrate(request(V1, V2).build(), failing))
        .hasMessage("cancelled");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(1);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'projects' AND column_name = 'name'"))
        .isZero();
  }

  @Test
  void transactionControlInAScriptIsRefusedBeforeAnythingRuns() {
    MigrationScript commits =
        new MigrationScript(
            "V2__commits.sql",
            "INSERT INTO projects VALUES (1);\n-- keep the first part\nCOMMIT;\n"
                + "INSERT INTO projects VALUES (2);\n");

    MigrationException e = migrateFails(engine(), request(V1, commits).build());

    assertThat(e.code()).isEqualTo(ErrorCode.TRANSACTION_CONTROL);
    assertThat(e.subject()).isEqualTo("V2__commits.sql");
    assertThat(e.getMessage()).contains("V2__commits.sql has COMMIT at line 3");
    assertThat(pg.tableExists("projects")).isFalse(); // V1 was not applied either
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(MigrationScripts.namingProblems(List.of(V1, commits)))
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.TRANSACTION_CONTROL);
  }

  @Test
  void commitInsideAProcedureBodyOrDoBlockIsNotTransactionControl() {
    MigrationScript procedure =
        new MigrationScript(
            "V2__procedure.sql",
            "CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$\nBEGIN\n"
                + "  INSERT INTO projects VALUES (1);\n  COMMIT;\nEND;\n$$;\n"
                + "DO $body$\nBEGIN\n  IF false THEN\n    ROLLBACK;\n  END IF;\n"
                + "  INSERT INTO projects VALUES (2);\nEND\n$body$;\n");

    MigrateResult result = engine().migrate(request(V1, procedure).build());

    assertThat(result.applied()).hasSize(2);
    assertThat(pg.rowCount("projects")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT count(*) FROM pg_proc WHERE proname = 'batch'")).isEqualTo(1);
  }

  @Test
  void runsPlpgsqlFunctionsTriggersDoBlocksAndStandardBodies() {
    MigrationScript functions =
        new MigrationScript(
            "V2__functions.sql",
            """
            CREATE TABLE audit (id serial, note text);
            CREATE FUNCTION log_insert() RETURNS trigger AS $$
            BEGIN
              INSERT INTO audit (note) VALUES ('inserted; ' || NEW.id);
              RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER projects_log AFTER INSERT ON projects
              FOR EACH ROW EXECUTE FUNCTION log_insert();
            DO $do$ BEGIN INSERT INTO projects VALUES (1); END $do$;
            CREATE FUNCTION double_it(x int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN x IS NULL THEN 0 ELSE x * 2 END;
            END;
            INSERT INTO audit (note) VALUES (E'it\\'s; done'), ('{fn now()}');
            """);
    engine().migrate(request(V1, functions).build());
    assertThat(pg.queryStrings("SELECT note FROM audit ORDER BY id"))
        .containsExactly("inserted; 1", "it's; done", "{fn now()}");
    assertThat(pg.queryLong("SELECT double_it(21)")).isEqualTo(42);
  }
}
