package dev.pitstop.reconciler;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.deployment;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.cleanupschedule.CleanupFixtures;
import dev.pitstop.reconciler.maintenancewindow.TestKubelet;
import dev.pitstop.reconciler.maintenancewindow.WindowFixtures;
import dev.pitstop.reconciler.maintenancewindow.WindowTestSupport;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.SqlGate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A DatabaseMigration gated by a MaintenanceWindow waits for it, runs only while it is Active, is
 * listed in its holders, and the window restores only after the migration finished.
 */
class WindowGateIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private WindowTestSupport k8s;
  private TestKubelet kubelet;
  private SqlGate gate;

  @BeforeEach
  void setUp() {
    k8s = new WindowTestSupport(kube);
    kubelet = new TestKubelet(kube.client(), NAMESPACE);
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw-gate")).create();
    kube.client().resource(deployment("api", 2, Map.of())).create();
  }

  @AfterEach
  void stopKubelet() {
    kubelet.close();
    if (gate != null) {
      gate.close();
    }
  }

  @Test
  void aGatedMigrationWaitsRunsInsideTheWindowAndHoldsTheRestoreUntilItFinishes() throws Exception {
    MaintenanceWindow window = WindowFixtures.window("release");
    window.getSpec().active = false;
    window.getSpec().modeTable = "app_mode";
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    kube.client().resource(window).create();
    k8s.awaitPhase("release", WindowPhase.Idle);
    // The migration goes on until the test opens the gate, however long closing the window takes.
    gate = SqlGate.closed(pg.dataSource());
    String slow = "CREATE TABLE release_marker (id int);\n" + gate.statement() + "\n";
    kube.client().resource(configMap("release-sql", Map.of("V1__slow.sql", slow))).create();
    DatabaseMigration dbm = migration("release-42", "app-db", "release-sql");
    dbm.getSpec().maintenanceWindowRef = new LocalObjectRef("release");
    kube.client().resource(dbm).create();

    DatabaseMigration waiting = awaitMigration("release-42", MigrationPhase.WaitingForWindow);
    assertThat(waiting.getStatus().message)
        .isEqualTo("waiting for MaintenanceWindow 'release' to be Active (it is Idle)");
    assertThat(pg.tableExists("release_marker")).isFalse();

    k8s.editWindow("release", w -> w.getSpec().active = true);

    awaitMigration("release-42", MigrationPhase.Migrating);
    MaintenanceWindow holding =
        k8s.awaitWindow(
            "release", w -> w.getStatus().holders.contains("DatabaseMigration/release-42"));
    assertThat(holding.getStatus().phase).isEqualTo(WindowPhase.Active);

    // Closing the window while the migration runs: no new holder starts, the running one goes on.
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    CompletableFuture<Void> watcher =
        CompletableFuture.runAsync(
            () ->
                // Looks every 20 ms until told to stop.
                await()
                    .atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(20))
                    .until(
                        () -> {
                          MaintenanceWindow w = k8s.window("release");
                          DatabaseMigration d = dbm("release-42");
                          if (d.getStatus().phase == MigrationPhase.Migrating
                              && (w.getStatus().phase != WindowPhase.Active
                                  || k8s.deployment("api").getSpec().getReplicas() != 0)) {
                            violations.add(
                                w.getStatus().phase + " while the migration was running");
                          }
                          return !watching.get();
                        }));
    k8s.editWindow("release", w -> w.getSpec().active = false);
    MaintenanceWindow closing =
        k8s.awaitWindow(
            "release", w -> w.getStatus().message.contains("to finish before restoring"));
    assertThat(closing.getStatus().phase).isEqualTo(WindowPhase.Active);
    assertThat(closing.getStatus().windowEnd).isNotNull();
    DatabaseMigration late = migration("late", "app-db", "release-sql");
    late.getSpec().maintenanceWindowRef = new LocalObjectRef("release");
    late.getSpec().historyTable = "late_history";
    kube.client().resource(late).create();

    gate.open();
    DatabaseMigration done = awaitMigration("release-42", MigrationPhase.Succeeded);
    MaintenanceWindow idle = k8s.awaitPhase("release", WindowPhase.Idle);
    watching.set(false);
    watcher.get();

    assertThat(violations).isEmpty();
    assertThat(done.getStatus().currentVersion).isEqualTo("1");
    assertThat(idle.getStatus().holders).isEmpty();
    assertThat(k8s.deployment("api").getSpec().getReplicas()).isEqualTo(2);
    assertThat(dbm("late").getStatus().phase).isEqualTo(MigrationPhase.WaitingForWindow);
    assertThat(dbm("late").getStatus().message).contains("MaintenanceWindow 'release'");
    assertThat(pg.tableExists("late_history")).isFalse();
  }

  @Test
  void sandboxResetsAndCleanupsRunningInsideTheWindowAreHolders() {
    // Both runs go on until the test opens the gate: the reset in its seed, the cleanup in its
    // first batch.
    gate = SqlGate.closed(pg.dataSource());
    pg.execute(
        "CREATE SCHEMA sandbox; CREATE TABLE sandbox.users (id int);"
            + " INSERT INTO sandbox.users VALUES (1), (2);"
            + " CREATE TABLE tokens (id serial PRIMARY KEY, expired boolean NOT NULL);"
            + " INSERT INTO tokens (expired) SELECT true FROM generate_series(1, 6);"
            + " CREATE FUNCTION held() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + gate.plpgsql()
            + " RETURN NULL; END $$;"
            + " CREATE TRIGGER held BEFORE DELETE ON tokens EXECUTE FUNCTION held();");
    MaintenanceWindow window = WindowFixtures.window("release");
    window.getSpec().database = null;
    kube.client().resource(window).create();
    k8s.awaitPhase("release", WindowPhase.Active);

    SandboxReset reset = new SandboxReset();
    reset.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace(NAMESPACE).build());
    reset.setSpec(new SandboxResetSpec());
    reset.getSpec().database = new DatabaseRef("app-db");
    reset.getSpec().confirmDatabaseName = pg.databaseName();
    reset.getSpec().schemas = List.of("sandbox");
    reset.getSpec().seed = new ScriptSource();
    reset.getSpec().seed.inline.add(new InlineScript("01-held.sql", gate.statement()));
    reset.getSpec().maintenanceWindowRef = new LocalObjectRef("release");
    kube.client().resource(reset).create();
    CleanupSchedule cleanup =
        CleanupFixtures.schedule(
            "tokens", "app-db", CleanupFixtures.where("expired", "tokens", "expired"));
    cleanup.getSpec().batchSize = 1;
    cleanup.getSpec().pauseBetweenBatches = "500ms";
    cleanup.getSpec().maintenanceWindowRef = new LocalObjectRef("release");
    cleanup.getMetadata().setAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "now"));
    RunRequests.createThenRequest(kube.client(), cleanup);

    k8s.awaitWindow(
        "release",
        w ->
            w.getStatus().holders.contains("SandboxReset/sandbox")
                && w.getStatus().holders.contains("CleanupSchedule/tokens"));
    k8s.editWindow("release", w -> w.getSpec().active = false);
    MaintenanceWindow closing =
        k8s.awaitWindow(
            "release", w -> w.getStatus().message.contains("to finish before restoring"));
    assertThat(closing.getStatus().phase).isEqualTo(WindowPhase.Active);

    gate.open();
    MaintenanceWindow idle = k8s.awaitPhase("release", WindowPhase.Idle);
    assertThat(idle.getStatus().holders).isEmpty();
    assertThat(pg.rowCount("sandbox.users")).isZero();
    assertThat(pg.rowCount("tokens")).isZero();
    assertThat(k8s.deployment("api").getSpec().getReplicas()).isEqualTo(2);
  }

  private DatabaseMigration dbm(String name) {
    return kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  private DatabaseMigration awaitMigration(String name, MigrationPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> dbm(name),
            d -> d != null && d.getStatus() != null && d.getStatus().phase == phase);
  }
}
