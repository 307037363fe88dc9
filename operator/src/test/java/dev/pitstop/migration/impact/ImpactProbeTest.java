package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
  }
}
