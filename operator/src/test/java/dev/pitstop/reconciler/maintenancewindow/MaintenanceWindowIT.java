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
import static dev.pitstop.reconciler.maintenancewindow.WindowTestSupport.condition;
import static dev.pitstop.reconciler.maintenancewindow.WindowTestSupport.replicas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceMode;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.reconciler.maintenancewindow.model.WindowStatuses;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.testing.LogCapture;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import dev.pitstop.testing.WebhookReceiver;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real operator drains and restores against the mock API server and a real PostgreSQL: every
 * drain step, failure restores, restarts at each stage, deletion, and hand edits meanwhile.
 * Scheduled windows, which need the test clock, are in {@link MaintenanceWindowScheduleIT}.
 */
class MaintenanceWindowIT {
  private static final String PASSWORD = "pw-Mw7!never-shown";
  private static final String TASKS = "SELECT count(*) FROM tasks WHERE status = 'running'";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private final WebhookReceiver webhook = new WebhookReceiver();
  private WindowTestSupport k8s;
  private TestKubelet kubelet;
  private String app;

  @BeforeEach
  void setUp() {
    k8s = new WindowTestSupport(kube);
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    kubelet = new TestKubelet(kube.client(), NAMESPACE);
    pg.execute("CREATE TABLE tasks (id serial PRIMARY KEY, status text NOT NULL)");
    app = roles.create("app", "CONNECTION LIMIT 5");
  }

  @AfterEach
  void stopKubelet() {
    kubelet.close();
    webhook.close();
  }

  /** Deployment api (3), StatefulSet worker (2), CronJobs nightly and paused, Job import. */
  private void createApplication() {
    kube.client().resource(deployment("api", 3, Map.of("tier", "web"))).create();
    kube.client().resource(statefulSet("worker", 2, Map.of("tier", "worker"))).create();
    kube.client().resource(cronJob("nightly", false, Map.of("app", "shop"))).create();
    kube.client().resource(cronJob("paused", true, Map.of("app", "shop"))).create();
    kube.client().resource(cronJob("other", false, Map.of("app", "blog"))).create();
    kube.client().resource(job("import", 1, Map.of("app", "shop"))).create();
    await().until(() -> kubelet.pods("api").size() == 3 && kubelet.pods("worker").size() == 2);
  }

  /**
   * Creates {@code window} (the tasks query {@link #TASKS} unless it has one) with one running task
   * and waits until its drain waits for that task in the database step.
   */
  private void waitingForOneTask(MaintenanceWindow window) {
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    if (window.getSpec().drain.tasks == null) {
      window.getSpec().drain.tasks = tasks(TASKS);
    }
    kube.client().resource(window).create();
    k8s.awaitWindow(
        window.getMetadata().getName(),
        w ->
            w.getStatus().drain != null
                && "database".equals(w.getStatus().drain.step)
                && Long.valueOf(1).equals(w.getStatus().drain.pendingTasks));
  }

  private MaintenanceWindow fullWindow(String name) {
    MaintenanceWindow w = WindowFixtures.window(name);
    Drain drain = w.getSpec().drain;
    drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    drain.workloads.add(labelled(Drain.WorkloadKind.StatefulSet, "tier", "worker"));
    drain.cronJobs = selection("app", "shop");
    drain.jobs = selection("app", "shop");
    drain.tasks = tasks(TASKS);
    drain.connections = connections(app, "1s", true, true);
    w.getSpec().modeTable = "app_mode";
    return w;
  }

