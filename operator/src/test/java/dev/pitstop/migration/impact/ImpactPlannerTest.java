package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plans through the whole path a user's plan takes: pending migrations found on the target, the
 * schema copied into a scratch database on the same server, the migrations measured there and the
 * scratch database dropped, with the target left as it was.
 */
class ImpactPlannerTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  private static final MigrationScript V1 =
      new MigrationScript(
          "V1__orders.sql",
          "CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric);");

  @Test
  void measuresPendingMigrationsOnACopyAndLeavesTheTargetAsItWas() throws Exception {
    migrate(request(List.of(V1)));
    pg.execute(
        "INSERT INTO orders SELECT g, 'c' || g, g FROM generate_series(1, 5000) g; ANALYZE orders;"
            + " UPDATE orders SET total = total + 1 WHERE id <= 10;");
    String before = DatabaseDump.of(pg.dataSource());

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    V1,
                    new MigrationScript(
                        "V2__widen.sql", "ALTER TABLE orders ALTER COLUMN id TYPE bigint;"),
                    new MigrationScript(
                        "V3__flag.sql",
                        "ALTER TABLE orders ADD COLUMN flagged boolean DEFAULT false;"))));

    assertThat(plan.info().pending()).hasSize(2);
    assertThat(plan.scripts())
        .extracting(ScriptImpact::script)
        .containsExactly("V2__widen.sql", "V3__flag.sql");
    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script, Finding::relation)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS108, "V2__widen.sql", "public.orders"));
    Finding rewrite = plan.findings().get(0);
    assertThat(rewrite.severity()).isEqualTo(Severity.ERROR);
    assertThat(rewrite.message()).startsWith("ACCESS EXCLUSIVE on public.orders (5k rows, ");
    StatementImpact widen = plan.scripts().get(0).statements().get(0);
    assertThat(widen.locks()).contains(new LockTaken("public.orders", "AccessExclusiveLock"));
    assertThat(widen.rewritten()).contains("public.orders", "public.orders_pkey");
    assertThat(plan.gating(Severity.WARNING)).hasSize(1);
    assertThat(plan.notCopied()).isEmpty();

    assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(1);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'pitstop\\_plan\\_%'"))
        .isZero();
  }

  @Test
  void aTableLockedOnTheTargetDoesNotStopThePlan() throws Exception {
    migrate(request(List.of(V1)));
    pg.execute("INSERT INTO orders SELECT g, 'c' || g, g FROM generate_series(1, 100) g");
    try (Connection holder = pg.dataSource().getConnection();
        Statement lock = holder.createStatement()) {
      holder.setAutoCommit(false);
      lock.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");

      ImpactPlan plan =
          plan(
              request(
                  List.of(
                      V1,
                      new MigrationScript(
                          "V2__index.sql", "CREATE INDEX orders_customer ON orders (customer);"))));

      assertThat(plan.findings()).extracting(Finding::code).containsExactly(FindingCode.PS103);
      holder.rollback();
    }
  }

  @Test
  void migrationsOfObjectsBeyondTablesRunOnTheCopyAsOnTheTarget() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__schema.sql",
            "CREATE TYPE pair AS (a int, b int);\n"
                + "CREATE TABLE pairs OF pair;\n"
                + "CREATE TABLE clustered (id int PRIMARY KEY);\n"
                + "ALTER TABLE clustered CLUSTER ON clustered_pkey;\n"
                + "CREATE MATERIALIZED VIEW totals AS SELECT id FROM clustered;\n"
                + "CREATE UNIQUE INDEX totals_id ON totals (id);\n"
                + "ALTER TABLE clustered ENABLE ROW LEVEL SECURITY;\n"
                + "CREATE POLICY small ON clustered USING (id < 100);\n"
                + "CREATE STATISTICS pair_stats ON a, b FROM pairs;\n"
                + "CREATE TEXT SEARCH CONFIGURATION notes (COPY = pg_catalog.english);\n"
                + "CREATE TABLE documents (body text, words tsvector"
                + " GENERATED ALWAYS AS (to_tsvector('notes'::regconfig, body)) STORED);");
    List<MigrationScript> next =
        List.of(
            v1,
            new MigrationScript("V2__untyped.sql", "ALTER TABLE pairs NOT OF;"),
            new MigrationScript("V3__cluster.sql", "CLUSTER clustered;"),
            new MigrationScript(
                "V4__refresh.sql", "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;"),
            new MigrationScript(
                "V5__drop.sql",
                "DROP POLICY small ON clustered;\nDROP STATISTICS pair_stats;\n"
                    + "ALTER TEXT SEARCH CONFIGURATION notes"
                    + " ALTER MAPPING FOR asciiword WITH simple;\n"
                    + "ALTER TABLE documents ADD COLUMN title text;"));
    migrate(request(List.of(v1)));

    ImpactPlan plan = plan(request(next));

    assertThat(plan.notCopied()).isEmpty();
    assertThat(plan.scripts()).hasSize(4);
    assertThat(plan.scripts())
        .flatExtracting(ScriptImpact::statements)
        .allSatisfy(s -> assertThat(s.error()).as(s.sql()).isNull());
    assertThat(plan.findings()).extracting(Finding::code).doesNotContain(FindingCode.PS100);
    // and migrate applies them to the target as the plan said
    migrate(request(next));
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(5);
  }

  @Test
  void aFailureThatMayComeFromAnObjectTheCopyLacksSaysSo() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__collation.sql",
            "CREATE COLLATION my_c (locale = 'C');\nCREATE TABLE t (id int PRIMARY KEY);");
    migrate(request(List.of(v1)));

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    v1,
                    new MigrationScript(
                        "V2__name.sql", "ALTER TABLE t ADD COLUMN name text COLLATE my_c;"),
                    new MigrationScript(
                        "V3__missing.sql", "ALTER TABLE nowhere ADD COLUMN x int;"))));

    assertThat(plan.notCopied()).containsExactly("collation public.my_c");
    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V2__name.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V3__missing.sql"));
    assertThat(plan.findings().get(0).message())
        .startsWith("Fails on a copy of the target's schema with SQLSTATE 42704 (")
        .endsWith(
            "so migrate would fail here too, unless it comes from the one way the copy differs"
                + " from the target (listed with the plan)");
  }

  @Test
  void statementsThatChangeTheServerAreNotRunOnTheCopyAndTheServerStaysAsItWas() throws Exception {
    migrate(request(List.of(V1)));
    pg.execute(
        "INSERT INTO orders SELECT g, 'c' || g, g FROM generate_series(1, 100) g; ANALYZE orders");
    String keep = "plan_keep_" + Long.toHexString(System.nanoTime());
    String role = "plan_role_" + Long.toHexString(System.nanoTime());
    String dynamic = role + "_do";
    pg.execute("CREATE DATABASE " + keep);
    // what the migrations would change on the server: their roles, the database, a setting and
    // a membership of the role (only this test's objects, so other tests on the server do not
    // matter)
    String server =
        "SELECT (SELECT count(*) FROM pg_roles WHERE rolname IN ('"
            + role
            + "', '"
            + dynamic
            + "')) || ' | ' || (SELECT count(*) FROM pg_database WHERE datname = '"
            + keep
            + "') || ' | ' || (SELECT count(*) FROM pg_db_role_setting s"
            + " JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = '"
            + role
            + "') || ' | ' || (SELECT count(*) FROM pg_auth_members m"
            + " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '"
            + role
            + "')";
    try {
      assertThat(pg.queryStrings(server)).containsExactly("0 | 1 | 0 | 0");
      List<MigrationScript> scripts =
          List.of(
              V1,
              new MigrationScript(
                  "V2__roles.sql",
                  "CREATE ROLE "
                      + role
                      + " NOLOGIN;\n"
                      + "GRANT SELECT ON orders TO "
                      + role
                      + ";\n"
                      + "ALTER ROLE "
                      + role
                      + " SET work_mem = '64MB';\n"
                      + "GRANT pg_read_all_data TO "
                      + role
                      + ";\n"
                      + "CREATE INDEX orders_customer ON orders (customer);"),
              new MigrationScript("V3__drop.sql", "DROP DATABASE " + keep + ";"),
              new MigrationScript(
                  "V4__dynamic.sql",
                  "DO $$ BEGIN EXECUTE 'CREATE ROLE " + dynamic + " NOLOGIN'; END $$;"));

      ImpactPlan plan = plan(request(scripts));

      assertThat(pg.queryStrings(server)).containsExactly("0 | 1 | 0 | 0");
      assertThat(plan.findings())
          .extracting(Finding::code, Finding::script, Finding::statement)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V2__roles.sql", 1),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V2__roles.sql", 2),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V2__roles.sql", 3),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V2__roles.sql", 4),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "V2__roles.sql", 5),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V3__drop.sql", 1),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS113, "V4__dynamic.sql", 1));
      assertThat(plan.findings().get(0).severity()).isEqualTo(Severity.INFO);
      assertThat(plan.findings().get(0).message())
          .isEqualTo(
              "Not run on the copy: it changes roles, which every database on the server shares;"
                  + " its locks and effects are not measured, and migrate applies it to the"
                  + " target's server");
      assertThat(plan.findings().get(1).message())
          .contains("it names role " + role + ", which a statement not run on the copy creates");
      assertThat(plan.findings().get(6).message())
          .contains("it writes ", "pg_authid")
          .contains(
              "which every database on the server shares; its migration was rolled back on the"
                  + " copy");
      assertThat(plan.gating(Severity.WARNING))
          .extracting(Finding::code)
          .containsExactly(FindingCode.PS103);
    } finally {
      pg.execute("DROP DATABASE IF EXISTS " + keep);
      pg.execute("DROP ROLE IF EXISTS " + dynamic);
      pg.execute("DROP ROLE IF EXISTS " + role);
    }
  }

  @Test
  void anIndexOnAPartitionedTableIsSizedByItsPartitionsWithAFixThatWorksThere() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__events.sql",
            "CREATE TABLE events (id int, at date, payload text) PARTITION BY RANGE (at);\n"
                + "CREATE TABLE events_2025 PARTITION OF events"
                + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
                + "CREATE TABLE events_2026 PARTITION OF events"
                + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');");
    migrate(request(List.of(v1)));
    pg.execute(
        "INSERT INTO events SELECT i, date '2025-01-01' + i % 700, md5(i::text)"
            + " FROM generate_series(1, 2000) i; ANALYZE events;");

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    v1,
                    new MigrationScript(
                        "V2__index.sql", "CREATE INDEX events_payload ON events (payload);"))));

    assertThat(plan.findings())
        .extracting(Finding::code, Finding::relation)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "public.events"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "public.events_2025"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "public.events_2026"));
    Finding parent =
        plan.findings().stream()
            .filter(f -> f.relation().equals("public.events"))
            .findFirst()
            .orElseThrow();
    assertThat(parent.message())
        .startsWith("SHARE on public.events (2k rows, ")
        .doesNotContain("-")
        .endsWith(
            "create it ON ONLY the partitioned table, build each partition's index with CREATE"
                + " INDEX CONCURRENTLY and attach it with ALTER INDEX ... ATTACH PARTITION");
    assertThat(
            plan.findings().stream()
                .filter(f -> !f.relation().equals("public.events"))
                .map(Finding::message))
        .allMatch(m -> m.endsWith("use CREATE INDEX CONCURRENTLY in a migration of its own"));
  }

  @Test
  void attachingAPartitionThatNoConstraintProvesWithinTheBoundScansIt() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__events.sql",
            "CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);\n"
                + "CREATE TABLE events_2026 PARTITION OF events"
                + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
                + "CREATE TABLE events_2027 (id int, at date NOT NULL);\n"
                + "CREATE TABLE events_2028 (id int, at date NOT NULL,"
                + " CONSTRAINT in_2028 CHECK (at >= '2028-01-01' AND at < '2029-01-01'));");
    migrate(request(List.of(v1)));
    pg.execute(
        "INSERT INTO events_2027 SELECT i, date '2027-01-01' + i % 300 FROM generate_series(1, 500) i;"
            + " INSERT INTO events_2028 SELECT i, date '2028-01-01' + i % 300"
            + " FROM generate_series(1, 500) i; ANALYZE events_2027, events_2028;");

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    v1,
                    new MigrationScript(
                        "V2__attach_2027.sql",
                        "ALTER TABLE events ATTACH PARTITION events_2027"
                            + " FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');"),
                    new MigrationScript(
                        "V3__attach_2028.sql",
                        "ALTER TABLE events ATTACH PARTITION events_2028"
                            + " FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');"))));

    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script, Finding::relation)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS105, "V2__attach_2027.sql", "public.events_2027"));
    assertThat(plan.findings().get(0).message())
        .startsWith("ACCESS EXCLUSIVE on public.events_2027 (500 rows, ")
        .contains("while checking every row against the partition bound: blocks every read and");
  }

  @Test
  void nothingPendingCreatesNoScratchDatabase() {
    migrate(request(List.of(V1)));

    ImpactPlan plan = plan(request(List.of(V1)));

    assertThat(plan.scripts()).isEmpty();
    assertThat(plan.findings()).isEmpty();
  }

  @Test
  void theCopysSessionHasTheSettingsTheDatabaseAndTheRoleGiveASessionOfMigrate() {
    String db = pg.databaseName();
    pg.execute("CREATE SCHEMA app");
    pg.execute("ALTER DATABASE " + db + " SET search_path = public");
    pg.execute("ALTER ROLE " + pg.user() + " IN DATABASE " + db + " SET search_path = app");
    try {
      MigrationScript v1 = new MigrationScript("V1__t.sql", "CREATE TABLE t (id int);");
      migrate(request(List.of(v1)));
      List<MigrationScript> pending =
          List.of(
              v1,
              new MigrationScript("V2__column.sql", "ALTER TABLE t ADD COLUMN c int;"),
              new MigrationScript("V3__again.sql", "CREATE TABLE t (id int);"));

      ImpactPlan plan = plan(request(pending));

      assertThat(plan.findings())
          .extracting(Finding::code, Finding::script)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V3__again.sql"));
      assertThat(plan.findings().get(0).message()).contains("SQLSTATE 42P07");
      assertThat(plan.scripts().get(0).statements().get(0).locks())
          .extracting(LockTaken::relation)
          .containsExactly("app.t");
      // as migrate does
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> migrate(request(pending)))
          .hasMessageContaining("42P07");
      assertThat(
              pg.queryLong(
                  "SELECT count(*) FROM information_schema.columns"
                      + " WHERE table_schema = 'app' AND table_name = 't' AND column_name = 'c'"))
          .isEqualTo(1);
    } finally {
      pg.execute("ALTER ROLE " + pg.user() + " IN DATABASE " + db + " RESET search_path");
    }
  }

  @Test
  void theCopyHasTheTargetsEncoding() throws Exception {
    TestDatabase latin1 =
        pg.createDatabase("ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    MigrationScript v1 = new MigrationScript("V1__t.sql", "CREATE TABLE t (name text);");
    new MigrationEngine(latin1.dataSource()).migrate(request(List.of(v1)));
    List<MigrationScript> pending =
        List.of(v1, new MigrationScript("V2__euro.sql", "INSERT INTO t VALUES ('\u20ac uro');"));

    ImpactPlan plan =
        new ImpactPlanner(latin1.dataSource(), ScratchServers.of(latin1)).plan(request(pending));

    assertThat(plan.notCopied()).isEmpty();
    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V2__euro.sql"));
    assertThat(plan.findings().get(0).message()).contains("SQLSTATE 22P05");
  }

  /** A database whose collations come from ICU gets a copy whose collations come from ICU too. */
  @Test
  void theCopyHasTheTargetsIcuLocaleProvider() throws Exception {
    TestDatabase icu =
        pg.createDatabase(
            "LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    MigrationScript v1 = new MigrationScript("V1__t.sql", "CREATE TABLE t (name text);");
    new MigrationEngine(icu.dataSource()).migrate(request(List.of(v1)));
    // Stands for any statement whose outcome depends on the database's collation provider.
    String needsIcu =
        "DO $$ BEGIN IF (SELECT datlocprovider::text || ' ' || daticulocale FROM pg_database"
            + " WHERE datname = current_database()) IS DISTINCT FROM 'i de-DE'"
            + " THEN RAISE EXCEPTION 'not ICU de-DE'; END IF; END $$;";
    List<MigrationScript> pending = List.of(v1, new MigrationScript("V2__icu.sql", needsIcu));

    ImpactPlan plan =
        new ImpactPlanner(icu.dataSource(), ScratchServers.of(icu)).plan(request(pending));

    assertThat(plan.notCopied()).isEmpty();
    assertThat(plan.findings()).as("V2 runs on the copy as on the target").isEmpty();
  }

  @Test
  void namesThatReadAlikeUnquotedAreQuotedAndSizedApart() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__odd.sql",
            String.join(
                "\n",
                "CREATE SCHEMA \"x.y\"; CREATE TABLE \"x.y\".z (id int);",
                "CREATE SCHEMA x; CREATE TABLE x.\"y.z\" (id int);",
                "INSERT INTO x.\"y.z\" SELECT generate_series(1, 5000);",
                "CREATE TABLE \"Acct\" (\"UPPER\" int, upper int);",
                "INSERT INTO \"Acct\" SELECT g, g FROM generate_series(1, 100) g;"));
    migrate(request(List.of(v1)));
    pg.execute("ANALYZE");

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    v1,
                    new MigrationScript(
                        "V2__empty.sql", "ALTER TABLE \"x.y\".z ALTER COLUMN id TYPE bigint;"),
                    new MigrationScript(
                        "V3__full.sql", "ALTER TABLE x.\"y.z\" ALTER COLUMN id TYPE bigint;"),
                    new MigrationScript(
                        "V4__upper.sql",
                        "ALTER TABLE \"Acct\" ALTER COLUMN \"UPPER\" SET NOT NULL;"))));

    assertThat(plan.scripts().get(0).statements().get(0).locks())
        .extracting(LockTaken::relation)
        .containsOnly("\"x.y\".z");
    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS108, "V3__full.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS106, "V4__upper.sql"));
    assertThat(plan.findings().get(0).message())
        .startsWith("ACCESS EXCLUSIVE on x.\"y.z\" (5k rows");
    assertThat(plan.findings().get(1).message())
        .startsWith("ACCESS EXCLUSIVE on public.\"Acct\" (")
        .contains("first add CHECK (\"UPPER\" IS NOT NULL) NOT VALID");
  }

  @Test
  void aSchemaRenameIsReportedOnItsOwnStatementAndNotOnLaterOnes() {
    MigrationScript v1 =
        new MigrationScript(
            "V1__s.sql",
            "CREATE SCHEMA s; CREATE TABLE s.a (id int);"
                + " INSERT INTO s.a SELECT generate_series(1, 10); CREATE TABLE b (id int);");
    migrate(request(List.of(v1)));
    pg.execute("ANALYZE");

    ImpactPlan plan =
        plan(
            request(
                List.of(
                    v1,
                    new MigrationScript(
                        "V2__rename.sql",
                        "-- pitstop:allow PS109 the application reads s2 since release 7\n"
                            + "ALTER SCHEMA s RENAME TO s2;\n"
                            + "ALTER TABLE s2.a ADD COLUMN x int;"),
                    new MigrationScript(
                        "V3__index.sql", "CREATE INDEX CONCURRENTLY bi ON b (id);"))));

    List<Finding> renames =
        plan.findings().stream().filter(f -> f.code() == FindingCode.PS109).toList();
    assertThat(renames)
        .extracting(Finding::script, Finding::line, Finding::allowed)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("V2__rename.sql", 2, true));
    assertThat(renames.get(0).message())
        .startsWith("Renames table s.a (10 rows, ")
        .endsWith(
            ") to s2.a with its schema: the running application's queries that use it fail until"
                + " it is deployed with the new name");
    assertThat(plan.scripts().get(1).statements().get(0).locks())
        .extracting(LockTaken::relation)
        .containsOnly("public.b");
  }

  /** Plans on the target's own server, as the CLI does without --plan-database-url. */
  @Test
  void aPlanSplitOverTwoCopiesIsTheSameAsOnOneAndDropsBoth() throws Exception {
    List<MigrationScript> scripts = new ArrayList<>();
    scripts.add(new MigrationScript("V1__schema.sql", ImpactFixture.SCHEMA));
    migrate(request(scripts));
    pg.execute(ImpactFixture.ROWS);
    for (int i = 0; i < PlanSplitTest.MIGRATIONS.length; i++) {
      scripts.add(new MigrationScript("V" + (i + 2) + "__step.sql", PlanSplitTest.MIGRATIONS[i]));
    }
    int pending = PlanSplitTest.MIGRATIONS.length;
    ImpactPlan alone =
        new ImpactPlanner(
                pg.dataSource(), ScratchServers.of(pg.database()), Integer.MAX_VALUE, null, false)
            .plan(request(scripts));
    assertThat(alone.scripts()).hasSize(pending);
    assertThat(alone.findings()).extracting(Finding::script).contains("V6__step.sql");

    for (int end : new int[] {0, 4, pending}) {
      ImpactPlan split =
          new ImpactPlanner(
                  pg.dataSource(),
                  ScratchServers.of(pg.database()),
                  2,
                  n -> PlanSplit.at(n, end),
                  false)
              .plan(request(scripts));

      assertThat(split.scripts()).as("second copy from %d", end).isEqualTo(alone.scripts());
      assertThat(split.findings()).as("second copy from %d", end).isEqualTo(alone.findings());
      assertThat(split.notCopied()).isEqualTo(alone.notCopied());
    }
    // and as the planner splits a plan by itself
    ImpactPlan dynamic =
        new ImpactPlanner(
                pg.dataSource(), ScratchServers.of(pg.database()), 2, PlanSplit::new, false)
            .plan(request(scripts));
    assertThat(dynamic.scripts()).isEqualTo(alone.scripts());
    assertThat(dynamic.findings()).isEqualTo(alone.findings());
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'pitstop\\_plan\\_%'"))
        .isZero();
  }

  private static ImpactPlan plan(MigrationRequest request) {
    return new ImpactPlanner(pg.dataSource(), ScratchServers.of(pg.database())).plan(request);
  }

  private static void migrate(MigrationRequest request) {
    new MigrationEngine(pg.dataSource()).migrate(request);
  }

  private static MigrationRequest request(List<MigrationScript> scripts) {
    return MigrationRequest.builder(scripts).build();
  }
}
