package dev.pitstop.faults;

import static dev.pitstop.faults.FaultScenario.NAMESPACE;
import static dev.pitstop.faults.FaultScenario.assertNoPasswordIn;
import static dev.pitstop.faults.FaultScenario.secretFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.ThirdLane;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator is killed before a cleanup run, between batches and inside batches; no row outside
 * the rule is ever deleted, the run settles, and a next run deletes exactly what is left.
 */
@ThirdLane
class CrashMidCleanupIT {
  private static final long OLD = 300;
  private static final long CONTROL = 100;
  private static final int BATCH = 20;
  private static final String CONTROL_DIGEST_SQL =
      "SELECT count(*) FROM events WHERE created_at > now() - interval '1 day'"
          + " AND kind = 'keep-' || id";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  /** Old rows match the rule; recent rows are the control set. Each DELETE sleeps a little. */
  private static void events(TestDatabase db) {
    db.execute(
        """
        CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_sleep(0.1); RETURN NULL; END $$;
        CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, kind text);
        INSERT INTO events SELECT g, now() - interval '90 days', 'old-' || g
          FROM generate_series(1, 300) g;
        INSERT INTO events SELECT g, now(), 'keep-' || g FROM generate_series(1001, 1100) g;
        CREATE TRIGGER slow BEFORE DELETE ON events EXECUTE FUNCTION slow_delete();
        """);
  }

  private static CleanupSchedule schedule(String name) {
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NAMESPACE)
            .withAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "first"))
            .build());
    CleanupScheduleSpec spec = new CleanupScheduleSpec();
    spec.database = new DatabaseRef(name);
    spec.schedule = "0 2 * * *";
    spec.batchSize = BATCH;
    spec.pauseBetweenBatches = "50ms";
    CleanupRule rule = new CleanupRule();
    rule.name = "old-events";
    rule.table = "events";
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = "created_at";
    rule.olderThan.age = "30d";
    spec.rules.add(rule);
    cls.setSpec(spec);
    return cls;
  }

  /** Batches committed before the kill; negative: then wait for the next DELETE to run. */
  private static List<Integer> killPoints() {
    return List.of(0, 1, -2, 3, -4, 6, -7, 9, -12, 14);
  }

  @Test
  void aCrashAtAnyPointDeletesOnlyMatchedRowsAndTheNextRunFinishes() {
    List<Integer> points = killPoints();
    for (int i = 0; i < points.size(); i++) {
      int point = points.get(i);
      String label = point == 0 ? "before" : (point > 0 ? "after batch " : "inside batch ") + point;
      TestDatabase db = pg.createDatabase();
      events(db);
      String name = "nightly-" + i;
      secretFor(kube, name, db);
      CleanupSchedule created = RunRequests.createThenRequest(kube.client(), schedule(name));
      if (point != 0) {
        long deleted = (long) Math.abs(point) * BATCH;
        FaultScenario.awaitDatabase(
            kube,
            created,
            Duration.ofSeconds(60),
            () -> db.rowCount("events") <= OLD + CONTROL - deleted);
        if (point < 0) {
          OperatorCrash.awaitStatement(pg.adminDataSource(), db.name(), "^\\s*(WITH|DELETE)");
        }
      }
      OperatorCrash.crash(kube, pg.adminDataSource(), db.name());

      assertOnlyMatchedRowsDeleted(db, label);

      kube.restartOperator();
      CleanupSchedule settled =
          FaultScenario.await(
              kube,
              CleanupSchedule.class,
              name,
              Duration.ofSeconds(60),
              r ->
                  r.getStatus() != null
                      && r.getStatus().lastRun != null
                      && r.getStatus().phase == CleanupPhase.Succeeded);
      assertThat(settled.getStatus().observedGeneration).as(label).isEqualTo(1L);
      assertOnlyMatchedRowsDeleted(db, label);

      Conflicts.edit(
          kube.client(),
          CleanupSchedule.class,
          NAMESPACE,
          name,
          r -> {
            r.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, "again");
          });
      CleanupSchedule finished =
          FaultScenario.await(
              kube,
              CleanupSchedule.class,
              name,
              Duration.ofSeconds(60),
              r ->
                  r.getStatus() != null
                      && r.getStatus().phase == CleanupPhase.Succeeded
                      && r.getStatus().lastRun != null
                      && r.getStatus().lastRun.result == RunResult.Succeeded);
      assertThat(db.rowCount("events"))
          .as("%s: only the control rows are left", label)
          .isEqualTo(CONTROL);
      assertOnlyMatchedRowsDeleted(db, label);
      assertNoPasswordIn(kube, finished);
    }
    System.out.println("CrashMidCleanupIT: kill points tried: " + points.size());
  }

  private static void assertOnlyMatchedRowsDeleted(TestDatabase db, String label) {
    assertThat(db.queryLong(CONTROL_DIGEST_SQL))
        .as("%s: control rows intact", label)
        .isEqualTo(CONTROL);
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM events WHERE kind <> 'old-' || id AND kind <> 'keep-' || id"))
        .as("%s: no row changed", label)
        .isZero();
  }
}