  @Test
  void onDemandWindowDrainsEachStepInOrderThenRestoresExactly() throws Exception {
    createApplication();
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    Connection session = roles.connect(app, "shop-api");
    kube.client().resource(fullWindow("nightly")).create();

    // Mode first, then CronJobs and workloads, recorded before they change.
    MaintenanceWindow draining =
        k8s.awaitWindow(
            "nightly",
            w -> w.getStatus().drain != null && "workloads".equals(w.getStatus().drain.step));
    assertThat(draining.getStatus().phase).isEqualTo(WindowPhase.Draining);
    assertThat(mode()).isEqualTo("waiting_for_maintenance");
    // The role is recorded by name; its limit is recorded in the database when it is blocked.
    assertThat(draining.getStatus().drain.roles)
        .singleElement()
        .satisfies(r -> assertThat(r.name).isEqualTo(app))
        .satisfies(r -> assertThat(r.originalConnectionLimit).isNull());
    // A workload or CronJob the informers see a moment later is recorded and changed in the next
    // pass of the same step: wait for the step's effect on all of them, then check each.
    await()
        .until(
            () ->
                replicas(k8s.deployment("api")) == 0
                    && k8s.statefulSet("worker").getSpec().getReplicas() == 0
                    && Boolean.TRUE.equals(k8s.cronJob("nightly").getSpec().getSuspend()));
    MaintenanceWindow recorded = k8s.window("nightly");
    assertThat(recorded.getStatus().drain.workloads)
        .extracting(r -> r.kind + "/" + r.name + "=" + r.originalReplicas)
        .containsExactlyInAnyOrder("Deployment/api=3", "StatefulSet/worker=2");
    assertThat(recorded.getStatus().drain.cronJobs)
        .extracting(r -> r.name + "=" + r.originalSuspend)
        .containsExactlyInAnyOrder("nightly=false", "paused=true");
    assertThat(k8s.deployment("api").getMetadata().getAnnotations())
        .containsEntry(Workloads.ORIGINAL_REPLICAS, "3")
        .containsEntry(Workloads.DRAINED_BY, "nightly");
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isZero();
    assertThat(k8s.cronJob("nightly").getSpec().getSuspend()).isTrue();
    assertThat(k8s.cronJob("other").getSpec().getSuspend()).isFalse();

    // The Job keeps the window in the workloads step until it has no active pods.
    await().until(() -> kubelet.pods("api").isEmpty() && kubelet.pods("worker").isEmpty());
    MaintenanceWindow waitingForJob =
        k8s.awaitWindow(
            "nightly",
            w -> w.getStatus().drain.activeJobs != null && w.getStatus().drain.activeJobs == 1);
    assertThat(waitingForJob.getStatus().drain.step).isEqualTo("workloads");
    assertThat(waitingForJob.getStatus().drain.remainingPods).isZero();
    k8s.setJobActive("import", 0);

    // Then the database: the task, then the session (terminated after 1s), then the block.
    MaintenanceWindow waitingForTask =
        k8s.awaitWindow(
            "nightly",
            w ->
                "database".equals(w.getStatus().drain.step)
                    && Long.valueOf(1).equals(w.getStatus().drain.pendingTasks));
    assertThat(waitingForTask.getStatus().phase).isEqualTo(WindowPhase.Draining);
    assertThat(limit(app)).as("sessions are blocked only once tasks are done").isEqualTo(5);
    pg.execute("UPDATE tasks SET status = 'done'");

    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(active.getStatus().mode).isEqualTo(MaintenanceMode.MAINTENANCE);
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(limit(app)).isZero();
    assertThat(blocks()).containsExactly(app + "|" + NAMESPACE + "/nightly|5");
    assertThat(active.getStatus().drain.terminatedSessions).isEqualTo(1);
    assertThat(session.isValid(1)).isFalse();
    assertThat(condition(active, Condition.DRAINED)).isEqualTo("True");
    assertThat(condition(active, Condition.READY)).isEqualTo("True");
    // The window holds the mode under its namespace/name, with a lease it renews.
    assertThat(
            pg.queryStrings(
                "SELECT holder || '|' || state || '|' || (expires_at > now())"
                    + " FROM app_mode_holders"))
        .containsExactly(NAMESPACE + "/nightly|maintenance|true");
    // Someone entering by hand joins as another holder; the window's restore leaves it alone.
    MaintenanceEngine byHand = new MaintenanceEngine(pg.dataSource());
    byHand.hold(SqlIdentifiers.qualified("app_mode"), "alice", Mode.MAINTENANCE, null);

    k8s.editWindow("nightly", w -> w.getSpec().active = false);

    MaintenanceWindow idle = k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(pg.queryStrings("SELECT holder FROM app_mode_holders")).containsExactly("alice");
    byHand.release(SqlIdentifiers.qualified("app_mode"), "alice");
    assertThat(idle.getStatus().mode).isEqualTo(MaintenanceMode.RUNNING);
    assertThat(idle.getStatus().drain.workloads).isEmpty();
    assertThat(idle.getStatus().windowEnd).isNotNull();
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isEqualTo(2);
    assertThat(k8s.deployment("api").getMetadata().getAnnotations())
        .doesNotContainKeys(Workloads.ORIGINAL_REPLICAS, Workloads.DRAINED_BY);
    assertThat(k8s.cronJob("nightly").getSpec().getSuspend()).isFalse();
    assertThat(k8s.cronJob("paused").getSpec().getSuspend()).isTrue();
    assertThat(limit(app)).isEqualTo(5);
    assertThat(mode()).isEqualTo("running");
    assertThat(k8s.eventReasons(idle))
        .contains(
            "DrainStarted", "ModeAnnounced", "ScaledDown", "Drained", "RestoreStarted", "Restored");
    // Each object was scaled or suspended once, reported once, however often the drain looked.
    assertThat(k8s.eventCount(idle, "ScaledDown")).isEqualTo(1);
    assertThat(k8s.eventCount(idle, "Restored")).isEqualTo(1);
    assertThat(Serialization.asJson(idle)).doesNotContain(PASSWORD);
  }

  @Test
  void drainTimeoutFailsAndRestoresEverything() {
    createApplication();
    k8s.setJobActive("import", 0);
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().drain.timeout = "3s";
    window.getSpec().notify = new RunNotify();
    window.getSpec().notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
    window.getSpec().notify.webhookSecretRef.name = "chat";
    window.getSpec().notify.results = List.of(RunNotify.Result.Failure, RunNotify.Result.Success);
    kube.client().resource(webhook.secret("chat", window.getMetadata().getNamespace())).create();
    kube.client().resource(window).create();

    MaintenanceWindow failed =
        k8s.awaitWindow(
            "nightly",
            w ->
                w.getStatus().phase == WindowPhase.Failed
                    && w.getStatus().message.endsWith("everything was restored"));

    assertThat(failed.getStatus().message)
        .startsWith("not drained within spec.drain.timeout (3s): 1 task(s) pending");
    assertThat(failed.getStatus().drain.workloads).isEmpty();
    assertThat(failed.getStatus().mode).isEqualTo(MaintenanceMode.RUNNING);
    assertThat(condition(failed, Condition.FAILED)).isEqualTo("True");
    assertThat(Conditions.find(failed.getStatus(), Condition.FAILED).orElseThrow().reason)
        .isEqualTo("DrainTimeout");
    assertThat(condition(failed, Condition.DRAINED)).isEqualTo("False");
    assertRestored();
    assertThat(k8s.eventReasons(failed)).contains("DrainTimeout");
    // The restore after the failure is reported like any restore, once.
    await().until(() -> k8s.eventCount(failed, "Restored") == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> webhook.messages().size() == 1);
    assertThat(webhook.messages().get(0))
        .contains("MaintenanceWindow " + failed.getMetadata().getNamespace() + "/nightly: Failure")
        .contains("not drained within spec.drain.timeout (3s)");

    // The failed window stays Failed while it is open; a new run request opens a new one.
    pg.execute("UPDATE tasks SET status = 'done'");
    k8s.editWindow(
        "nightly",
        w -> w.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, "second-try"));
    MaintenanceWindow retried = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(retried.getStatus().windowId).isEqualTo("on-demand@1/second-try");

