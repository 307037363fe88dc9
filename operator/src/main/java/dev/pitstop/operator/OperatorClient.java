package dev.pitstop.operator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The API client the operator reads and writes with: the caller's connection settings, and JSON
 * that tolerates fields the API classes do not have.
 *
 * <p>A resource written by a newer operator version, whose CRD has more spec or status fields
 * (during an upgrade, or after a rollback), must not stop the informer of its kind: fabric8 stops
 * an informer for good on an object it cannot deserialize, and JOSDK then reconciles no resource of
 * that kind. With unknown properties ignored, such a resource is read as far as this version
 * understands it. Status objects keep the unknown fields and write them back ({@link
 * dev.pitstop.api.v1alpha1.KeepsUnknownFields}); unknown spec fields are only ignored, the operator
 * never writes a spec.
 *
 * <p>The command line reads manifests with a strict mapper of its own, so a misspelt field in a
 * file is still refused there.
 */
public final class OperatorClient {
  private OperatorClient() {}

  /** fabric8's serialization, except that unknown properties are ignored when reading. */
  public static KubernetesSerialization serialization() {
    return new KubernetesSerialization(
        new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES), true);
  }

  /** A new client with {@code client}'s configuration and {@link #serialization()}. */
  static KubernetesClient from(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(client.getConfiguration())
        .withKubernetesSerialization(serialization())
        .build();
  }
}
