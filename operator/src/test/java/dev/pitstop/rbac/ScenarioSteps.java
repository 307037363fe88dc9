package dev.pitstop.rbac;

import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** Steps the permission scenarios share: objects they apply and what they wait for. */
final class ScenarioSteps {
  private ScenarioSteps() {}

  /** An on-demand window with nothing to drain: Active once reconciled if {@code active}. */
  static MaintenanceWindow onDemandWindow(String name, boolean active) {
    MaintenanceWindow window = new MaintenanceWindow();
    window.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace(PermissionScenario.NAMESPACE).build());
    window.setSpec(new MaintenanceWindowSpec());
    window.getSpec().active = active;
    return window;
  }

  /** Waits until the object has a status that satisfies {@code condition}. */
  static <T extends CustomResource<?, ?>> void awaitStatus(
      Resource<T> resource, Predicate<T> condition) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(resource::get, r -> r != null && r.getStatus() != null && condition.test(r));
  }

  /** The Events about the object {@code name} in the scenarios' namespace. */
  static List<Event> events(KubernetesClient client, String name) {
    return client.v1().events().inNamespace(PermissionScenario.NAMESPACE).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Waits until Events with all of {@code reasons} were recorded about {@code name}. */
  static void awaitEvents(KubernetesClient client, String name, String... reasons) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> events(client, name).stream().map(Event::getReason).toList(),
            found -> found.containsAll(List.of(reasons)));
  }
}
