package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ScriptImpact;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pitstop migrate --plan} in-process against a real PostgreSQL: the plan is measured on a
 * scratch copy, the target is left as it was, and the exit code follows {@code --fail-on}.
 */
class MigratePlanCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @TempDir Path dir;

  private void write(String name, String sql) throws Exception {
    Files.writeString(dir.resolve(name), sql);
  }

  private CliRun migrateAs(String url, String... extra) {
    List<String> args = new ArrayList<>(List.of("migrate", "--dir", dir.toString()));
    args.add("--database-url");
    args.add(url);
    args.addAll(List.of(extra));
    return CliRun.of(Map.of(), args.toArray(String[]::new));
  }

  private CliRun migrate(String... extra) {
    return migrateAs(databaseUrl(pg), extra);
  }

  /** V1 applied by {@code migrate}, then 1,000 rows in its table, analysed. */
  private void itemsWithRows() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);");
    CliRun applied = migrate();
    assertThat(applied.exit()).as(applied.err()).isZero();
    pg.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
    pg.execute("ANALYZE items");
  }

  /** {@code postgresql://role:pw@host:port/db} for another role on the test database. */
  private String urlAs(String role, String database) {
    URI uri = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    return "postgresql://"
        + role
        + ":"
        + TestRoles.PASSWORD
        + "@"
        + uri.getHost()
        + ":"
        + uri.getPort()
        + "/"
        + database;
  }

  @Test
  void manyGatingFindingsAreNamedUpToTenOnTheLastLine() throws Exception {
    itemsWithRows();
    for (int i = 2; i <= 13; i++) {
      write("V" + i + "__index.sql", "CREATE INDEX items_" + i + " ON items (id);");
    }

    CliRun gated = migrate("--plan", "--fail-on", "warning");

    assertThat(gated.exit()).as(gated.all()).isEqualTo(Command.RISK);
    assertThat(gated.err().lines()).as("one sentence").hasSize(1);
    assertThat(gated.err())
        .contains("12 findings at warning or above")
        .contains("PS103 at V11__index.sql:1 and 2 more (listed above); nothing was applied")
        .doesNotContain("V12__index.sql");
  }

  @Test
  void riskyMigrationIsReportedWithCodeAndSizedTableAndExitsThreeOnlyWithFailOn() throws Exception {
    itemsWithRows();
    write("V2__bigint.sql", "ALTER TABLE items ALTER COLUMN id TYPE bigint;");
    String before = DatabaseDump.of(pg.dataSource());

    CliRun plan = migrate("--plan");

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .contains("plan against ")
        .contains("nothing is applied to the target")
        .contains("current version 1, 1 applied, 1 pending")
        .contains("V2__bigint.sql")
        .contains("statement 1 (line 1): ALTER TABLE items ALTER COLUMN id TYPE bigint")
        .contains("ACCESS EXCLUSIVE on public.items")
        .contains("findings:")
        .containsPattern("error +PS108 column-type-change V2__bigint\\.sql:1: .*public\\.items")
        .contains("public.items (1k rows, ");
    assertThat(plan.out().lines().reduce((a, b) -> b).orElseThrow())
        .matches("\\d+ findings?: \\d+ error, \\d+ warning, \\d+ info \\(0 allowed\\)");
    assertThat(plan.all()).doesNotContain(PASSWORD).doesNotContain("\tat ");

    CliRun gated = migrate("--plan", "--fail-on", "warning");

    assertThat(gated.exit()).as(gated.all()).isEqualTo(Command.RISK);
    assertThat(gated.out()).contains("PS108");
    assertThat(gated.err())
        .contains("at warning or above (--fail-on warning)")
        .contains("PS108 at V2__bigint.sql:1")
        .contains("nothing was applied");
    assertThat(gated.err().lines()).as("one sentence").hasSize(1);
    assertThat(DatabaseDump.since(before, pg.dataSource()))
        .as("the target is unchanged")
        .isEqualTo(before);
    assertThat(
            pg.queryStrings(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                    + " WHERE attrelid = 'items'::regclass AND attname = 'id'"))
        .containsExactly("integer");
  }

  @Test
  void findingAllowedByACommentIsShownWithItsReasonAndDoesNotGate() throws Exception {
    itemsWithRows();
    write(
        "V2__bigint.sql",
        "-- pitstop:allow PS108 items is small and read by a nightly job only\n"
            + "ALTER TABLE items ALTER COLUMN id TYPE bigint;");

    CliRun plan = migrate("--plan", "--fail-on", "warning");

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .containsPattern("PS108 column-type-change V2__bigint\\.sql:2: .*public\\.items")
        .contains("[allowed: items is small and read by a nightly job only]")
        .containsPattern("findings?: .*\\((\\d+) allowed\\)")
        .doesNotContain("(0 allowed)");
    assertThat(plan.err()).doesNotContain("--fail-on");
  }

  @Test
  void safeMigrationHasNoFindingsAndNothingReachesTheTarget() throws Exception {
    itemsWithRows();
    write("V2__flag.sql", "ALTER TABLE items ADD COLUMN flag int NOT NULL DEFAULT 0;");
    write("V3__tags.sql", "CREATE TABLE tags (id int PRIMARY KEY, item int);");
    String before = DatabaseDump.of(pg.dataSource());

    CliRun plan = migrate("--plan", "--fail-on", "info");

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .contains("V2__flag.sql")
        .contains("V3__tags.sql")
        .doesNotContain("findings:")
        .endsWith("no findings\n");
    assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
  }

  @Test
  void firstPlanCreatesNoHistoryTableOnTheTarget() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);");

    CliRun plan = migrate("--plan", "--fail-on", "info");

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .contains("does not exist yet (migrate creates it)")
        .contains("V1__items.sql")
        .contains("no findings");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("items")).isFalse();
  }

  @Test
  void roleWithoutCreatedbFailsWithOneSentenceNamingTheMissingPrivilege() throws Exception {
    itemsWithRows();
    write("V2__bigint.sql", "ALTER TABLE items ALTER COLUMN id TYPE bigint;");
    String app = roles.create("app", "NOCREATEDB");
    pg.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + app);

    CliRun plan = migrateAs(urlAs(app, pg.databaseName()), "--plan");

    assertThat(plan.exit()).as(plan.all()).isEqualTo(Command.FAILED);
    assertThat(plan.err()).contains("CREATEDB").contains(app).contains("nothing was changed");
    assertThat(plan.err().lines()).as("one sentence").hasSize(1);
    assertThat(plan.err()).doesNotContain("nothing was changed; nothing was changed");
  }

  @Test
  void planDatabaseUrlCreatesTheScratchDatabaseOnTheServerItNames() throws Exception {
    itemsWithRows();
    write("V2__bigint.sql", "ALTER TABLE items ALTER COLUMN id TYPE bigint;");
    String app = roles.create("app", "NOCREATEDB");
    pg.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + app);
    String planner = roles.create("planner", "CREATEDB");
    TestDatabase other = pg.createDatabase();

    CliRun plan =
        migrateAs(
            urlAs(app, pg.databaseName()),
            "--plan",
            "--plan-database-url",
            urlAs(planner, other.name()));

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .contains("scratch copy of its schema on " + planner + "@")
        .contains("PS108");
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'pitstop\\_plan\\_%'"
                    + " AND pg_get_userbyid(datdba) = ?",
                planner))
        .as("the scratch database is dropped")
        .isZero();
  }

  @Test
  void unreachableScratchServerFailsWithOneSentenceNotShowingItsPassword() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);");
    String secret = "scratch-Pw9!never-shown";

    CliRun plan =
        migrate("--plan", "--plan-database-url", "postgresql://app:" + secret + "@127.0.0.1:1/x");

    assertThat(plan.exit()).as(plan.all()).isEqualTo(Command.FAILED);
    assertThat(plan.err()).contains("127.0.0.1:1").contains("nothing was changed");
    assertThat(plan.err().lines()).as("one sentence: %s", plan.err()).hasSize(1);
    assertThat(plan.all()).doesNotContain(secret).doesNotContain(PASSWORD);
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void nothingPendingNeedsNoScratchDatabase() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);");
    assertThat(migrate().exit()).isZero();
    String app = roles.create("app", "NOCREATEDB");
    pg.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + app);

    CliRun plan = migrateAs(urlAs(app, pg.databaseName()), "--plan", "--fail-on", "info");

    assertThat(plan.exit()).as(plan.all()).isZero();
    assertThat(plan.out())
        .contains("nothing is applied to the target")
        .contains("nothing to apply: the database is up to date")
        .endsWith("no findings\n");
  }

  @Test
  void aChangedAppliedFileStopsThePlanAsItStopsTheDryRun() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);");
    assertThat(migrate().exit()).isZero();
    write("V1__items.sql", "CREATE TABLE items (id bigint PRIMARY KEY);");

    CliRun plan = migrate("--plan");

    assertThat(plan.exit()).as(plan.all()).isEqualTo(Command.FAILED);
    assertThat(plan.err())
        .contains("migrate would stop before applying anything")
        .contains("V1__items.sql was changed after it was applied");
  }

  @Test
  void badPlanOptionsAreRefusedWithExitTwoNamingTheOption() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);");
    String before = DatabaseDump.of(pg.dataSource());
    String unreachable = "postgresql://app@127.0.0.1:1/nothing";

    assertRefused(migrate("--plan", "--fail-on", "critical"), "--fail-on must be info, warning");
    assertRefused(migrate("--fail-on", "warning"), "--fail-on is only taken with --plan");
    assertRefused(
        migrate("--plan-database-url", unreachable),
        "--plan-database-url is only taken with --plan");
    assertRefused(migrate("--plan", "--dry-run"), "--plan and --dry-run cannot be given together");
    assertRefused(migrate("--plan", "--plan-database-url", "mysql://x@y/z"), "--plan-database-url");
    assertRefused(migrate("--plan", "--fail-on"), "--fail-on needs a value");
    assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
  }

  private static void assertRefused(CliRun run, String expected) {
    assertThat(run.exit()).as(run.all()).isEqualTo(Command.USAGE);
    assertThat(run.err()).contains(expected).contains("nothing was changed");
    assertThat(run.err().lines()).as("one sentence: %s", run.err()).hasSize(1);
    assertThat(run.out()).as(run.all()).isEmpty();
  }

  /**
   * {@code --fail-on} stops a CI job on a plan made on another major version of PostgreSQL than the
   * target's, whatever its findings: a risk may be missing from it. Nothing to apply, nothing to
   * stop on; the same version without findings passes.
   */
  @Test
  void failOnStopsOnAPlanFromAnotherMajorVersion() {
    var pending =
        new dev.pitstop.migration.PendingMigration("2", "t", "V2__t.sql", 1, 1, true, false);
    var info =
        new dev.pitstop.migration.MigrationInfo(
            "public.pitstop_schema_history", true, "1", List.of(), List.of(pending), List.of());
    var script = new ScriptImpact("2", "V2__t.sql", true, List.of());
    String other = "PostgreSQL 15 of the target: the copy is on PostgreSQL 16";

    assertThat(
            MigrateCommand.failOn(
                new ImpactPlan(info, List.of(script), List.of(), "db", List.of(other), other),
                Severity.ERROR))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith("pitstop migrate: --fail-on error: the plan ran on another major")
                    .contains(other)
                    .endsWith("nothing was applied"));
    assertThat(
            MigrateCommand.failOn(
                new ImpactPlan(info, List.of(script), List.of(), "db", List.of()), Severity.INFO))
        .isEmpty();
    assertThat(
            MigrateCommand.failOn(
                new ImpactPlan(info, List.of(), List.of(), "db", List.of(other), other),
                Severity.INFO))
        .as("nothing to apply")
        .isEmpty();
    assertThat(
            MigrateCommand.failOn(
                new ImpactPlan(info, List.of(script), List.of(), "db", List.of(other), other),
                null))
        .as("without --fail-on")
        .isEmpty();
  }
}
