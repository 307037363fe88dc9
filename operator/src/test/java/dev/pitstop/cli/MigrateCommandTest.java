package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop migrate} in-process against a real PostgreSQL. */
class MigrateCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  @TempDir Path schedulerDir;

  private void write(String name, String sql) throws Exception {
    Files.writeString(dir.resolve(name), sql);
  }

  private void writeThreeMigrations() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY, title text);");
    write(
        "V2__seed.sql",
        "INSERT INTO courses VALUES (1, 'Algebra');\nINSERT INTO courses VALUES (2, 'Biology');");
    write("R__titles.sql", "CREATE OR REPLACE VIEW titles AS SELECT title FROM courses;");
  }

  private CliRun migrate(String... extra) {
    return command("migrate", extra);
  }

  /** {@code pitstop <name> --dir <dir> --database-url <url> <extra>}. */
  private CliRun command(String name, String... extra) {
    String[] args = new String[extra.length + 5];
    args[0] = name;
    args[1] = "--dir";
    args[2] = dir.toString();
    args[3] = "--database-url";
    args[4] = databaseUrl(pg);
    System.arraycopy(extra, 0, args, 5, extra.length);
    return CliRun.of(Map.of(), args);
  }

  @Test
  void statusAndValidateOnAFlywayDatabaseNameFlywaysHistoryInsteadOfAdvisingABaseline()
      throws Exception {
    writeThreeMigrations();
    Flyway.configure().dataSource(pg.dataSource()).locations("filesystem:" + dir).load().migrate();

    for (String command : List.of("status", "validate")) {
      CliRun run = command(command);
      assertThat(run.all())
          .as(command)
          .contains("public.flyway_schema_history is Flyway's history table")
          .contains("--history-table")
          .doesNotContain("pitstop baseline");
    }
  }

  /**
   * Two sets of migrations with a history table each in one schema, as Conductor keeps its
   * scheduler's beside its own: Flyway's {@code flyway_schema_history} records the first set; the
   * second goes into a table of its own, which Flyway creates with a baseline in the non-empty
   * schema. Pitstop, given that table's name, does as Flyway does instead of sending the second set
   * to Flyway's table.
   */
  @Test
  void aSecondSetOfMigrationsGetsItsOwnHistoryBesideFlywaysAsWithFlyway() throws Exception {
    writeThreeMigrations();
    Flyway.configure().dataSource(pg.dataSource()).locations("filesystem:" + dir).load().migrate();
    Path scheduler = Files.createDirectory(schedulerDir.resolve("scheduler"));
    Files.writeString(
        scheduler.resolve("V1__scheduler.sql"), "CREATE TABLE schedules (id int PRIMARY KEY);");
    Files.writeString(scheduler.resolve("V2__seed.sql"), "INSERT INTO schedules VALUES (1);");
    TestDatabase flywayDb = pg.createDatabase();
    Flyway flywayFirst =
        Flyway.configure().dataSource(flywayDb.dataSource()).locations("filesystem:" + dir).load();
    flywayFirst.migrate();

    CliRun run =
        CliRun.of(
            Map.of(),
            "migrate",
            "--dir",
            scheduler.toString(),
            "--database-url",
            databaseUrl(pg),
            "--history-table",
            "flyway_schema_history_scheduler",
            "--baseline-on-migrate",
            "--baseline-version",
            "0");
    Flyway.configure()
        .dataSource(flywayDb.dataSource())
        .locations("filesystem:" + scheduler)
        .table("flyway_schema_history_scheduler")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(pg.rowCount("schedules")).isEqualTo(1);
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(3);
    String rows =
        "SELECT version || '|' || script || '|' || type || '|' || coalesce(checksum, 0)"
            + " FROM flyway_schema_history_scheduler ORDER BY installed_rank";
    assertThat(pg.queryStrings(rows))
        .as("the same rows as Flyway writes")
        .isEqualTo(flywayDb.queryStrings(rows));
    for (String table : List.of("flyway_schema_history", "flyway_schema_history_scheduler")) {
      assertThat(
              Flyway.configure()
                  .dataSource(pg.dataSource())
                  .locations(
                      "filesystem:" + (table.equals("flyway_schema_history") ? dir : scheduler))
                  .table(table)
                  .load()
                  .validateWithResult()
                  .validationSuccessful)
          .as(table)
          .isTrue();
    }
  }

  /**
   * Flyway run with defaultSchema keeps its history in that schema and runs the scripts there
   * (Eclipse Tractus-X EDC): the takeover is refused naming that history and the schema, instead of
   * running every migration again into public; done as advised, it continues where Flyway stopped.
   */
  @Test
  void aFlywayHistoryInItsDefaultSchemaIsFoundAndTheScriptsRunThere() throws Exception {
    writeThreeMigrations();
    Flyway flyway =
        Flyway.configure()
            .dataSource(pg.dataSource())
            .defaultSchema("edc")
            .locations("filesystem:" + dir)
            .load();
    flyway.migrate();
    write("V3__more.sql", "INSERT INTO courses VALUES (3, 'Chemistry');");

    CliRun refused = migrate("--history-table", "flyway_schema_history");

    assertThat(refused.exit()).as(refused.all()).isEqualTo(Command.USAGE);
    assertThat(refused.err())
        .contains("edc.flyway_schema_history already records some of these migrations")
        .contains("to edc.flyway_schema_history to continue from it, with edc as the session's");
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
    assertThat(pg.tableExists("courses")).as("nothing ran in public").isFalse();

    CliRun continued =
        CliRun.of(
            Map.of(),
            "migrate",
            "--dir",
            dir.toString(),
            "--database-url",
            databaseUrl(pg) + "?options=-csearch_path%3Dedc",
            "--history-table",
            "edc.flyway_schema_history");

    assertThat(continued.exit()).as(continued.all()).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM edc.courses")).isEqualTo(3);
    assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
  }

  /**
   * A project whose Flyway reads other names (OpenMetadata's lower-case {@code v} prefix): the
   * advice for its applied scripts is to rename them, not to add back scripts that are there.
   */
  @Test
  void scriptsAppliedUnderAnotherNamingAreAdvisedToBeRenamedNotAddedBack() throws Exception {
    write("v1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY, title text);");
    Flyway.configure()
        .dataSource(pg.dataSource())
        .sqlMigrationPrefix("v")
        .locations("filesystem:" + dir)
        .load()
        .migrate();
    write("V2__titles.sql", "CREATE INDEX courses_title ON courses (title);");

    CliRun validate = command("validate", "--history-table", "flyway_schema_history");

    assertThat(validate.exit()).isNotZero();
    assertThat(validate.all())
        .contains("Version 1 (v1__create_courses.sql) is applied but no script has that version")
        .contains("rename its files to the default naming")
        .doesNotContain("add the script back");

    Files.move(dir.resolve("v1__create_courses.sql"), dir.resolve("V1__create_courses.sql"));
    CliRun renamed = command("validate", "--history-table", "flyway_schema_history");
    assertThat(renamed.exit()).as(renamed.all()).isZero();
  }

  @Test
  void aFlywayHistoryTableWithCapitalsIsNamedSoThatTheAdviceWorksAsGiven() throws Exception {
    writeThreeMigrations();
    Flyway.configure()
        .dataSource(pg.dataSource())
        .locations("filesystem:" + dir)
        .table("MyHist")
        .load()
        .migrate();
    write("V3__more.sql", "INSERT INTO courses VALUES (3, 'Chemistry');");

    CliRun refused = migrate("--history-table", "MyHist");

    assertThat(refused.exit()).isEqualTo(Command.USAGE);
    assertThat(refused.err())
        .contains("History table public.myhist does not exist but public.\"MyHist\"")
        .contains(
            "set --history-table (pitstop --history-table, spec.historyTable) to"
                + " public.\"MyHist\" to continue from it");

    CliRun advised = migrate("--history-table", "public.\"MyHist\"");
    assertThat(advised.exit()).as(advised.err()).isZero();
    assertThat(pg.rowCount("courses")).isEqualTo(3);
  }

  @Test
  void appliesMigrationsPrintingEachStepAndASummary() throws Exception {
    writeThreeMigrations();

    CliRun run = migrate();

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("[1/3] applying V1__create_courses.sql (1 statement)")
        .contains("[2/3] applying V2__seed.sql (2 statements)")
        .contains("[3/3] applied R__titles.sql in ")
        .contains("applied 3 migrations in ")
        .contains("current version 2, 3 applied, 0 pending")
        .contains("public.pitstop_schema_history");
    assertThat(run.err()).isEmpty();
    assertThat(pg.rowCount("courses")).isEqualTo(2);
    assertThat(pg.tableExists("titles")).isTrue();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history ORDER BY installed_rank"))
        .containsExactly("V1__create_courses.sql", "V2__seed.sql", "R__titles.sql");
    assertThat(run.all()).doesNotContain(PASSWORD);
  }

  @Test
  void flywayDatabaseIsRefusedUntilHistoryTableNamesFlywaysHistoryThenContinuesFromIt()
      throws Exception {
    writeThreeMigrations();
    Flyway flyway =
        Flyway.configure().dataSource(pg.dataSource()).locations("filesystem:" + dir).load();
    assertThat(flyway.migrate().migrationsExecuted).isEqualTo(3);
    write("V3__more.sql", "INSERT INTO courses VALUES (3, 'Chemistry');");

    CliRun refused = migrate();

    assertThat(refused.exit()).as(refused.out()).isEqualTo(2);
    assertThat(refused.err())
        .contains("public.flyway_schema_history is Flyway's history table")
        .contains("--history-table");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.rowCount("courses")).isEqualTo(2);
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(3);

    CliRun continued = migrate("--history-table", "flyway_schema_history");

    assertThat(continued.exit()).as(continued.err()).isZero();
    assertThat(continued.out()).contains("applied 1 migration").contains("current version 3");
    assertThat(pg.rowCount("courses")).isEqualTo(3); // V2's rows not inserted twice
    assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
  }

  @Test
  void findsFilesAsFlywayDoesInSubfoldersWithAnyCaseSuffixIgnoringOtherNames() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY, title text);");
    Files.createDirectories(dir.resolve("data/more"));
    write("data/V2__seed.SQL", "INSERT INTO courses VALUES (1, 'Algebra');");
    write("data/more/V3__seed_more.sql", "INSERT INTO courses VALUES (2, 'Biology');");
    write("data/more/R__titles.sql", "CREATE OR REPLACE VIEW titles AS SELECT title FROM courses;");
    write("README.sql", "this is not SQL");
    write("data/notes.txt", "not a migration either");
    TestDatabase other = pg.createDatabase();
    Flyway flyway =
        Flyway.configure().dataSource(other.dataSource()).locations("filesystem:" + dir).load();
    assertThat(flyway.migrate().migrationsExecuted).isEqualTo(4);

    CliRun run = migrate();

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).contains("warning: ignoring README.sql").doesNotContain("notes.txt");
    String rows =
        "SELECT coalesce(version, 'R') || '|' || script || '|' || checksum FROM %s"
            + " ORDER BY installed_rank";
    assertThat(pg.queryStrings(rows.formatted("pitstop_schema_history")))
        .containsExactlyElementsOf(other.queryStrings(rows.formatted("flyway_schema_history")))
        .hasSize(4);
    assertThat(pg.rowCount("courses")).isEqualTo(2);
  }

  @Test
  void callbacksRunUnlessSkippedAndABrokenOneIsRefusedWithExitTwo() throws Exception {
    writeThreeMigrations();
    write("beforeMigrate.sql", "CREATE TABLE IF NOT EXISTS runs (event text);");
    write("afterMigrate__log.sql", "INSERT INTO runs VALUES ('afterMigrate');");

    CliRun run = migrate();

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("ignoring");
    assertThat(run.out())
        .contains("running callback beforeMigrate.sql (beforeMigrate)\n[1/3] applying")
        .contains("running callback afterMigrate__log.sql (afterMigrate)");
    assertThat(pg.queryStrings("SELECT event FROM runs")).containsExactly("afterMigrate");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(3);

    write("afterMigrate__broken.sql", "SELECT 1;\nCOMMIT;\n");
    CliRun refused = migrate();
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err())
        .contains("Callback script afterMigrate__broken.sql has COMMIT at line 2")
        .contains("nothing was changed");

    CliRun skipped = migrate("--skip-default-callbacks");
    assertThat(skipped.exit()).as(skipped.err()).isZero();
    assertThat(pg.rowCount("runs")).isEqualTo(1);
  }

  @Test
  void secondMigrateIsANoOp() throws Exception {
    writeThreeMigrations();
    assertThat(migrate().exit()).isZero();

    CliRun again = migrate();

    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("database is up to date").doesNotContain("applying");
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(3);
    assertThat(pg.rowCount("courses")).isEqualTo(2);
  }

  @Test
  void failedMigrationExitsOneNamingScriptLineAndSqlStateAndRecordsNothingOfIt() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY);");
    write(
        "V2__broken.sql",
        "CREATE TABLE lessons (id int);\n\nINSERT INTO no_such_table VALUES (1);\n");

    CliRun run = migrate();

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err())
        .contains("V2__broken.sql failed at line 3 (statement 2)")
        .contains("no_such_table")
        .contains("SQLSTATE 42P01")
        .contains("it was rolled back, nothing of V2__broken.sql was applied or recorded")
        .contains("1 migration applied before it; migrations up to version 1 stay applied");
    assertThat(run.err().lines()).as("one sentence").hasSize(1);
    assertThat(pg.tableExists("courses")).isTrue();
    assertThat(pg.tableExists("lessons")).isFalse();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__create_courses.sql");
  }

  @Test
  void scriptWithCommitIsRefusedWithExitTwoNamingFileAndLineAndNothingIsApplied() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY);");
    write(
        "V2__seed.sql",
        "INSERT INTO courses VALUES (1);\nCOMMIT;\nINSERT INTO courses VALUES (2);\n");

    CliRun run = migrate();

    assertThat(run.exit()).isEqualTo(Command.USAGE);
    assertThat(run.err()).contains("V2__seed.sql has COMMIT at line 2");
    assertThat(pg.tableExists("courses")).isFalse();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void copyFromStdinWithoutItsDataIsRefusedWithExitTwoNamingFileAndLine() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY);");
    write("V2__seed.sql", "COPY courses FROM stdin;\n1\n2\n");

    CliRun run = migrate();

    assertThat(run.exit()).as(run.err()).isEqualTo(Command.USAGE);
    assertThat(run.err())
        .contains("V2__seed.sql has COPY ... FROM STDIN at line 1 without its inline data")
        .contains("nothing was changed");
    assertThat(run.err().lines()).as("one sentence").hasSize(1);
    assertThat(pg.tableExists("courses")).isFalse();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void scriptConfigurationFileIsReadWithItsScriptAndABadOneIsRefusedWithExitTwo() throws Exception {
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY);");
    write("V1__create_courses.sql.conf", "executeInTransaction=maybe\n");

    CliRun refused = migrate();

    assertThat(refused.exit()).as(refused.err()).isEqualTo(Command.USAGE);
    assertThat(refused.err())
        .isEqualTo(
            "pitstop migrate: Script configuration V1__create_courses.sql.conf line 1 sets"
                + " executeInTransaction to maybe, not true or false; nothing was changed\n");
    assertThat(pg.tableExists("courses")).isFalse();

    write("V1__create_courses.sql.conf", "executeInTransaction=false\n");
    CliRun run = migrate();

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("warning");
    assertThat(pg.tableExists("courses")).isTrue();
  }

  @Test
  void placeholdersAreReplacedAndAnUnsetOneIsRefusedWithExitTwoNamingFileLineAndKey()
      throws Exception {
    write("V1__create.sql", "CREATE TABLE ${table} (id int, note text);");
    write("V2__seed.sql", "SELECT 1;\nINSERT INTO ${Table} VALUES (1, '${note}');\n");

    CliRun unset = migrate("--placeholder", "table=courses");
    assertThat(unset.exit()).isEqualTo(Command.USAGE);
    assertThat(unset.err().strip())
        .isEqualTo(
            "pitstop migrate: Migration script V2__seed.sql uses placeholder ${note} at line 2 but"
                + " no value is set for note; give it a value (pitstop --placeholder note=VALUE,"
                + " spec.placeholders); nothing was changed");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("courses")).isFalse();
    assertThat(migrate("--placeholder", "table").err())
        .contains("--placeholder must be KEY=VALUE, not 'table'");

    CliRun run = migrate("--placeholder", "table=courses", "--placeholder", "NOTE=${x} kept");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(pg.database().queryStrings("SELECT note FROM courses")).containsExactly("${x} kept");
    CliRun validate =
        command("validate", "--placeholder", "table=courses", "--placeholder", "note=anything");
    assertThat(validate.exit()).as(validate.err()).isZero();

    // another prefix and suffix, or no replacement at all
    write("V3__more.sql", "INSERT INTO #[table] VALUES (3, '${kept}');");
    assertThat(
            migrate(
                    "--placeholder",
                    "table=courses",
                    "--placeholder-prefix",
                    "#[",
                    "--placeholder-suffix",
                    "]")
                .exit())
        .isZero();
    write("V4__literal.sql", "INSERT INTO courses VALUES (4, '${literal}');");
    assertThat(migrate("--placeholder-replacement=false").exit()).isZero();
    assertThat(pg.database().queryStrings("SELECT note FROM courses WHERE id > 1 ORDER BY id"))
        .containsExactly("${kept}", "${literal}");
  }

  @Test
  void dryRunPrintsThePlanAndChangesNothing() throws Exception {
    writeThreeMigrations();

    CliRun run = migrate("--dry-run");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("nothing is applied")
        .contains("does not exist yet")
        .contains("migrate would apply 3 migrations, in this order:")
        .containsSubsequence("V1__create_courses.sql", "V2__seed.sql", "R__titles.sql");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("courses")).isFalse();
  }

  @Test
  void dryRunExitsOneWhenMigrateWouldStopAndZeroWhenRepairWouldFixIt() throws Exception {
    writeThreeMigrations();
    assertThat(migrate().exit()).isZero();
    String recorded = checksumOfVersion1();
    write("V1__create_courses.sql", "CREATE TABLE courses (id int PRIMARY KEY, name text);");

    CliRun refused = migrate("--dry-run");
    assertThat(refused.exit()).isEqualTo(Command.FAILED);
    assertThat(refused.err())
        .contains("migrate would stop before applying anything")
        .contains("V1__create_courses.sql was changed after it was applied")
        .contains("or set --on-checksum-mismatch repair to accept")
        .doesNotContain("onChecksumMismatch");

    CliRun repairable = migrate("--dry-run", "--on-checksum-mismatch", "repair");
    assertThat(repairable.exit()).as(repairable.err()).isZero();
    assertThat(repairable.out()).contains("would realign the recorded checksum");
    assertThat(checksumOfVersion1()).isEqualTo(recorded);
  }

  private String checksumOfVersion1() {
    return pg.queryStrings("SELECT checksum FROM pitstop_schema_history WHERE version = '1'")
        .get(0);
  }

  @Test
  void checksumRepairRealignsWithoutRunningTheScriptAgain() throws Exception {
    writeThreeMigrations();
    assertThat(migrate().exit()).isZero();
    write(
        "V2__seed.sql",
        "INSERT INTO courses VALUES (1, 'Algebra');\n-- reviewed\n"
            + "INSERT INTO courses VALUES (2, 'Biology');");

    CliRun failing = migrate();
    assertThat(failing.exit()).isEqualTo(Command.FAILED);
    assertThat(failing.err()).contains("V2__seed.sql was changed after it was applied");

    CliRun repaired = migrate("--on-checksum-mismatch", "repair");
    assertThat(repaired.exit()).as(repaired.err()).isZero();
    assertThat(repaired.out()).contains("realigned recorded checksums of V2__seed.sql");
    assertThat(pg.rowCount("courses")).isEqualTo(2);
  }

  @Test
  void targetAndHistoryTableOptionsAreUsed() throws Exception {
    writeThreeMigrations();

    CliRun run = migrate("--target", "1", "--history-table", "schema_log");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.queryStrings("SELECT script FROM schema_log ORDER BY installed_rank"))
        .containsExactly("V1__create_courses.sql", "R__titles.sql");
    assertThat(pg.rowCount("courses")).isZero();
  }

  @Test
  void aTargetBelowTheDatabasesVersionWarnsThatNothingIsUndone() throws Exception {
    writeThreeMigrations();
    assertThat(migrate().exit()).isZero();

    CliRun run = migrate("--target", "1");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("database is up to date");
    assertThat(run.err())
        .contains(
            "warning: the database is at version 2, above targetVersion 1: migrations are never"
                + " undone, so nothing was applied");
  }

  @Test
  void statementTimeoutOptionIsApplied() throws Exception {
    write("V1__slow.sql", "SELECT pg_sleep(5);");

    CliRun run = migrate("--statement-timeout", "100ms");

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err()).contains("V1__slow.sql failed").contains("SQLSTATE 57014");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isZero();
  }

  @Test
  void waitingForTheLockNamesTheHolderPid() throws Exception {
    writeThreeMigrations();
    long key = 77431708279161L + "\"public\".\"pitstop_schema_history\"".hashCode();
    try (Connection holder = pg.dataSource().getConnection();
        Statement statement = holder.createStatement()) {
      long pid;
      try (ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
        row.next();
        pid = row.getLong(1);
      }
      statement.execute("SELECT pg_advisory_lock(" + key + ")");

      CliRun run = migrate("--lock-wait-timeout", "1s");

      assertThat(run.exit()).isEqualTo(Command.FAILED);
      assertThat(run.out()).contains("waiting for the migration lock held by pid " + pid);
      assertThat(run.err()).contains("held the lock");
    }
    assertThat(pg.tableExists("courses")).isFalse();
  }

  @Test
  void connectionComesFromTheEnvironmentWhenNoOptionIsGiven() throws Exception {
    writeThreeMigrations();
    String unreachable = "postgresql://nobody@127.0.0.1:1/none";

    CliRun fromPitstopVariable =
        CliRun.of(
            Map.of("PITSTOP_DATABASE_URL", databaseUrl(pg), "DATABASE_URL", unreachable),
            "migrate",
            "--dir",
            dir.toString(),
            "--target",
            "1");
    assertThat(fromPitstopVariable.exit()).as(fromPitstopVariable.err()).isZero();

    CliRun fromDatabaseUrl =
        CliRun.of(Map.of("DATABASE_URL", databaseUrl(pg)), "migrate", "--dir", dir.toString());
    assertThat(fromDatabaseUrl.exit()).as(fromDatabaseUrl.err()).isZero();
    assertThat(fromDatabaseUrl.out()).contains("[1/1] applied V2__seed.sql");

    CliRun optionWins =
        CliRun.of(
            Map.of("PITSTOP_DATABASE_URL", unreachable),
            "migrate",
            "--dir",
            dir.toString(),
            "--database-url",
            databaseUrl(pg));
    assertThat(optionWins.exit()).as(optionWins.err()).isZero();
    assertThat(optionWins.out()).contains("database is up to date");
  }

  @Test
  void unreachableDatabaseExitsOneWithoutShowingThePassword() throws Exception {
    writeThreeMigrations();

    CliRun run =
        CliRun.of(
            Map.of(),
            "migrate",
            "--dir",
            dir.toString(),
            "--database-url",
            "postgresql://app:" + PASSWORD + "@127.0.0.1:1/app");

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err().lines())
        .containsExactly(
            "pitstop migrate: The connection to 127.0.0.1:1 was refused; check the host and port"
                + " and that PostgreSQL is running; nothing was changed");
    assertThat(run.out()).isEmpty();
    assertThat(run.all()).doesNotContain(PASSWORD);
  }
}
