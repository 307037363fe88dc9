package dev.pitstop.reconciler.maintenancewindow;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.deployment;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixtures.named;
import static dev.pitstop.reconciler.maintenancewindow.WindowTestSupport.replicas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.operator.PitstopOperator;
import dev.pitstop.reconciler.RunNotices;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.WebhookReceiver;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator stops (SIGTERM, or a test's crash) while a reconcile is under way: that reconcile
 * ends with the operator's caches intact before reconciling stops. The reconcile held here is the
 * one that fails a drain and restores what it changed: it sends the failure's chat message (held by
 * the webhook until the test lets it answer), then restores the Deployment it scaled to 0, which it
 * looks up in the operator's cache.
 */
class OperatorStopMidReconcileIT {
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private final WebhookReceiver webhook = WebhookReceiver.held();
  private WindowTestSupport k8s;
  private TestKubelet kubelet;

  @BeforeEach
  void setUp() {
    k8s = new WindowTestSupport(kube);
    kubelet = new TestKubelet(kube.client(), NAMESPACE);
  }

  @AfterEach
  void tearDown() {
    webhook.close();
    kubelet.close();
  }

  @Test
  void stoppingLetsTheReconcileUnderWayRestoreWhatTheFailedDrainScaledDown() throws Exception {
    stopDuringTheFailedDrainsReconcile(PitstopOperator::close);
  }

  @Test
  void aCrashSimulationToo() throws Exception {
    stopDuringTheFailedDrainsReconcile(PitstopOperator::halt);
  }

  private void stopDuringTheFailedDrainsReconcile(Consumer<PitstopOperator> stop) throws Exception {
    Deployment api = kube.client().resource(deployment("api", 3, Map.of("tier", "web"))).create();
    await().until(() -> kubelet.pods("api").size() == 3);
    kubelet.pause(); // the Pods stay: the drain waits for them until its timeout fails it
    kube.createObserved(webhook.secret("chat", NAMESPACE));
    MaintenanceWindow window = WindowFixtures.window("stopping");
    window.getSpec().database = null;
    window.getSpec().drain.workloads.add(named(Drain.WorkloadKind.Deployment, "api"));
    window.getSpec().drain.timeout = "2s";
    window.getSpec().notify = new RunNotify();
    window.getSpec().notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
    window.getSpec().notify.webhookSecretRef.name = "chat";
    window.getSpec().notify.results = List.of(RunNotify.Result.Failure);
    kube.client().resource(window).create();

    assertThat(webhook.awaitMessage(60))
        .as("the failure's message, sent by the reconcile that then restores")
        .isTrue();
    assertThat(replicas(k8s.deployment("api"))).as("scaled to 0 by the drain").isZero();

    PitstopOperator running = kube.operator();
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> stop.accept(running));
    try {
      long holdUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < holdUntil) {
        assertThat(kube.observes(api))
            .as("the operator still has Deployment api while the reconcile runs")
            .isTrue();
        assertThat(stopping).as("stopping waits for the reconcile").isNotDone();
        Thread.sleep(20);
      }
    } finally {
      webhook.release();
    }
    stopping.get(30, TimeUnit.SECONDS);
    kube.stopOperator();

    MaintenanceWindow failed = k8s.window("stopping");
    assertThat(replicas(k8s.deployment("api"))).as("restored by the held reconcile").isEqualTo(3);
    assertThat(failed.getStatus().phase).isEqualTo(WindowPhase.Failed);
    assertThat(failed.getStatus().message).endsWith("everything was restored");
    assertThat(failed.getStatus().drain.workloads).isEmpty();
    assertThat(k8s.eventReasons(failed)).contains("DrainTimeout").doesNotContain("WorkloadGone");
    assertThat(WindowTestSupport.condition(failed, RunNotices.NOTIFICATION_DELIVERED))
        .isEqualTo("True");
    assertThat(webhook.messages()).hasSize(1);
    assertThat(webhook.messages().get(0)).contains("/stopping: Failure");
  }
}
