package dev.pitstop.faults;

import static dev.pitstop.faults.FaultScenario.assertNoPasswordIn;
import static dev.pitstop.faults.FaultScenario.secretFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.ThirdLane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator is killed at many deterministic points of a migration run and a new one takes over:
 * no migration is ever half-applied or recorded without being applied, and the run ends Succeeded.
 */
@ThirdLane
class CrashMidMigrationIT {
  private static final int MIGRATIONS = 5;

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  /** Each migration creates three objects with two long statements between them. */
  private static Map<String, String> migrations() {
    Map<String, String> files = new LinkedHashMap<>();
    for (int k = 1; k <= MIGRATIONS; k++) {
      files.put(
          "V" + k + "__objects_" + k + ".sql",
          ("CREATE TABLE a_K (id int);\n"
                  + "INSERT INTO a_K VALUES (K);\n"
                  + "SELECT pg_sleep(0.15) AS kill_point_K_a;\n"
                  + "CREATE TABLE b_K (id int);\n"
                  + "SELECT pg_sleep(0.15) AS kill_point_K_b;\n"
                  + "CREATE VIEW c_K AS SELECT id FROM a_K;\n")
              .replace("K", Integer.toString(k)));
    }
    return files;
  }

  /** Kill points: before the run, then inside the long statements of every migration. */
  private static List<String> killPoints() {
    List<String> points = new ArrayList<>();
    points.add("before");
    for (int k = 1; k <= MIGRATIONS; k++) {
      points.add("kill_point_" + k + "_a");
      points.add("kill_point_" + k + "_b");
    }
    return points;
  }

  @Test
  void aCrashAtAnyPointLeavesEveryMigrationAllOrNothingAndANewOperatorFinishes() {
    List<String> points = killPoints();
    for (int i = 0; i < points.size(); i++) {
      String point = points.get(i);
      TestDatabase db = pg.createDatabase();
      String name = "app-" + i;
      secretFor(kube, name, db);
      kube.client().resource(MigrationFixturesAccess.configMap(name, migrations())).create();
      kube.client().resource(MigrationFixturesAccess.migration(name, name, name)).create();
      if (!point.equals("before")) {
        OperatorCrash.awaitStatement(pg.adminDataSource(), db.name(), point);
      }
      OperatorCrash.crash(kube, pg.adminDataSource(), db.name());

      assertAllOrNothing(db, point);

      kube.restartOperator();
      DatabaseMigration done =
          FaultScenario.await(
              kube,
              DatabaseMigration.class,
              name,
              Duration.ofSeconds(60),
              r -> r.getStatus() != null && r.getStatus().phase == MigrationPhase.Succeeded);
      assertThat(done.getStatus().currentVersion).as(point).isEqualTo(Integer.toString(MIGRATIONS));
      assertThat(done.getStatus().observedGeneration).isEqualTo(1L);
      assertAllOrNothing(db, point);
      for (int k = 1; k <= MIGRATIONS; k++) {
        assertThat(db.queryLong("SELECT count(*) FROM a_" + k)).as(point).isEqualTo(1);
      }
      assertThat(db.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE success"))
          .as(point)
          .isEqualTo(MIGRATIONS);
      assertNoPasswordIn(kube, done);
    }
    System.out.println("CrashMidMigrationIT: kill points tried: " + points.size());
  }

  /** Each migration is applied with its history row, or neither its objects nor a row exist. */
  private static void assertAllOrNothing(TestDatabase db, String point) {
    boolean history = db.tableExists("pitstop_schema_history");
    for (int k = 1; k <= MIGRATIONS; k++) {
      long recorded =
          history
              ? db.queryLong(
                  "SELECT count(*) FROM pitstop_schema_history WHERE version = ? AND success",
                  Integer.toString(k))
              : 0;
      int objects =
          (db.tableExists("a_" + k) ? 1 : 0)
              + (db.tableExists("b_" + k) ? 1 : 0)
              + (db.tableExists("c_" + k) ? 1 : 0);
      assertThat(recorded).as("%s: history rows of V%d", point, k).isLessThanOrEqualTo(1);
      assertThat(objects)
          .as("%s: objects of V%d (recorded %d)", point, k, recorded)
          .isEqualTo(recorded == 1 ? 3 : 0);
    }
  }
}
