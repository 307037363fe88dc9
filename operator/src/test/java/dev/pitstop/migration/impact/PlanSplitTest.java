package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingScript;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestPostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PlanSplitTest {

  /**
   * Migrations whose findings depend on what earlier ones did: a column added without a default and
   * later set NOT NULL, a table of the target dropped and created again and then dropped again, a
   * rename, a failure (later failures say so), a table emptied before a NOT NULL column is added,
   * and a migration that cannot run in a transaction.
   */
  static final String[] MIGRATIONS = {
    "ALTER TABLE orders ADD COLUMN remark text",
    "DROP TABLE legacy;\nCREATE TABLE legacy (id bigint PRIMARY KEY);",
    "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n"
        + "CREATE INDEX orders_status_idx ON orders (status);",
    "ALTER TABLE orders ALTER COLUMN remark SET NOT NULL",
    "DROP TABLE legacy",
    "ALTER TABLE notes ADD COLUMN author text;\nALTER TABLE customers RENAME TO clients;",
    "SELECT * FROM no_such_table",
    "ALTER TABLE clients ADD COLUMN score int NOT NULL",
    "DELETE FROM audit;\nALTER TABLE audit ADD COLUMN kind int NOT NULL;",
    "CREATE INDEX CONCURRENTLY orders_code_2_idx ON orders (code)",
    "ALTER TABLE notes ALTER COLUMN body TYPE varchar(20);\nDROP TABLE notes;",
  };

  static ImpactFixture fixture;
  static TestDatabase second;

  @BeforeAll
  static void createDatabases() throws Exception {
    fixture = new ImpactFixture();
    second = TestPostgresServer.shared().createDatabase("impact_second");
  }

  @AfterAll
  static void dropDatabases() throws Exception {
    second.close();
    fixture.close();
  }

  @Test
  void theSecondCopyTakesOverWhenTheFirstHasAsManyLeftBeforeAsFollow() {
    PlanSplit split = new PlanSplit(10);
    PlanSplit.Side first = split.first();
    PlanSplit.Side second = split.second();

    assertThat(first.step(0)).isEqualTo(PlanSplit.Step.MEASURE);
    // the second copy applies what the first measures, and catches up
    assertThat(second.step(0)).isEqualTo(PlanSplit.Step.APPLY);
    assertThat(second.step(1)).isEqualTo(PlanSplit.Step.APPLY);
    assertThat(first.step(1)).isEqualTo(PlanSplit.Step.MEASURE);
    assertThat(second.step(2)).isEqualTo(PlanSplit.Step.APPLY);
    assertThat(second.step(5)).isEqualTo(PlanSplit.Step.APPLY); // 4 left before it, 5 after
    assertThat(second.step(6)).isEqualTo(PlanSplit.Step.MEASURE); // 5 before it, 4 after
    assertThat(split.end()).isEqualTo(6);
    assertThat(second.step(7)).isEqualTo(PlanSplit.Step.MEASURE);
    assertThat(first.step(5)).isEqualTo(PlanSplit.Step.MEASURE);
    assertThat(first.step(6)).isEqualTo(PlanSplit.Step.STOP);
  }

  @Test
  void theSecondCopyStopsWhenTheFirstFinishedFirst() {
    PlanSplit split = new PlanSplit(3);
    PlanSplit.Side first = split.first();
    PlanSplit.Side second = split.second();
    for (int i = 0; i < 3; i++) {
      assertThat(first.step(i)).isEqualTo(PlanSplit.Step.MEASURE);
    }
    split.firstFinished();

    assertThat(second.step(0)).isEqualTo(PlanSplit.Step.STOP);
    assertThat(split.end()).isEqualTo(3);
  }

  @Test
  void aSecondCopyIsMadeOnlyWhenTheWorkLeftTakesMoreThanThreeTimesMakingTheFirst() {
    long ms = 1_000_000;
    // 100 ms for the first copy; 10 ms a migration so far
    assertThat(ImpactPlanner.worthASecondCopy(0, 300, 0, 100 * ms)).isFalse();
    assertThat(ImpactPlanner.worthASecondCopy(2, 300, 20 * ms, 100 * ms)).isTrue();
    assertThat(ImpactPlanner.worthASecondCopy(2, 32, 20 * ms, 100 * ms)).isFalse(); // 300 ms left
    assertThat(ImpactPlanner.worthASecondCopy(2, 33, 20 * ms, 100 * ms)).isTrue(); // 310 ms left
    // a large schema: 5 s to copy
    assertThat(ImpactPlanner.worthASecondCopy(2, 300, 20 * ms, 5_000 * ms)).isFalse();
  }

  @Test
  void splitAnywhereThePlanIsTheSameAsOnOneCopy() throws Exception {
    List<PendingScript> scripts = new ArrayList<>();
    for (int i = 0; i < MIGRATIONS.length; i++) {
      scripts.add(ImpactFixture.script(i + 1, MIGRATIONS[i]));
    }
    MigrationRequest request = MigrationRequest.builder(List.of()).build();
    ImpactProbe.Result alone = fixture.plan(MIGRATIONS);
    // what the migrations are chosen for is found at all
    assertThat(alone.findings())
        .extracting(Finding::code, Finding::script)
        .contains(
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS109, "V5__step.sql"),
            org.assertj.core.groups.Tuple.tuple(FindingCode.PS100, "V7__step.sql"));
    assertThat(alone.findings()).extracting(Finding::script).contains("V4__step.sql");

    for (int end = 0; end <= MIGRATIONS.length; end++) {
      int at = end;
      fixture.reset();
      ImpactProbe.Result before =
          ImpactProbe.run(
              session(fixture.scratch),
              fixture.sizes,
              scripts,
              request,
              0,
              i -> i < at ? PlanSplit.Step.MEASURE : PlanSplit.Step.STOP);
      resetSecond();
      ImpactProbe.Result after =
          ImpactProbe.run(
              session(second),
              fixture.sizes,
              scripts,
              request,
              0,
              i -> i < at ? PlanSplit.Step.APPLY : PlanSplit.Step.MEASURE);

      List<ScriptImpact> impacts = new ArrayList<>(before.scripts());
      impacts.addAll(after.scripts());
      List<Finding> findings = new ArrayList<>(before.findings());
      findings.addAll(after.findings());
      assertThat(impacts).as("split before migration %d", end + 1).isEqualTo(alone.scripts());
      assertThat(findings).as("split before migration %d", end + 1).isEqualTo(alone.findings());
    }
  }

  private final List<Connection> sessions = new ArrayList<>();

  private Connection session(TestDatabase database) throws Exception {
    Connection c = database.dataSource().getConnection();
    sessions.add(c);
    return c;
  }

  @org.junit.jupiter.api.AfterEach
  void closeSessions() throws Exception {
    for (Connection c : sessions) {
      c.close();
    }
  }

  private static void resetSecond() throws Exception {
    try (Connection c = second.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; " + ImpactFixture.SCHEMA);
    }
  }
}
