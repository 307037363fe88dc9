package dev.pitstop.testing;

import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Requests a run of a resource right after creating it, as a user does: create, then annotate. A
 * resource created with {@code pitstop.dev/run-requested-at} already set adopts that value and runs
 * nothing (as one re-created from Git must not), so tests that want a run at once annotate it after
 * the operator has seen the resource.
 */
public final class RunRequests {
  private RunRequests() {}

  /**
   * Creates {@code resource} without its {@code pitstop.dev/run-requested-at} annotation, waits
   * until the operator has seen it, then sets the annotation to the value it had (or {@code now}).
   *
   * @return the resource as created
   */
  public static <S extends PitstopStatus, T extends CustomResource<?, S>> T createThenRequest(
      KubernetesClient client, T resource) {
    Map<String, String> annotations =
        resource.getMetadata().getAnnotations() == null
            ? new HashMap<>()
            : new HashMap<>(resource.getMetadata().getAnnotations());
    String value = annotations.remove(Pitstop.RUN_REQUESTED_AT);
    resource.getMetadata().setAnnotations(annotations);
    T created = client.resource(resource).create();
    await("the operator sees " + created.getMetadata().getName())
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              T current = client.resource(created).get();
              return current != null
                  && current.getStatus() != null
                  && current.getStatus().observedGeneration != null;
            });
    request(client, created, value == null ? "now" : value);
    return created;
  }

  /**
   * Creates {@code resource}; a CleanupSchedule that carries the annotation is created without it
   * and requested right after (see {@link #createThenRequest}). Other kinds run when created.
   *
   * @return the resource as created
   */
  public static HasMetadata create(KubernetesClient client, HasMetadata resource) {
    if (resource instanceof CleanupSchedule cls
        && cls.getMetadata().getAnnotations() != null
        && cls.getMetadata().getAnnotations().containsKey(Pitstop.RUN_REQUESTED_AT)) {
      return createThenRequest(client, cls);
    }
    return client.resource(resource).create();
  }

  /** Sets the annotation with a merge patch, as {@code kubectl annotate} sends. */
  public static <T extends CustomResource<?, ?>> void request(
      KubernetesClient client, T resource, String value) {
    client
        .resource(resource)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(
                Map.of(
                    "metadata", Map.of("annotations", Map.of(Pitstop.RUN_REQUESTED_AT, value)))));
  }
}
