package dev.pitstop.testing;

import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real Pitstop operator (JOSDK) against a fresh in-process Kubernetes API in CRUD mode,
 * with the committed CRDs registered, for each test. Status patches use JSON patch because the mock
 * API server rejects server-side apply.
 */
public final class OperatorExtension implements BeforeEachCallback, AfterEachCallback {
  private EmbeddedKubernetesApi api;
  private PitstopOperator operator;
  private OperatorSettings settings = OperatorSettings.defaults().withUseSsa(false).withHttpPort(0);

  /** Uses other settings (SSA is always off against the mock API server). */
  public OperatorExtension withSettings(OperatorSettings custom) {
    this.settings = custom.withUseSsa(false);
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
    operator = PitstopOperator.start(api.client(), settings);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      stopOperator();
    } finally {
      if (api != null) {
        api.close();
        api = null;
      }
    }
  }

  /** Stops the operator (as a crash or a rollout would), keeping the API server's state. */
  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  /** Starts a new operator against the same API server. */
  public void restartOperator() {
    stopOperator();
    operator = PitstopOperator.start(api.client(), settings);
  }

  public KubernetesClient client() {
    return api.client();
  }

  public PitstopOperator operator() {
    return operator;
  }

  /** Events recorded for {@code object}. */
  public List<Event> eventsFor(HasMetadata object) {
    return client()
        .v1()
        .events()
        .inNamespace(object.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(e -> object.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .filter(e -> object.getKind().equals(e.getInvolvedObject().getKind()))
        .toList();
  }
}
