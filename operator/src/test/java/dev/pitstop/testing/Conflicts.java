package dev.pitstop.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Retries a test's read-modify-write of a resource the operator writes too (status, finalizers):
 * the API server answers 409 Conflict when the operator's write came between the read and the
 * write, as it does to kubectl edit.
 */
public final class Conflicts {
  private Conflicts() {}

  /** Runs {@code edit} again (it re-reads the resource) while the server answers 409. */
  public static <T> T retry(Supplier<T> edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return edit.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /**
   * Changes one object as a user's {@code kubectl edit} does (read, change, write), again while the
   * server answers 409.
   */
  public static <T extends HasMetadata> void edit(
      KubernetesClient client, Class<T> kind, String namespace, String name, Consumer<T> change) {
    retry(
        () ->
            client
                .resources(kind)
                .inNamespace(namespace)
                .withName(name)
                .edit(
                    object -> {
                      change.accept(object);
                      return object;
                    }));
  }
}
