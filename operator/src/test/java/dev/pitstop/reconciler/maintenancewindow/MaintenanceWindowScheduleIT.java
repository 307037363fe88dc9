package dev.pitstop.reconciler.maintenancewindow;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.connections;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.cronJob;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.deployment;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.job;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.labelled;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.named;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.selection;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.statefulSet;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.tasks;
import static dev.pitstop.reconciler.maintenancewindow.WindowTestSupport.replicas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.LogCapture;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestClock;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A scheduled MaintenanceWindow drains at its start and restores at its end. The operator runs on a
 * {@link TestClock}: the window opens and closes when the test moves the clock to its start and
 * end, not when the wall clock gets there. The application and the window are those of {@link
 * MaintenanceWindowIT}.
 */
class MaintenanceWindowScheduleIT {
  private static final String TASKS = "SELECT count(*) FROM tasks WHERE status = 'running'";

  private final TestClock clock = new TestClock();

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension().withClock(clock);

  private WindowTestSupport k8s;
  private TestKubelet kubelet;
  private String app;

  @BeforeEach
  void setUp() {
    k8s = new WindowTestSupport(kube);
    kube.client()
        .resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw-Mw7!never-shown"))
        .create();
    kubelet = new TestKubelet(kube.client(), NAMESPACE);
    pg.execute("CREATE TABLE tasks (id serial PRIMARY KEY, status text NOT NULL)");
    app = roles.create("app", "CONNECTION LIMIT 5");
  }

  @AfterEach
  void stopKubelet() {
    kubelet.close();
  }

