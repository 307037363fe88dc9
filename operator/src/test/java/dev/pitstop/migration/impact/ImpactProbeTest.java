package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImpactProbeTest {

  static ImpactFixture fixture;

  @BeforeAll
  static void createDatabases() throws Exception {
    fixture = new ImpactFixture();
  }

  @AfterAll
  static void dropDatabases() throws Exception {
    fixture.close();
  }

  private static String ordersSize() {
    return fixture.sizes.table("public.orders").describe();
  }

  @Test
  void rewriteIsMeasuredAndSizedByTheTarget() throws Exception {
    ImpactProbe.Result result = fixture.plan("ALTER TABLE orders SET UNLOGGED");

    StatementImpact s = result.scripts().get(0).statements().get(0);
    assertThat(s.locks()).contains(new LockTaken("public.orders", "AccessExclusiveLock"));
    assertThat(s.rewritten()).contains("public.orders");
    assertThat(s.error()).isNull();
    assertThat(result.findings()).hasSize(1);
    Finding f = result.findings().get(0);
    assertThat(f.code()).isEqualTo(FindingCode.PS102);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.relation()).isEqualTo("public.orders");
    assertThat(f.script()).isEqualTo("V1__step.sql");
    assertThat(f.statement()).isEqualTo(1);
    assertThat(f.message())
        .isEqualTo(
            "ACCESS EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") while rewriting it: blocks every read and write for the rewrite");
    assertThat(ordersSize()).startsWith("20k rows, ");
  }

  @Test
  void aFailureThatMayComeFromTheCopyHavingNoRowsIsAWarningThatSaysSo() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            // customer 5 exists on the target, not on the copy
            "INSERT INTO orders (id, customer_id, amount) VALUES (900001, 5, 1)",
            "INSERT INTO audit (id, message) VALUES ((SELECT min(id) FROM legacy), 'first')",
            // a literal NULL fails wherever it runs
            "INSERT INTO audit (id, message) VALUES (NULL, 'none')");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::severity, Finding::script)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS100, Severity.WARNING, "V1__step.sql"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS100, Severity.WARNING, "V2__step.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, Severity.ERROR, "V3__step.sql"));
    assertThat(result.findings().get(0).message())
        .startsWith("Fails on the copy, which has none of the target's rows, with SQLSTATE 23503")
        .contains("so migrate may pass here or fail as the copy did");
    assertThat(result.findings().get(2).message())
        .startsWith("Fails on a copy of the target's schema with SQLSTATE 23502")
        .contains("so migrate would fail here too");
  }

  @Test
  void whatAMigrationChangedIsReadAgainAfterItIsAppliedForTheNextOnes() throws Exception {
    // Applied again after the measuring, V1's table and index are other relations (new oids) and
    // the rewritten orders has another file than the measured run gave it: V2 must compare with
    // those, or it reports the table's indexes as built and orders as rewritten again.
    ImpactProbe.Result result =
        fixture.plan(
            "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n"
                + "ALTER TABLE orders SET UNLOGGED;\n"
                + "DROP TABLE legacy;\n"
                + "CREATE TABLE legacy (id bigint PRIMARY KEY);",
            "ALTER TABLE notes ADD COLUMN author text;\n"
                + "ALTER TABLE orders ADD COLUMN remark text;",
            "DROP TABLE legacy");

    List<StatementImpact> v1 = result.scripts().get(0).statements();
    assertThat(v1.get(0).indexesBuilt()).containsExactly("public.notes_pkey");
    assertThat(v1.get(1).rewritten()).contains("public.orders");
    for (StatementImpact s : result.scripts().get(1).statements()) {
      assertThat(s.error()).isNull();
      assertThat(s.indexesBuilt()).isEmpty();
      assertThat(s.rewritten()).isEmpty();
    }
    assertThat(result.scripts().get(1).statements().get(0).locks())
        .contains(new LockTaken("public.notes", "AccessExclusiveLock"));
    // the table created again under a name of the target's is still known as such: dropping it
    // again breaks the running application too
    assertThat(result.findings())
        .extracting(Finding::code, Finding::script, Finding::relation)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS109, "V3__step.sql", "public.legacy"));
  }

  @Test
  void aMigrationThatFailsWhenAppliedAgainIsShownFailedAndLeavesNothingForTheNext()
      throws Exception {
    fixture.scratch.execute(
        "DROP SCHEMA IF EXISTS runs CASCADE; CREATE SCHEMA runs; CREATE SEQUENCE runs.n");
    try {
      ImpactProbe.Result result =
          fixture.plan(
              "CREATE TABLE once (id int);\n"
                  + "DO $$ BEGIN IF nextval('runs.n') > 1 THEN"
                  + " RAISE EXCEPTION 'not the first run'; END IF; END $$;",
              "ALTER TABLE once ADD COLUMN note text");

      List<StatementImpact> v1 = result.scripts().get(0).statements();
      assertThat(v1.get(0).locks()).contains(new LockTaken("public.once", "AccessExclusiveLock"));
      assertThat(v1.get(1).error())
          .isEqualTo("P0001 applied again after it was measured: not the first run");
      // its transaction was rolled back: the next migration runs without its table
      assertThat(result.scripts().get(1).statements().get(0).error())
          .startsWith("42P01 ")
          .contains("\"once\" does not exist");
      assertThat(result.findings())
          .extracting(Finding::code, Finding::script)
          .contains(
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V1__step.sql"),
              org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V2__step.sql"));
    } finally {
      fixture.scratch.execute("DROP SCHEMA runs CASCADE");
    }
  }

  @Test
  void aViewDroppedAndCreatedAgainInOneMigrationIsNoDropButItsLaterDropIs() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "DROP VIEW order_totals;\n"
                + "CREATE VIEW order_totals AS"
                + " SELECT customer_id, count(*) AS total FROM orders GROUP BY customer_id;",
            "COMMENT ON VIEW order_totals IS 'counts'",
            "DROP VIEW order_totals");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::script, Finding::relation)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS109, "V3__step.sql", "public.order_totals"));
    assertThat(result.findings().get(0).message()).contains("to drop view public.order_totals");
  }

  @Test
  void anIndexOnAnotherKeyUnderTheNameOfOneTheStatementDroppedIsBuiltNotRebuilt() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE legacy DROP CONSTRAINT legacy_pkey,"
                + " ADD CONSTRAINT legacy_pkey UNIQUE (payload)");

    StatementImpact s = result.scripts().get(0).statements().get(0);
    assertThat(s.indexesBuilt()).containsExactly("public.legacy_pkey");
    assertThat(s.rewritten()).isEmpty();
    assertThat(result.findings())
        .extracting(Finding::code)
        .contains(FindingCode.PS103)
        .doesNotContain(FindingCode.PS102);
  }

  @Test
  void aServerMessageWithALineBreakInANameIsShownWholeOnOneLine() throws Exception {
    ImpactProbe.Result result =
        fixture.plan("ALTER TABLE \"two\nlines\" ADD COLUMN x int; -- the table does not exist");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::message)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.toList().get(0)).isEqualTo(FindingCode.PS100);
              assertThat((String) t.toList().get(1))
                  .contains("relation \"two\\nlines\" does not exist")
                  .doesNotContain("\n");
            });
    assertThat(result.scripts().get(0).statements().get(0).error())
        .isEqualTo("42P01 relation \"two\\nlines\" does not exist");
  }

  @Test
  void aStoredGeneratedColumnIsNamedAsSuchWithAFixThatFitsIt() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE orders ADD COLUMN cents bigint GENERATED ALWAYS AS (amount * 100) STORED",
            "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS107,
                "ACCESS EXCLUSIVE on public.orders ("
                    + ordersSize()
                    + ") while rewriting it to compute new stored generated column cents for every"
                    + " row: blocks every read and write for the rewrite; add a plain column"
                    + " instead, fill it in batches and keep it current with a trigger"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS107,
                "ACCESS EXCLUSIVE on public.orders ("
                    + ordersSize()
                    + ") while rewriting it to fill new column token with a default computed per"
                    + " row: blocks every read and write for the rewrite; add the column without a"
                    + " default or with a constant one, then fill it in batches"));
  }

  @Test
  void reindexBlocksReadsThroughTheIndexAndAnIndexOnlyRebuildIsNamedSo() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "REINDEX INDEX orders_customer_idx",
            "CREATE INDEX orders_created_idx ON orders (created_at)",
            // in UTC the values need no rewrite, only the index is built again
            "SET timezone = 'UTC';\nALTER TABLE orders ALTER COLUMN created_at TYPE timestamp");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS102,
                "SHARE on public.orders ("
                    + ordersSize()
                    + ") and ACCESS EXCLUSIVE on its index public.orders_customer_idx while"
                    + " rebuilding its index public.orders_customer_idx: blocks every read and"
                    + " write (a query on the table needs its indexes) for the rebuild"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS103,
                "SHARE on public.orders ("
                    + ordersSize()
                    + ") while building index public.orders_created_idx: blocks every write for"
                    + " the build; use CREATE INDEX CONCURRENTLY in a migration of its own"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS108,
                "ACCESS EXCLUSIVE on public.orders ("
                    + ordersSize()
                    + ") while rebuilding its index public.orders_created_idx to change the type"
                    + " of column created_at: blocks every read and write for the rebuild; add a"
                    + " column of the new type, fill it in batches and switch over"));
  }

  @Test
  void aDataChangeSaysWhetherTheSchemaLockIsHeldDuringItOrTakenAfter() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE orders ADD COLUMN discount integer;\nUPDATE orders SET discount = 0;",
            "UPDATE customers SET note = 'x' WHERE note = '';\n"
                + "CREATE INDEX customers_name_idx ON customers (name);",
            // another table locked first: the lock named is the changed table's own
            "ALTER TABLE legacy ADD COLUMN z integer;\n"
                + "ALTER TABLE orders ADD COLUMN rebate integer;\n"
                + "UPDATE orders SET rebate = 0;");

    List<String> dataChanges =
        result.findings().stream()
            .filter(f -> f.code() == FindingCode.PS110)
            .map(Finding::message)
            .toList();
    String customers = fixture.sizes.table("public.customers").describe();
    assertThat(dataChanges)
        .containsExactly(
            "ROW EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") while changing its rows in a transaction that already holds ACCESS EXCLUSIVE"
                + " on public.orders: blocks every read and write of that table for the whole"
                + " data change; change the data in batches in a migration of its own",
            "ROW EXCLUSIVE on public.customers ("
                + customers
                + ") while changing its rows in a transaction that then takes SHARE on"
                + " public.customers: blocks writes of the changed rows until the schema change"
                + " commits, through any wait for its lock, and a lock timeout there undoes the"
                + " whole data change; change the data in batches in a migration of its own",
            "ROW EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") while changing its rows in a transaction that already holds ACCESS EXCLUSIVE"
                + " on public.orders: blocks every read and write of that table for the whole"
                + " data change; change the data in batches in a migration of its own");
  }

  @Test
  void settingNotNullAColumnAnEarlierMigrationAddedWithoutADefaultFailsOnTheTargetsRows()
      throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE orders ADD COLUMN ref uuid",
            "ALTER TABLE orders ALTER COLUMN ref SET NOT NULL",
            // filled, or possibly filled, before: no failure is certain
            "ALTER TABLE orders ADD COLUMN a1 int;\nUPDATE orders SET a1 = 1;\n"
                + "ALTER TABLE orders ALTER a1 SET NOT NULL",
            "ALTER TABLE orders ADD COLUMN a2 int DEFAULT 0;\nALTER TABLE orders ALTER a2 SET NOT NULL",
            "ALTER TABLE orders ADD COLUMN a3 int",
            "DO $$ BEGIN UPDATE orders SET a3 = 3; END $$",
            "ALTER TABLE orders ALTER a3 SET NOT NULL",
            // added by a migration that failed and was rolled back, then added again with a default
            "ALTER TABLE orders ADD COLUMN a4 int;\nALTER TABLE nowhere ADD COLUMN x int",
            "ALTER TABLE orders ADD COLUMN a4 int DEFAULT 4;\nALTER TABLE orders ALTER a4 SET NOT NULL",
            // a table empty on the target
            "ALTER TABLE audit ADD COLUMN a5 int",
            "ALTER TABLE audit ALTER a5 SET NOT NULL");

    assertThat(result.findings())
        .filteredOn(f -> f.code() == FindingCode.PS100)
        .extracting(Finding::script, Finding::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "V2__step.sql",
                "Fails on the target, not on the empty copy: column ref of public.orders ("
                    + ordersSize()
                    + "), added without a default by V1__step.sql and filled by no statement"
                    + " since, is NULL in every row when it is set NOT NULL (SQLSTATE 23502), so"
                    + " migrate would fail here; fill it first (in batches, in a migration of its"
                    + " own), then set NOT NULL"),
            org.assertj.core.groups.Tuple.tuple(
                "V8__step.sql",
                "Fails on a copy of the target's schema with SQLSTATE 42P01 (relation \"nowhere\""
                    + " does not exist), so migrate would fail here too"));
  }

  @Test
  void aForeignKeyCheckedAgainAfterItsReferencedColumnChangesTypeIsReported() throws Exception {
    ImpactProbe.Result result = fixture.plan("ALTER TABLE customers ALTER COLUMN id TYPE integer");

    StatementImpact s = result.scripts().get(0).statements().get(0);
    assertThat(s.constraintsValidated())
        .contains("orders_customer_id_fkey on public.orders (again)");
    assertThat(s.locks()).contains(new LockTaken("public.orders", "AccessExclusiveLock"));
    assertThat(result.findings())
        .extracting(Finding::code, Finding::relation)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS104, "public.orders"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS108, "public.customers"));
    assertThat(result.findings().get(0).message())
        .isEqualTo(
            "ACCESS EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") while checking every row against foreign key orders_customer_id_fkey again,"
                + " added anew because the type of a column it references changed: blocks every"
                + " read and write for the scan; it comes with that type change (see its"
                + " finding): a new column filled in batches avoids both");
  }

  @Test
  void recordsIndexesBuiltConcurrentlyWithTheStatedLock() throws Exception {
    ImpactProbe.Result result =
        fixture.plan("CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)");

    ScriptImpact script = result.scripts().get(0);
    assertThat(script.transactional()).isFalse();
    StatementImpact s = script.statements().get(0);
    assertThat(s.indexesBuilt()).containsExactly("public.orders_status_idx (concurrently)");
    assertThat(s.locks())
        .containsExactly(new LockTaken("public.orders", "ShareUpdateExclusiveLock (stated)"));
    assertThat(result.findings()).isEmpty();
  }

  @Test
  void recordsConstraintsValidatedAndLocksOfBothTables() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk2"
                + " FOREIGN KEY (customer_id) REFERENCES customers (id)");

    StatementImpact s = result.scripts().get(0).statements().get(0);
    assertThat(s.constraintsValidated()).containsExactly("orders_customer_fk2 on public.orders");
    assertThat(s.locks())
        .contains(
            new LockTaken("public.orders", "ShareRowExclusiveLock"),
            new LockTaken("public.customers", "ShareRowExclusiveLock"));
    assertThat(result.findings())
        .extracting(Finding::message)
        .containsExactly(
            "SHARE ROW EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") while checking every row against new foreign key orders_customer_fk2:"
                + " blocks every write for the scan; add it NOT VALID, then VALIDATE CONSTRAINT"
                + " in a later migration");
  }

  @Test
  void relationsKeepTheirTargetNameAfterARename() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "ALTER TABLE orders RENAME TO purchases",
            "ALTER TABLE purchases ALTER COLUMN amount SET NOT NULL,"
                + " ALTER COLUMN status SET NOT NULL");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::relation, Finding::statement)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS109, "public.orders", 1),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS106, "public.orders", 1));
    assertThat(result.findings().get(0).message())
        .contains("rename table public.orders to public.purchases");
    assertThat(result.scripts().get(1).statements().get(0).locks())
        .contains(new LockTaken("public.orders", "AccessExclusiveLock"));
  }

  @Test
  void eachMigrationIsMeasuredInATransactionRolledBackThenAppliedForTheNextOnes() throws Exception {
    // A sequence outside the copied schema counts the runs of the statements calling nextval.
    fixture.scratch.execute(
        "DROP SCHEMA IF EXISTS runs CASCADE; CREATE SCHEMA runs; CREATE SEQUENCE runs.n");
    try {
      ImpactProbe.Result result =
          fixture.plan(
              "CREATE TABLE marker AS SELECT nextval('runs.n') AS run;\n"
                  + "CREATE INDEX marker_run_idx ON marker (run);",
              "ALTER TABLE marker ADD COLUMN note text;\n"
                  + "CREATE INDEX orders_status_idx ON orders (status);",
              "INSERT INTO marker (run, note) SELECT nextval('runs.n'), 'third'",
              "ALTER TABLE marker ADD COLUMN last_one int;\nSELECT nextval('runs.n');");

      // Each migration runs measured in a transaction that is rolled back (nextval is not: the
      // rows of those runs, 1 and 3, are gone), then again, committed, for the next ones.
      List<String> rows = new ArrayList<>();
      try (Connection c = fixture.scratch.dataSource().getConnection();
          Statement st = c.createStatement()) {
        try (ResultSet r =
            st.executeQuery("SELECT run || ':' || coalesce(note, '-') FROM marker ORDER BY run")) {
          while (r.next()) {
            rows.add(r.getString(1));
          }
        }
        try (ResultSet r =
            st.executeQuery(
                "SELECT (SELECT last_value FROM runs.n), to_regclass('marker') IS NOT NULL,"
                    + " (SELECT count(*) FROM pg_attribute WHERE attrelid = 'marker'::regclass"
                    + " AND attname = 'last_one')")) {
          r.next();
          assertThat(r.getLong(1)).isEqualTo(6);
          assertThat(r.getLong(3)).isEqualTo(1);
        }
      }
      assertThat(rows).containsExactly("2:-", "4:third");
      assertThat(result.scripts().get(3).statements().get(0).locks())
          .contains(new LockTaken("public.marker", "AccessExclusiveLock"));
      // V2 ran on the copy with V1's effects, and its own locks were read.
      assertThat(result.scripts().get(1).statements().get(0).error()).isNull();
      assertThat(result.scripts().get(1).statements().get(1).locks())
          .contains(new LockTaken("public.orders", "ShareLock"));
      assertThat(result.findings())
          .extracting(Finding::code, Finding::script)
          .contains(org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "V2__step.sql"));
    } finally {
      fixture.scratch.execute("DROP SCHEMA runs CASCADE");
    }
  }

  @Test
  void rowStatementWhoseTriggerDoesDdlIsMeasuredLikeDdl() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "CREATE TABLE jobs (id int);\n"
                + "CREATE FUNCTION jobs_ddl() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                + "BEGIN CREATE INDEX orders_status_idx ON orders (status); RETURN NEW; END $$;\n"
                + "CREATE TRIGGER jobs_ddl AFTER INSERT ON jobs"
                + " FOR EACH ROW EXECUTE FUNCTION jobs_ddl();",
            "INSERT INTO jobs VALUES (1)");

    StatementImpact insert = result.scripts().get(1).statements().get(0);
    assertThat(insert.indexesBuilt()).containsExactly("public.orders_status_idx");
    assertThat(insert.locks()).contains(new LockTaken("public.orders", "ShareLock"));
    assertThat(result.findings())
        .extracting(Finding::code, Finding::script)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, "V2__step.sql"));
  }

  @Test
  void callOfAProcedureIsMeasuredLikeAnyStatement() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "CREATE PROCEDURE noop() LANGUAGE plpgsql AS $$ BEGIN END $$;\n"
                + "CREATE PROCEDURE index_status() LANGUAGE sql"
                + " AS $$ CREATE INDEX orders_status_idx ON orders (status) $$;",
            "CALL noop();\nCALL index_status();\nCALL noop()");

    List<StatementImpact> calls = result.scripts().get(1).statements();
    assertThat(calls).hasSize(3).allSatisfy(s -> assertThat(s.error()).isNull());
    assertThat(calls.get(1).indexesBuilt()).containsExactly("public.orders_status_idx");
    assertThat(calls.get(1).locks()).contains(new LockTaken("public.orders", "ShareLock"));
    assertThat(result.findings())
        .extracting(Finding::code, Finding::statement)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.PS103, 2));
  }

  @Test
  void functionWithAStandardBodyIsMeasuredLikeAnyStatement() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql\n"
                + "BEGIN ATOMIC\n  SELECT count(*) FROM orders;\nEND;\n"
                + "CREATE VIEW order_counts AS SELECT order_count() AS n;");

    List<StatementImpact> statements = result.scripts().get(0).statements();
    assertThat(statements).hasSize(2).allSatisfy(s -> assertThat(s.error()).isNull());
    assertThat(result.findings()).isEmpty();
  }

  @Test
  void deallocateInAMigrationDoesNotBreakTheMeasurement() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "DEALLOCATE ALL;\nALTER TABLE orders ADD COLUMN z int;",
            "ALTER TABLE orders ADD COLUMN y int;\nDISCARD PLANS;",
            "ALTER TABLE orders ADD COLUMN x int");

    assertThat(result.scripts())
        .allSatisfy(
            s -> assertThat(s.statements()).allSatisfy(st -> assertThat(st.error()).isNull()));
    assertThat(result.scripts().get(2).statements().get(0).locks())
        .contains(new LockTaken("public.orders", "AccessExclusiveLock"));
  }

  @Test
  void failedMigrationIsRolledBackAndTheNextOneStillRuns() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "CREATE TABLE coupons (id bigint PRIMARY KEY);\nALTER TABLE coupons ADD COLUMN x nope;",
            "CREATE TABLE coupons (id bigint PRIMARY KEY, code text)",
            "ALTER TABLE missing ADD COLUMN y int");

    assertThat(result.scripts().get(0).statements()).hasSize(2);
    assertThat(result.scripts().get(0).statements().get(1).error()).startsWith("42704 ");
    assertThat(result.scripts().get(1).statements().get(0).error()).isNull();
    assertThat(result.findings())
        .extracting(Finding::code, Finding::script, Finding::statement, Finding::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V1__step.sql", 2, 2),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V3__step.sql", 1, 1));
    assertThat(result.findings().get(0).message())
        .startsWith("Fails on a copy of the target's schema with SQLSTATE 42704 (type \"nope\"");
    assertThat(result.findings().get(1).message()).endsWith("which may be its cause)");
  }

  @Test
  void exclusiveLockHeldAcrossLaterWorkIsAnError() throws Exception {
    List<Finding> findings =
        fixture
            .plan(
                "ALTER TABLE orders ADD COLUMN a1 int;\nALTER TABLE orders ADD COLUMN a2 int;",
                "ALTER TABLE orders ADD COLUMN b1 int;\nUPDATE orders SET b1 = 1;")
            .findings();

    assertThat(findings)
        .extracting(Finding::code, Finding::severity, Finding::script)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS101, Severity.WARNING, "V1__step.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS101, Severity.ERROR, "V2__step.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS110, Severity.ERROR, "V2__step.sql"));
    assertThat(findings.get(0).message())
        .isEqualTo(
            "ACCESS EXCLUSIVE on public.orders ("
                + ordersSize()
                + ") stays held while the 1 later statement of this transaction run: blocks every"
                + " read and write until it commits; move them to migrations of their own");
  }

  @Test
  void allowCommentsAcceptFindingsAndShowTheirReason() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            "-- pitstop:allow PS109 the application no longer reads legacy since 4.2\n\n"
                + "DROP TABLE legacy;",
            "-- pitstop:allow PS103 built in the maintenance window\n"
                + "CREATE INDEX orders_status_idx ON orders (status);",
            "-- pitstop:allow PS106\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;");

    assertThat(result.findings())
        .extracting(Finding::code, Finding::allowedReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS109, "the application no longer reads legacy since 4.2"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS103, "built in the maintenance window"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS106, null));
    assertThat(result.findings().get(2).message())
        .endsWith("(the pitstop:allow comment has no reason, so it does not count)");
    assertThat(result.findings().get(1).gates(Severity.INFO)).isFalse();
    assertThat(result.findings().get(2).gates(Severity.ERROR)).isTrue();
  }

  @Test
  void settingsOfAMigrationDoNotLeakIntoTheNext() throws Exception {
    ImpactProbe.Result result =
        fixture.plan(
            Duration.ofSeconds(5),
            "SET lock_timeout = 0;\nCREATE TABLE notes (id int);",
            "ALTER TABLE orders ADD COLUMN remark text");

    assertThat(result.findings()).isEmpty();

    // Also after the migration is applied to the copy again: its search_path stays its own.
    try {
      result =
          fixture.plan(
              "CREATE SCHEMA elsewhere;\nSET search_path = elsewhere;\nCREATE TABLE notes (id int);",
              "ALTER TABLE orders ADD COLUMN remark text");
      assertThat(result.scripts().get(1).statements().get(0).error()).isNull();
      assertThat(result.findings()).isEmpty();
    } finally {
      fixture.scratch.execute("DROP SCHEMA IF EXISTS elsewhere CASCADE");
    }
  }
}
