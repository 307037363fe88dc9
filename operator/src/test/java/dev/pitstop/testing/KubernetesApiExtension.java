package dev.pitstop.testing;

import dev.pitstop.embedded.EmbeddedKubernetesApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a fresh in-process Kubernetes API in CRUD mode with the committed CRDs from
 * {@code crds/} registered. Use with {@code @RegisterExtension}.
 */
public final class KubernetesApiExtension implements BeforeEachCallback, AfterEachCallback {
  private EmbeddedKubernetesApi api;

  @Override
  public void beforeEach(ExtensionContext context) {
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (api != null) {
      api.close();
      api = null;
    }
  }

  /** A client for the current test's API server. */
  public KubernetesClient client() {
    return api().client();
  }

  /** The current test's API server. */
  public EmbeddedKubernetesApi api() {
    if (api == null) {
      throw new IllegalStateException("the Kubernetes API is only available inside a test");
    }
    return api;
  }
}