  @Test
  void aScheduledWindowOpensAtItsStartAndRestoresAtItsEnd() {
    kube.client().resource(deployment("api", 3, Map.of("tier", "web"))).create();
    kube.client().resource(statefulSet("worker", 2, Map.of("tier", "worker"))).create();
    kube.client().resource(cronJob("nightly", false, Map.of("app", "shop"))).create();
    kube.client().resource(cronJob("paused", true, Map.of("app", "shop"))).create();
    kube.client().resource(cronJob("other", false, Map.of("app", "blog"))).create();
    kube.client().resource(job("import", 1, Map.of("app", "shop"))).create();
    await().until(() -> kubelet.pods("api").size() == 3 && kubelet.pods("worker").size() == 2);
    k8s.setJobActive("import", 0);
    MaintenanceWindow window = WindowFixtures.window("every-minute");
    Drain drain = window.getSpec().drain;
    drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    drain.workloads.add(labelled(Drain.WorkloadKind.StatefulSet, "tier", "worker"));
    drain.cronJobs = selection("app", "shop");
    drain.jobs = selection("app", "shop");
    drain.tasks = tasks(TASKS);
    drain.connections = connections(app, "1s", true, true);
    window.getSpec().modeTable = "app_mode";
    window.getSpec().active = null;
    window.getSpec().schedule = "* * * * *";
    window.getSpec().duration = "20s";
    // Half a minute past a full minute no window of this schedule is open (one found under way
    // would open at once for the time left).
    clock.set(clock.instant().truncatedTo(ChronoUnit.MINUTES).plusSeconds(90));
    kube.client().resource(window).create();

    MaintenanceWindow waiting = k8s.awaitPhase("every-minute", WindowPhase.Scheduled);
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    clock.set(Instant.parse(waiting.getStatus().nextWindowStart));

    MaintenanceWindow active = k8s.awaitPhase("every-minute", WindowPhase.Active);
    Instant start = Instant.parse(active.getStatus().windowStart);
    assertThat(start.getEpochSecond() % 60).isZero();
    assertThat(start).isEqualTo(Instant.parse(waiting.getStatus().nextWindowStart));
    assertThat(active.getStatus().windowEnd).isEqualTo(start.plusSeconds(20).toString());
    assertThat(active.getStatus().windowId).isEqualTo("schedule@" + start);
    assertThat(active.getStatus().nextWindowStart).isEqualTo(start.plusSeconds(60).toString());
    assertThat(replicas(k8s.deployment("api"))).isZero();

    clock.set(start.plusSeconds(20));

    MaintenanceWindow scheduled = k8s.awaitPhase("every-minute", WindowPhase.Scheduled);
    assertThat(scheduled.getStatus().message).startsWith("next window opens at");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isEqualTo(2);
    assertThat(k8s.deployment("api").getMetadata().getAnnotations())
        .doesNotContainKeys(Workloads.ORIGINAL_REPLICAS, Workloads.DRAINED_BY);
    assertThat(k8s.cronJob("nightly").getSpec().getSuspend()).isFalse();
    assertThat(k8s.cronJob("paused").getSpec().getSuspend()).isTrue();
    assertThat(pg.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", app))
        .isEqualTo(5);
    assertThat(pg.queryStrings("SELECT mode FROM app_mode").get(0)).isEqualTo("running");
  }

  @Test
  void aWindowWhoseSecretPointsElsewhereKeepsItsLeaseOnTheDatabaseItPutIntoMaintenance() {
    TestDatabase other = pg.createDatabase();
    openBlockingWindow("nightly");

    kube.client()
        .resource(secret("app-db", other.jdbcUrl(), pg.user(), "pw-Mw7!never-shown"))
        .update();
    awaitRepointed("nightly");
    awaitLeaseRenewed();
    assertThat(pg.queryStrings("SELECT mode FROM app_mode").get(0)).isEqualTo("maintenance");
    assertThat(pg.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", app)).isZero();
    assertThat(other.tableExists("app_mode")).isFalse();
    assertThat(k8s.window("nightly").getStatus().phase).isEqualTo(WindowPhase.Active);
  }

  @Test
  void renewingTheLeaseWhileTheSecretNamesAnotherHostKeepsOnePoolForEach() {
    openBlockingWindow("nightly");

    try (LogCapture logs = new LogCapture()) {
      // The same database name behind another host: the pool key stays, the server changes.
      String otherHost = pg.jdbcUrl().replace("127.0.0.1", "localhost");
      assertThat(otherHost).isNotEqualTo(pg.jdbcUrl());
      kube.client().resource(secret("app-db", otherHost, pg.user(), "pw-Mw7!never-shown")).update();
      awaitRepointed("nightly");
      for (int renewal = 0; renewal < 3; renewal++) {
        awaitLeaseRenewed();
      }

      String key = NAMESPACE + "/app-db/" + pg.databaseName();
      assertThat(
              logs.text()
                  .lines()
                  .filter(l -> l.contains("Connection settings of " + key + " changed")))
          .as("the Secret's change replaces the key's pool once; the lease has a pool of its own")
          .hasSize(1);
    }
  }

  private void openBlockingWindow(String name) {
    MaintenanceWindow window = WindowFixtures.window(name);
    window.getSpec().modeTable = "app_mode";
    window.getSpec().drain.connections = connections(app, "1s", false, true);
    kube.client().resource(window).create();
    k8s.awaitPhase(name, WindowPhase.Active);
  }

  private void awaitRepointed(String name) {
    k8s.awaitWindow(
        name,
        w ->
            Conditions.find(w.getStatus(), Condition.DATABASE_REACHABLE)
                .map(c -> "SecretRepointed".equals(c.reason))
                .orElse(false));
  }

  /**
   * Shortens the window's lease to 20 s (without a renewal, maintenance would end by itself while
   * the role stays blocked), moves the clock past the renewal time and waits for a renewal.
   */
  private void awaitLeaseRenewed() {
    pg.execute("UPDATE app_mode_holders SET expires_at = now() + interval '20 seconds'");
    clock.advance(WindowDatabase.RENEW_EVERY.plusSeconds(1));
    kube.reconcileAll();
    await()
        .until(
            () ->
                pg.queryLong(
                    "SELECT count(*) FROM app_mode_holders"
                        + " WHERE expires_at > now() + interval '2 minutes'"),
            n -> n == 1);
  }
}