    k8s.editWindow("nightly", w -> w.getSpec().active = false);
    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertRestored();
    await().atMost(Duration.ofSeconds(10)).until(() -> webhook.messages().size() == 2);
    assertThat(webhook.messages().get(1)).contains("/nightly: Success").contains("window ended");
  }

  @Test
  void closingWhileDrainingRestoresWithoutWaitingForTheDrain() {
    createApplication();
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitWindow("nightly", w -> "workloads".equals(w.getStatus().drain.step));
    await().until(() -> replicas(k8s.deployment("api")) == 0);

    k8s.editWindow("nightly", w -> w.getSpec().active = false);

    MaintenanceWindow idle = k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(k8s.eventReasons(idle)).contains("RestoreStarted", "Restored");
    assertRestored();
  }

  @Test
  void theCancelAnnotationStopsADrainingWindowAndRestoresExactly() {
    createApplication();
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitWindow("nightly", w -> "workloads".equals(w.getStatus().drain.step));
    await().until(() -> replicas(k8s.deployment("api")) == 0);

    k8s.editWindow("nightly", w -> w.getMetadata().getAnnotations().put(Pitstop.CANCEL, "stop-it"));

    MaintenanceWindow idle = k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(idle.getSpec().active).as("active: true is left as it was").isTrue();
    assertThat(idle.getStatus().cancelledWindowId).isEqualTo(idle.getStatus().windowId);
    assertThat(idle.getStatus().observedCancel).isEqualTo("stop-it");
    assertThat(k8s.eventReasons(idle)).contains("CancelRequested", "RestoreStarted", "Restored");
    assertRestored();
    // The cancelled window stays closed while active: true still asks for it.
    kube.reconcileAll();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> k8s.window("nightly").getStatus().phase == WindowPhase.Idle);
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
  }

  @Test
  void editingOnlyNotifyDoesNotReopenACancelledWindow() {
    createApplication();
    MaintenanceWindow window = WindowFixtures.window("notify-edit");
    window.getSpec().database = null;
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    kube.client().resource(window).create();
    k8s.awaitPhase("notify-edit", WindowPhase.Active);
    k8s.editWindow(
        "notify-edit", w -> w.getMetadata().getAnnotations().put(Pitstop.CANCEL, "stop-it"));
    k8s.awaitPhase("notify-edit", WindowPhase.Idle);
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);

    k8s.editWindow(
        "notify-edit",
        w -> {
          w.getSpec().notify = new RunNotify();
          w.getSpec().notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
          w.getSpec().notify.webhookSecretRef.name = "chat";
        });

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                k8s.window("notify-edit").getStatus().phase == WindowPhase.Idle
                    && replicas(k8s.deployment("api")) == 3);
    // Another edit of the spec is a new generation and opens a new window, as documented.
    k8s.editWindow("notify-edit", w -> w.getSpec().drain.timeout = "3m");
    k8s.awaitPhase("notify-edit", WindowPhase.Active);
    assertThat(replicas(k8s.deployment("api"))).isZero();
  }

  @Test
  void operatorRestartWhileDrainingContinuesFromTheRecordedState() {
    createApplication();
    k8s.setJobActive("import", 0);
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitWindow(
        "nightly",
        w ->
            "database".equals(w.getStatus().drain.step)
                && Long.valueOf(1).equals(w.getStatus().drain.pendingTasks));

    kube.restartOperator();
    pg.execute("UPDATE tasks SET status = 'done'");

    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(active.getStatus().drain.workloads)
        .extracting(r -> r.name + "=" + r.originalReplicas)
        .containsExactlyInAnyOrder("api=3", "worker=2");
    assertThat(blocks()).containsExactly(app + "|" + NAMESPACE + "/nightly|5");
    assertThat(limit(app)).isZero();

    k8s.editWindow("nightly", w -> w.getSpec().active = false);
    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertRestored();
  }

  @Test
  void aSecretMissingWhenTheDatabaseStepStartsIsWaitedForNotAFailure() {
    waitingForOneTask(WindowFixtures.window("nightly"));

    // The operator that restarts finds no Secret (a GitOps tool re-creating it, say).
    kube.client().secrets().inNamespace(NAMESPACE).withName("app-db").delete();
    kube.restartOperator();
    MaintenanceWindow waiting =
        k8s.awaitWindow(
            "nightly",
            w -> w.getStatus().message != null && w.getStatus().message.contains("app-db"));
    assertThat(waiting.getStatus().phase).isEqualTo(WindowPhase.Draining);
    assertThat(waiting.getStatus().message)
        .startsWith(
            "spec.database.secretRef: Secret 'app-db' does not exist; the drain waits for it until"
                + " spec.drain.timeout; looking again in");
    assertThat(k8s.eventReasons(waiting)).contains("SecretNotFound");

    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    pg.execute("UPDATE tasks SET status = 'done'");
    k8s.awaitPhase("nightly", WindowPhase.Active);
  }

  @Test
  void operatorRestartWhileActiveThenClosingRestoresExactly() {
    createApplication();
    k8s.setJobActive("import", 0);
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitPhase("nightly", WindowPhase.Active);

    kube.stopOperator();
    k8s.editWindow("nightly", w -> w.getSpec().active = false);
    kube.restartOperator();

    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertRestored();
  }

  @Test
  void anOperatorBackAfterTheWindowsLeaseEndedHoldsTheModeAgainAtOnce() {
    createApplication();
    k8s.setJobActive("import", 0);
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitPhase("nightly", WindowPhase.Active);

    // The operator is away longer than the lease: the next write of anyone drops the window.
    kube.stopOperator();
    pg.execute("UPDATE app_mode_holders SET expires_at = now() - interval '1 second'");
    new MaintenanceEngine(pg.dataSource())
        .release(SqlIdentifiers.qualified("app_mode"), "someone-else");
    assertThat(mode()).isEqualTo("running");
    kube.restartOperator();

    await().until(() -> mode().equals("maintenance"));
    assertThat(
            pg.queryStrings("SELECT holder || '|' || (expires_at > now()) FROM app_mode_holders"))
        .containsExactly(NAMESPACE + "/nightly|true");

    k8s.editWindow("nightly", w -> w.getSpec().active = false);
    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertRestored();
  }

  @Test
  void operatorRestartMidRestoreFinishesTheRestore() throws Exception {
    createApplication();
    k8s.setJobActive("import", 0);
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitPhase("nightly", WindowPhase.Active);
    // An open transaction that altered the role holds its row lock: the restore's ALTER ROLE
    // waits, so the operator stops in the middle of the restore, before the workloads.
    try (Connection lock = pg.dataSource().getConnection()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("ALTER ROLE \"" + app + "\" CONNECTION LIMIT 1");
      k8s.editWindow("nightly", w -> w.getSpec().active = false);
      k8s.awaitPhase("nightly", WindowPhase.Restoring);
      await()
          .until(
              () ->
                  pg.queryLong(
                          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                              + " AND query LIKE 'ALTER ROLE%'")
                      == 1);
      assertThat(replicas(k8s.deployment("api"))).isZero();

      CompletableFuture<Void> restart = CompletableFuture.runAsync(kube::restartOperator);
      lock.rollback();
      restart.get(60, TimeUnit.SECONDS);
    }

    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertRestored();
  }

  @Test
  void deletingTheWindowRestoresThroughItsFinalizer() {
    createApplication();
    k8s.setJobActive("import", 0);
    kube.client().resource(fullWindow("nightly")).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(active.getMetadata().getFinalizers()).isNotEmpty();

    try (LogCapture logs = new LogCapture()) {
      kube.client().resource(active).delete();

      await().atMost(Duration.ofSeconds(60)).until(() -> k8s.window("nightly") == null);
      // The finalizer goes with one patch that the API server accepts: no retried patch, no WARN
      // (from this test's operator: other lanes' tests kill sessions and operators meanwhile).
      assertThat(logs.ownText())
          .doesNotContain("Exceeded maximum")
          .doesNotContain("Retrying patch")
          .doesNotContain(" WARN ")
          .doesNotContain(" ERROR ");
    }
    assertRestored();
  }

  @Test
  void workloadsDeletedOrScaledByHandDuringTheWindowDoNotBreakTheRestore() {
    createApplication();
    k8s.setJobActive("import", 0);
    kube.client().resource(fullWindow("nightly")).create();
    k8s.awaitPhase("nightly", WindowPhase.Active);

    kube.client().resource(k8s.deployment("api")).delete();
    kube.client()
        .apps()
        .statefulSets()
        .inNamespace(NAMESPACE)
        .withName("worker")
        .edit(
            s -> {
              s.getSpec().setReplicas(5);
              return s;
            });
    // While the window is open it keeps the workload at 0.
    await().until(() -> k8s.statefulSet("worker").getSpec().getReplicas() == 0);

    k8s.editWindow("nightly", w -> w.getSpec().active = false);

    MaintenanceWindow idle = k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isEqualTo(2);
    assertThat(k8s.deployment("api")).isNull();
    assertThat(k8s.eventReasons(idle)).contains("WorkloadGone");
    assertThat(limit(app)).isEqualTo(5);
  }

  @Test
  void aWorkloadAGitOpsSyncScalesUpDuringTheWindowIsDrainedAgainAndItsManagerNamedOnce() {
    createApplication();
    k8s.setJobActive("import", 0);
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().database = null;
    window.getSpec().drain.tasks = null;
    window.getSpec().drain.connections = null;
    window.getSpec().modeTable = null;
    kube.client().resource(window).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    // Pitstop's writes carry its own field manager, which a conflict would name.
    assertThat(managersOf(k8s.deployment("api"), "replicas"))
        .containsExactly(WorkloadDrain.FIELD_MANAGER);
    assertThat(managersOf(k8s.cronJob("nightly"), "suspend"))
        .containsExactly(WorkloadDrain.FIELD_MANAGER);
    assertThat(k8s.deployment("api").getMetadata().getManagedFields())
        .filteredOn(e -> "fabric8-kubernetes-client".equals(e.getManager()))
        .noneMatch(e -> String.valueOf(e.getFieldsV1()).contains("f:replicas"));

    // Two forced syncs of a GitOps tool whose Git holds replicas: 3.
    for (int sync = 0; sync < 2; sync++) {
      kube.client()
          .apps()
          .deployments()
          .inNamespace(NAMESPACE)
          .withName("api")
          .patch(
              new PatchContext.Builder()
                  .withPatchType(PatchType.JSON_MERGE)
                  .withFieldManager("argocd")
                  .build(),
              "{\"spec\":{\"replicas\":3}}");
      await().until(() -> replicas(k8s.deployment("api")) == 0);
    }

    await()
        .until(
            () ->
                kube.eventsFor(active).stream()
                    .anyMatch(e -> "WorkloadChangedDuringWindow".equals(e.getReason())));
    Event changed =
        kube.eventsFor(active).stream()
            .filter(e -> "WorkloadChangedDuringWindow".equals(e.getReason()))
            .findFirst()
            .orElseThrow();
    assertThat(changed.getType()).isEqualTo("Warning");
    assertThat(changed.getMessage())
        .startsWith("Deployment/api had spec.replicas set back to 3 by field manager \"argocd\"")
        .contains("scaled to 0 again")
        .contains("ignoreDifferences")
        .contains("RespectIgnoreDifferences=true");
    assertThat(k8s.eventCount(active, "WorkloadChangedDuringWindow")).isEqualTo(1);
    assertThat(managersOf(k8s.deployment("api"), "replicas"))
        .containsExactly(WorkloadDrain.FIELD_MANAGER);
    MaintenanceWindow still = k8s.window("nightly");
    assertThat(still.getStatus().phase).isEqualTo(WindowPhase.Active);

    k8s.editWindow("nightly", w -> w.getSpec().active = false);
    k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
  }

  /** The field managers that own {@code spec.<field>} of {@code object}. */
  private static List<String> managersOf(HasMetadata object, String field) {
    return object.getMetadata().getManagedFields().stream()
        .filter(
            e ->
                e.getFieldsV1() != null
                    && e.getFieldsV1().getAdditionalProperties().get("f:spec")
                        instanceof Map<?, ?> spec
                    && spec.containsKey("f:" + field))
        .map(ManagedFieldsEntry::getManager)
        .toList();
  }

  @Test
  void anInvalidSpecIsRefusedNamingTheFieldAndNothingChanges() {
    createApplication();
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().drain.tasks = tasks("DELETE FROM tasks");
    kube.client().resource(window).create();

    MaintenanceWindow failed = k8s.awaitPhase("nightly", WindowPhase.Failed);

    assertThat(failed.getStatus().message)
        .startsWith("spec.drain.tasks.query must be a single SELECT returning one number");
    assertThat(k8s.eventReasons(failed)).contains("InvalidSpec");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(pg.tableExists("app_mode")).isFalse();
    assertThat(limit(app)).isEqualTo(5);

    k8s.editWindow(
        "nightly",
        w -> {
          w.getSpec().drain.tasks = tasks(TASKS);
          w.getSpec().active = false;
        });
    k8s.awaitPhase("nightly", WindowPhase.Idle);
  }

  @Test
  void aTasksQueryThatFailsHoldsTheStartWithNothingChangedUntilItWorks() {
    createApplication();
    k8s.setJobActive("import", 0);
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().drain.tasks = tasks("SELECT count(*) FROM jobs_queue");
    kube.client().resource(window).create();

    MaintenanceWindow refused =
        awaitCondition("nightly", Condition.READY, c -> "StartRefused".equals(c.reason));
    assertThat(refused.getStatus().phase).isEqualTo(WindowPhase.Draining);
    assertThat(refused.getStatus().drain.step).isEqualTo("announce");
    assertThat(refused.getStatus().message)
        .startsWith(
            "spec.drain.tasks.query failed: relation \"jobs_queue\" does not exist (SQLSTATE"
                + " 42P01); nothing was changed")
        .contains("nothing was changed; checking again in")
        .doesNotContain("\n")
        .doesNotContain(".;");
    assertThat(k8s.eventReasons(refused)).contains("StartRefused");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(pg.tableExists("app_mode")).isFalse();
    assertThat(limit(app)).isEqualTo(5);

    pg.execute("CREATE TABLE jobs_queue (id int)");

    k8s.awaitPhase("nightly", WindowPhase.Active);
  }

  @Test
  void aTasksQueryThatCannotReturnANumberFailsAtOnceAndStartsWhenFixed() {
    createApplication();
    k8s.setJobActive("import", 0);
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().drain.tasks = tasks("SELECT 'none'");
    kube.client().resource(window).create();

    MaintenanceWindow failed = k8s.awaitPhase("nightly", WindowPhase.Failed);
    assertThat(failed.getStatus().message)
        .startsWith("spec.drain.tasks.query must return a number");
    assertThat(Conditions.find(failed.getStatus(), Condition.FAILED).orElseThrow().reason)
        .isEqualTo("InvalidSpec");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(pg.tableExists("app_mode")).isFalse();
    // Refused for good until the spec changes: it does not start again by itself.
    await("stays Failed")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> k8s.window("nightly").getStatus().phase, p -> p == WindowPhase.Failed);
    assertThat(
            kube.eventsFor(failed).stream()
                .filter(e -> "DrainStarted".equals(e.getReason()))
                .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
                .sum())
        .as("drains started")
        .isEqualTo(1);

    k8s.editWindow("nightly", w -> w.getSpec().drain.tasks = tasks(TASKS));

    k8s.awaitPhase("nightly", WindowPhase.Active);
  }

  @Test
  void aTasksQueryThatTimesOutDuringTheDrainIsShownAndTheDrainGoesOnWhenItAnswers()
      throws Exception {
    MaintenanceWindow window = WindowFixtures.window("nightly");
    window.getSpec().drain.tasks = tasks(TASKS);
    window.getSpec().drain.tasks.statementTimeout = "200ms";
    waitingForOneTask(window);

    // A DBA's long lock on the tasks table: every sample now runs into its statement timeout.
    try (Connection dba = pg.dataSource().getConnection();
        Statement statement = dba.createStatement()) {
      dba.setAutoCommit(false);
      statement.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
      MaintenanceWindow retrying =
          k8s.awaitWindow(
              "nightly",
              w -> w.getStatus().message != null && w.getStatus().message.contains(" but "));
      assertThat(retrying.getStatus().message)
          .isEqualTo(
              "waiting for tasks to finish and sessions to end, but spec.drain.tasks.query did"
                  + " not finish within its statement timeout; the drain tries again every 100ms"
                  + " until spec.drain.timeout");
      assertThat(retrying.getStatus().phase).isEqualTo(WindowPhase.Draining);
      // The database answered (the query was cancelled by its own timeout); the last sample stays.
      assertThat(condition(retrying, Condition.DATABASE_REACHABLE)).isEqualTo("True");
      assertThat(retrying.getStatus().drain.pendingTasks).isEqualTo(1);
      statement.execute("UPDATE tasks SET status = 'done'");
      dba.commit();
    }

    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(active.getStatus().drain.pendingTasks).isZero();
    assertThat(active.getStatus().message).doesNotContain("statement timeout");
  }

  @Test
  void aStartThatKeepsBeingRefusedFailsAtTheTimeoutWithNothingToRestore() {
    createApplication();
    MaintenanceWindow window = fullWindow("nightly");
    window.getSpec().drain.tasks = tasks("SELECT count(*) FROM jobs_queue");
    window.getSpec().drain.timeout = "2s";
    kube.client().resource(window).create();

    MaintenanceWindow failed = k8s.awaitPhase("nightly", WindowPhase.Failed);

    assertThat(failed.getStatus().message)
        .startsWith("not drained within spec.drain.timeout (2s): the database check")
        .contains("jobs_queue");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(pg.tableExists("app_mode")).isFalse();
  }

  @Test
  void aWindowWithoutADatabaseDrainsOnlyWorkloads() {
    createApplication();
    MaintenanceWindow window = WindowFixtures.window("workloads-only");
    window.getSpec().database = null;
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    kube.client().resource(window).create();

    MaintenanceWindow active = k8s.awaitPhase("workloads-only", WindowPhase.Active);
    assertThat(active.getStatus().mode).isEqualTo(MaintenanceMode.MAINTENANCE);
    assertThat(kubelet.pods("api")).isEmpty();

    k8s.editWindow("workloads-only", w -> w.getSpec().active = false);
    k8s.awaitPhase("workloads-only", WindowPhase.Idle);
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
  }

  @Test
  void aNamedWorkloadThatDoesNotExistFailsTheDrainAndRestoresTheRest() {
    createApplication();
    MaintenanceWindow window = WindowFixtures.window("typo");
    window.getSpec().database = null;
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api-typo"));
    // worker exists, but as a StatefulSet: a kind that does not match counts as missing too.
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "worker"));
    kube.client().resource(window).create();

    MaintenanceWindow failed =
        k8s.awaitWindow(
            "typo",
            w -> w.getStatus().phase == WindowPhase.Failed && w.getStatus().drain.step == null);

    assertThat(WindowStatuses.failureReason(failed.getStatus())).isEqualTo("DrainFailed");
    assertThat(failed.getStatus().message)
        .contains("spec.drain.workloads[1] names Deployment api-typo, which does not exist");
    assertThat(condition(failed, Condition.DRAINED)).isNotEqualTo("True");
    assertThat(k8s.eventReasons(failed)).contains("DrainFailed").doesNotContain("Drained");
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void aDrainFailedAfterTheModeWasAnnouncedRestoresItAndSaysSoOnce() {
    createApplication();
    MaintenanceWindow window = WindowFixtures.window("typo");
    window.getSpec().modeTable = "app_mode";
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api-typo"));
    kube.client().resource(window).create();
    k8s.awaitWindow("typo", w -> "workloads".equals(w.getStatus().drain.step));
    assertThat(mode()).isEqualTo("waiting_for_maintenance");

    MaintenanceWindow failed =
        k8s.awaitWindow(
            "typo",
            w ->
                w.getStatus().phase == WindowPhase.Failed
                    && w.getStatus().message.endsWith("everything was restored"));

    assertThat(WindowStatuses.failureReason(failed.getStatus())).isEqualTo("DrainFailed");
    assertThat(mode()).isEqualTo("running");
    await().until(() -> k8s.eventCount(failed, "Restored") == 1);
    assertThat(k8s.eventReasons(failed)).contains("DrainFailed").doesNotContain("ScaledDown");
  }

  @Test
  void aWorkloadRecreatedDuringTheWindowIsANewObjectWithItsOwnReplicas() {
    createApplication();
    MaintenanceWindow window = WindowFixtures.window("recreated");
    window.getSpec().database = null;
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    kube.client().resource(window).create();
    k8s.awaitPhase("recreated", WindowPhase.Active);
    String oldUid = k8s.deployment("api").getMetadata().getUid();

    kube.client().apps().deployments().inNamespace(NAMESPACE).withName("api").delete();
    await().until(() -> k8s.deployment("api") == null);
    kube.client().resource(deployment("api", 5, Map.of("tier", "web"))).create();

    // Kept at 0 while the window is open, recorded as the new object it is.
    await()
        .until(
            () ->
                replicas(k8s.deployment("api")) == 0
                    && k8s.window("recreated").getStatus().drain.workloads.stream()
                        .anyMatch(r -> "5".equals(String.valueOf(r.originalReplicas))));
    assertThat(k8s.deployment("api").getMetadata().getUid()).isNotEqualTo(oldUid);

    k8s.editWindow("recreated", w -> w.getSpec().active = false);
    MaintenanceWindow idle = k8s.awaitPhase("recreated", WindowPhase.Idle);

    assertThat(replicas(k8s.deployment("api"))).isEqualTo(5);
    assertThat(k8s.eventReasons(idle)).contains("WorkloadGone");
  }

  @Test
  void aCronJobRecreatedDuringTheWindowKeepsItsOwnSuspendFlag() {
    kube.client().resource(cronJob("nightly", false, Map.of("app", "shop"))).create();
    MaintenanceWindow window = WindowFixtures.window("recreated-cron");
    window.getSpec().database = null;
    window.getSpec().drain.cronJobs = selection("app", "shop");
    kube.client().resource(window).create();
    k8s.awaitPhase("recreated-cron", WindowPhase.Active);

    kube.client().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nightly").delete();
    await().until(() -> k8s.cronJob("nightly") == null);
    kube.client().resource(cronJob("nightly", true, Map.of("app", "shop"))).create();
    await()
        .until(
            () ->
                k8s.window("recreated-cron").getStatus().drain.cronJobs.stream()
                    .anyMatch(r -> Boolean.TRUE.equals(r.originalSuspend)));

    k8s.editWindow("recreated-cron", w -> w.getSpec().active = false);
    MaintenanceWindow idle = k8s.awaitPhase("recreated-cron", WindowPhase.Idle);

    assertThat(k8s.cronJob("nightly").getSpec().getSuspend()).isTrue();
    assertThat(k8s.eventReasons(idle)).contains("WorkloadGone");
  }

  @Test
  void twoWindowsBlockingOneRoleKeepItBlockedUntilTheLastClosesWhichRestoresItsLimit() {
    kube.client().resource(blockingWindow("first")).create();
    k8s.awaitPhase("first", WindowPhase.Active);
    kube.client().resource(blockingWindow("second")).create();
    k8s.awaitPhase("second", WindowPhase.Active);

    k8s.editWindow("first", w -> w.getSpec().active = false);
    k8s.awaitPhase("first", WindowPhase.Idle);
    assertThat(limit(app)).as("the second window still needs it blocked").isZero();
    assertThat(blocks()).containsExactly(app + "|" + NAMESPACE + "/second|5");

    k8s.editWindow("second", w -> w.getSpec().active = false);
    k8s.awaitPhase("second", WindowPhase.Idle);
    assertThat(limit(app)).isEqualTo(5);
    assertThat(blocks()).isEmpty();
  }

  @Test
  void aLimitADbaChangesWhileTheRoleIsBlockedIsLeftAsItIsAndReported() {
    kube.client().resource(blockingWindow("changed")).create();
    k8s.awaitPhase("changed", WindowPhase.Active);
    assertThat(limit(app)).isZero();
    pg.execute("ALTER ROLE " + app + " CONNECTION LIMIT 2"); // a DBA lets a support session in

    k8s.editWindow("changed", w -> w.getSpec().active = false);
    k8s.awaitPhase("changed", WindowPhase.Idle);

    assertThat(limit(app)).as("the DBA's limit, not the one recorded").isEqualTo(2);
    assertThat(blocks()).isEmpty();
    assertThat(kube.eventsFor(k8s.window("changed")))
        .filteredOn(e -> e.getReason().equals("RoleLimitChanged"))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).startsWith(app + " (now 2): no longer at"));
  }

  @Test
  void aRoleBlockedWhenTheWindowsStatusIsLostGetsItsLimitBack() {
    kube.client().resource(blockingWindow("lost")).create();
    k8s.awaitPhase("lost", WindowPhase.Active);
    assertThat(limit(app)).isZero();

    // The status is lost (removed, or the resource restored from a backup) while Active.
    kube.stopOperator();
    MaintenanceWindow current = k8s.window("lost");
    current.setStatus(new MaintenanceWindowStatus());
    kube.client().resource(current).updateStatus();
    kube.restartOperator();
    k8s.awaitWindow(
        "lost", w -> w.getStatus() != null && w.getStatus().phase == WindowPhase.Active);

    k8s.editWindow("lost", w -> w.getSpec().active = false);
    k8s.awaitPhase("lost", WindowPhase.Idle);
    assertThat(limit(app)).isEqualTo(5);
  }

  @Test
  void aSecretRepointedWhileTheWindowIsOpenNeverRestoresTheOtherDatabase() {
    TestDatabase other = pg.createDatabase();
    kube.client().resource(blockingWindow("nightly")).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(active.getStatus().database.name).isEqualTo(pg.databaseName());
    assertThat(active.getStatus().database.server).matches("[^,]+:\\d+");
    assertThat(Serialization.asJson(active.getStatus())).doesNotContain(PASSWORD);
    assertThat(limit(app)).isZero();

    pointSecretAt(other);
    k8s.editWindow("nightly", w -> w.getSpec().active = false);

    // The window reports the re-pointed Secret while still Active, so the condition can be there
    // before the restore's own pass, which records Restoring ("the window closed; restoring")
    // before it tries the database: wait for that pass's message.
    MaintenanceWindow stuck =
        k8s.awaitWindow(
            "nightly",
            w ->
                w.getStatus().phase == WindowPhase.Restoring
                    && Conditions.find(w.getStatus(), Condition.DATABASE_REACHABLE)
                        .map(c -> "SecretRepointed".equals(c.reason))
                        .orElse(false)
                    && String.valueOf(w.getStatus().message).startsWith("Secret 'app-db' now"));
    String message =
        Conditions.find(stuck.getStatus(), Condition.DATABASE_REACHABLE).orElseThrow().message;
    assertThat(message)
        .startsWith("Secret 'app-db' now points to database \"" + other.name() + "\"")
        .contains("this window put database \"" + pg.databaseName() + "\"")
        .contains("Point the Secret back")
        .contains("pitstop maintenance exit --holder " + NAMESPACE + "/nightly")
        .doesNotContain(PASSWORD);
    assertThat(stuck.getStatus().message).isEqualTo(message);
    await()
        .until(
            () ->
                kube.eventsFor(stuck).stream()
                    .anyMatch(
                        e ->
                            "SecretRepointed".equals(e.getReason())
                                && "Warning".equals(e.getType())));
    // Nothing is done on the other database; the first stays in maintenance, the role blocked.
    kube.reconcileAll();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> k8s.window("nightly").getStatus().phase == WindowPhase.Restoring);
    assertThat(other.tableExists("app_mode")).isFalse();
    assertThat(other.tableExists("pitstop_blocked_roles")).isFalse();
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(limit(app)).isZero();
    assertThat(k8s.eventReasons(k8s.window("nightly"))).doesNotContain("Restored");

    pointSecretAt(pg.database());

    MaintenanceWindow idle = k8s.awaitPhase("nightly", WindowPhase.Idle);
    assertThat(mode()).isEqualTo("running");
    assertThat(limit(app)).isEqualTo(5);
    assertThat(idle.getStatus().database).isNull();
    assertThat(k8s.eventCount(idle, "Restored")).isEqualTo(1);
    assertThat(other.tableExists("app_mode")).isFalse();
  }

  @Test
  void aSecretRepointedWhileTheWindowStaysOpenIsReportedAtOnceNotAtTheNextRenewal() {
    TestDatabase other = pg.createDatabase();
    kube.client().resource(blockingWindow("nightly")).create();
    k8s.awaitPhase("nightly", WindowPhase.Active);

    pointSecretAt(other);

    MaintenanceWindow repointed =
        awaitCondition(
            "nightly", Condition.DATABASE_REACHABLE, c -> "SecretRepointed".equals(c.reason));
    assertThat(repointed.getStatus().phase).isEqualTo(WindowPhase.Active);
    String message =
        Conditions.find(repointed.getStatus(), Condition.DATABASE_REACHABLE).orElseThrow().message;
    assertThat(message).startsWith("Secret 'app-db' now points to database \"" + other.name());
    kube.reconcileAll();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> message.equals(k8s.window("nightly").getStatus().message));
    awaitEvent(repointed, "SecretRepointed", "now points to database");
    assertThat(other.tableExists("app_mode")).isFalse();
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(limit(app)).isZero();

    pointSecretAt(pg.database());

    MaintenanceWindow back =
        awaitCondition("nightly", Condition.DATABASE_REACHABLE, c -> "True".equals(c.status));
    assertThat(back.getStatus().phase).isEqualTo(WindowPhase.Active);
    assertThat(back.getStatus().message).startsWith("drained: mode maintenance");
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(limit(app)).isZero();
  }

  @Test
  void aWindowDeletedWhileItsSecretPointsElsewhereKeepsItsFinalizerAndSaysWhy() {
    TestDatabase other = pg.createDatabase();
    kube.client().resource(blockingWindow("nightly")).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    pointSecretAt(other);

    kube.client().resource(active).delete();

    awaitEvent(active, "SecretRepointed", "finalizer stays");
    assertThat(k8s.window("nightly")).isNotNull();
    assertThat(k8s.eventReasons(active)).doesNotContain("Restored");
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(other.tableExists("app_mode")).isFalse();

    pointSecretAt(pg.database());

    await().atMost(Duration.ofSeconds(60)).until(() -> k8s.window("nightly") == null);
    assertThat(mode()).isEqualTo("running");
    assertThat(limit(app)).isEqualTo(5);
  }

  @Test
  void aWindowDeletedTogetherWithItsSecretRestoresTheDatabaseItOpenedAndGoes() {
    kube.client().resource(blockingWindow("nightly")).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);
    assertThat(limit(app)).isZero();
    assertThat(mode()).isEqualTo("maintenance");

    // An application deleted (pruned, its namespace deleted) by a GitOps tool: the Secret goes
    // with the window, here even before the window is seen deleted.
    Secret secret = kube.client().secrets().inNamespace(NAMESPACE).withName("app-db").get();
    kube.client().resource(secret).delete();
    kube.awaitGone(secret);
    kube.client().resource(active).delete();

    await().atMost(Duration.ofSeconds(60)).until(() -> k8s.window("nightly") == null);
    assertThat(mode()).isEqualTo("running");
    assertThat(limit(app)).isEqualTo(5);
    assertThat(blocks()).isEmpty();
    assertThat(pg.queryStrings("SELECT holder FROM app_mode_holders")).isEmpty();
    assertThat(kube.eventsFor(active))
        .filteredOn(e -> "SecretGone".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"))
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .startsWith("Secret 'app-db' does not exist")
                    .contains("database \"" + pg.databaseName() + "\"")
                    .doesNotContain(PASSWORD));
    assertThat(k8s.eventReasons(active)).contains("Restored");
  }

  @Test
  void aWindowWhoseSecretWentWhileTheOperatorWasDownKeepsItsFinalizerAndSaysWhatToDo() {
    kube.client().resource(blockingWindow("nightly")).create();
    MaintenanceWindow active = k8s.awaitPhase("nightly", WindowPhase.Active);

    // Without the connection settings the window opened with, nothing is restored anywhere.
    kube.stopOperator();
    kube.client().secrets().inNamespace(NAMESPACE).withName("app-db").delete();
    kube.restartOperator();
    kube.client().resource(active).delete();

    awaitEvent(active, "SecretGone", "finalizer stays");
    String message = k8s.window("nightly").getStatus().message;
    assertThat(message)
        .startsWith(
            "cannot restore the database side yet: spec.database.secretRef: Secret 'app-db' does"
                + " not exist. The MaintenanceWindow is being deleted")
        .contains("database \"" + pg.databaseName() + "\"")
        .contains("Create the Secret again")
        .contains("pitstop maintenance exit --holder " + NAMESPACE + "/nightly")
        .contains("kubectl patch mw nightly");
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(limit(app)).isZero();

    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();

    await().atMost(Duration.ofSeconds(60)).until(() -> k8s.window("nightly") == null);
    assertThat(mode()).isEqualTo("running");
    assertThat(limit(app)).isEqualTo(5);
  }

  /** Points Secret app-db at {@code database} (same server, user and password). */
  private void pointSecretAt(TestDatabase database) {
    Map<String, String> data =
        secret("app-db", database.jdbcUrl(), pg.user(), PASSWORD).getStringData();
    kube.client()
        .secrets()
        .inNamespace(NAMESPACE)
        .withName("app-db")
        .edit(
            s -> {
              s.setData(null);
              s.setStringData(data);
              return s;
            });
  }

  /** An on-demand window that only blocks the role app (limit 5). */
  private MaintenanceWindow blockingWindow(String name) {
    MaintenanceWindow w = WindowFixtures.window(name);
    w.getSpec().modeTable = "app_mode";
    w.getSpec().drain.connections = connections(app, "1s", false, true);
    return w;
  }

  /** The rows of pitstop_blocked_roles as role|holder|limit. */
  private List<String> blocks() {
    return pg.queryStrings(
        "SELECT role || '|' || holder || '|' || original_connection_limit"
            + " FROM pitstop_blocked_roles ORDER BY role, holder");
  }

  private void assertRestored() {
    assertThat(replicas(k8s.deployment("api"))).isEqualTo(3);
    assertThat(k8s.statefulSet("worker").getSpec().getReplicas()).isEqualTo(2);
    assertThat(k8s.deployment("api").getMetadata().getAnnotations())
        .doesNotContainKeys(Workloads.ORIGINAL_REPLICAS, Workloads.DRAINED_BY);
    assertThat(k8s.cronJob("nightly").getSpec().getSuspend()).isFalse();
    assertThat(k8s.cronJob("paused").getSpec().getSuspend()).isTrue();
    assertThat(limit(app)).isEqualTo(5);
    assertThat(mode()).isEqualTo("running");
  }

  private String mode() {
    return pg.queryStrings("SELECT mode FROM app_mode").get(0);
  }

  private long limit(String role) {
    return pg.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", role);
  }

  /** Waits until the window's condition {@code type} passes {@code test}. */
  private MaintenanceWindow awaitCondition(String name, String type, Predicate<Condition> test) {
    return k8s.awaitWindow(
        name, w -> Conditions.find(w.getStatus(), type).map(test::test).orElse(false));
  }

  /**
   * Waits for an Event of {@code window} with {@code reason} whose message contains {@code text}.
   */
  private void awaitEvent(MaintenanceWindow window, String reason, String text) {
    await(reason + " containing '" + text + "'")
        .until(
            () ->
                kube.eventsFor(window).stream()
                    .anyMatch(e -> reason.equals(e.getReason()) && e.getMessage().contains(text)));
  }
}
