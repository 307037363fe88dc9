package dev.pitstop.faults;

import static dev.pitstop.faults.FaultScenario.NAMESPACE;
import static dev.pitstop.faults.FaultScenario.assertNoPasswordIn;
import static dev.pitstop.faults.FaultScenario.secretFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.ThirdLane;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator is killed before a reset, inside the emptying of each table and inside each seed;
 * the database is never half-reset and a new operator finishes the reset.
 */
@ThirdLane
class CrashMidResetIT {
  private static final List<String> TABLES = List.of("tbl_a", "tbl_b", "tbl_c");
  private static final long ROWS = 200;

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  /** Every DELETE on a table sleeps first (statement trigger), so a kill lands inside it. */
  private static void sandbox(TestDatabase db) {
    db.execute(
        """
        CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_sleep(0.25); RETURN NULL; END $$;
        CREATE TABLE tbl_a (id bigint PRIMARY KEY, note text NOT NULL);
        CREATE TABLE tbl_b (id bigint PRIMARY KEY, a_id bigint REFERENCES tbl_a, note text);
        CREATE TABLE tbl_c (id bigint PRIMARY KEY, b_id bigint REFERENCES tbl_b, note text);
        INSERT INTO tbl_a SELECT g, 'a' || g FROM generate_series(1, 200) g;
        INSERT INTO tbl_b SELECT g, g, 'b' || g FROM generate_series(1, 200) g;
        INSERT INTO tbl_c SELECT g, g, 'c' || g FROM generate_series(1, 200) g;
        CREATE TRIGGER slow_a BEFORE DELETE ON tbl_a EXECUTE FUNCTION slow_delete();
        CREATE TRIGGER slow_b BEFORE DELETE ON tbl_b EXECUTE FUNCTION slow_delete();
        CREATE TRIGGER slow_c BEFORE DELETE ON tbl_c EXECUTE FUNCTION slow_delete();
        """);
  }

  private static SandboxReset reset(String name, TestDatabase db) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef(name);
    spec.confirmDatabaseName = db.name();
    spec.seed = new ScriptSource();
    for (int k = 1; k <= 3; k++) {
      spec.seed.inline.add(
          new InlineScript(
              "0" + k + "-seed.sql",
              "INSERT INTO tbl_a VALUES (1000 + K, 'seed K');\nSELECT pg_sleep(0.25) AS seed_point_K;"
                  .replace("K", Integer.toString(k))));
    }
    sbr.setSpec(spec);
    return sbr;
  }

  private static List<String> killPoints() {
    return List.of(
        "before",
        "DELETE FROM .*tbl_c",
        "DELETE FROM .*tbl_b",
        "DELETE FROM .*tbl_a",
        "seed_point_1",
        "seed_point_2",
        "seed_point_3");
  }

  @Test
  void aCrashAtAnyPointLeavesTheDatabaseUntouchedOrResetAndANewOperatorFinishes() {
    List<String> points = killPoints();
    for (int i = 0; i < points.size(); i++) {
      String point = points.get(i);
      TestDatabase db = pg.createDatabase();
      sandbox(db);
      String name = "sandbox-" + i;
      secretFor(kube, name, db);
      kube.client().resource(reset(name, db)).create();
      if (!point.equals("before")) {
        OperatorCrash.awaitStatement(pg.adminDataSource(), db.name(), point);
      }
      OperatorCrash.crash(kube, pg.adminDataSource(), db.name());

      assertUntouchedOrReset(db, point);

      kube.restartOperator();
      SandboxReset done =
          FaultScenario.await(
              kube,
              SandboxReset.class,
              name,
              Duration.ofSeconds(60),
              r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Succeeded);
      assertThat(done.getStatus().observedGeneration).as(point).isEqualTo(1L);
      assertThat(isReset(db)).as("%s: reset after the new operator ran", point).isTrue();
      assertNoPasswordIn(kube, done);
    }
    System.out.println("CrashMidResetIT: kill points tried: " + points.size());
  }

  /** Either every original row is there, or every table holds exactly the seeds: never a mix. */
  private static void assertUntouchedOrReset(TestDatabase db, String point) {
    if (isReset(db)) {
      return;
    }
    for (String table : TABLES) {
      assertThat(db.rowCount(table)).as("%s: rows of %s", point, table).isEqualTo(ROWS);
      String prefix = table.substring(table.length() - 1);
      assertThat(db.queryLong("SELECT count(*) FROM " + table + " WHERE note = ? || id", prefix))
          .as("%s: original content of %s", point, table)
          .isEqualTo(ROWS);
    }
  }

  private static boolean isReset(TestDatabase db) {
    return db.rowCount("tbl_b") == 0
        && db.rowCount("tbl_c") == 0
        && db.queryStrings("SELECT note FROM tbl_a ORDER BY id")
            .equals(List.of("seed 1", "seed 2", "seed 3"));
  }
}
