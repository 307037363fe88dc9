package dev.pitstop.rbac;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess.cronJob;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess.deployment;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess.fullWindow;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess.job;
import static dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess.statefulSet;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.WindowPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** MaintenanceWindow scenarios for {@link OperatorPermissionsIT}. */
final class MaintenanceWindowScenarios {
  private MaintenanceWindowScenarios() {}

  static List<PermissionScenario> all() {
    return List.of(drainedRestoredAndDeleted());
  }

  /**
   * An on-demand window drains a Deployment, a StatefulSet and a CronJob and waits for Jobs and the
   * tasks query, is closed and restores, then is deleted: the patch removing its finalizer meets a
   * conflict (as when another client changed the window meanwhile), so the operator reads the
   * window again and retries.
   */
  static PermissionScenario drainedRestoredAndDeleted() {
    return new PermissionScenario() {
      @Override
      public String name() {
        return "MaintenanceWindow drained, restored and deleted";
      }

      @Override
      public void run(Run run) {
        KubernetesClient client = run.client();
        run.pg().execute("CREATE TABLE tasks (id int, status text)");
        client
            .resource(secret("app-db", run.pg().jdbcUrl(), run.pg().user(), run.pg().password()))
            .create();
        client.resource(deployment("api", 2, Map.of())).create();
        client.resource(statefulSet("worker", 1, Map.of("tier", "worker"))).create();
        client.resource(cronJob("nightly", false, Map.of("app", "shop"))).create();
        client.resource(job("import", 0, Map.of("app", "shop"))).create();
        client
            .resource(fullWindow("nightly", "SELECT count(*) FROM tasks WHERE status = 'running'"))
            .create();
        awaitPhase(client, WindowPhase.Active);

        window(client)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"active\":false}}");
        awaitPhase(client, WindowPhase.Idle);

        run.conflicts()
            .nextPatch(
                "/apis/pitstop.dev/v1alpha1/namespaces/"
                    + PermissionScenario.NAMESPACE
                    + "/maintenancewindows/nightly");
        window(client).delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> window(client).get() == null);
      }
    };
  }

  private static io.fabric8.kubernetes.client.dsl.Resource<MaintenanceWindow> window(
      KubernetesClient client) {
    return client
        .resources(MaintenanceWindow.class)
        .inNamespace(PermissionScenario.NAMESPACE)
        .withName("nightly");
  }

  private static void awaitPhase(KubernetesClient client, WindowPhase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> window(client).get(),
            w -> w != null && w.getStatus() != null && w.getStatus().phase == phase);
  }
}
