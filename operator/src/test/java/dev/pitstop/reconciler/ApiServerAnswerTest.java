package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

class ApiServerAnswerTest {
  @Test
  void theApiServersOwnSentenceNotTheClientsWrapping() {
    String denial =
        "admission webhook \"policy.example.com\" denied the request: replicas are frozen";
    KubernetesClientException refused =
        new KubernetesClientException(
            "Failure executing: PATCH at: https://10.0.0.1/apis/apps/v1/namespaces/shop"
                + "/deployments/api. Message: "
                + denial
                + ". Received status: Status(apiVersion=v1, code=403, details=null, kind=Status)",
            403,
            new StatusBuilder().withCode(403).withMessage(denial).build());

    assertThat(ApiServerAnswer.of(refused)).isEqualTo(denial);
    assertThat(ApiServerAnswer.of(new KubernetesClientException("connection reset")))
        .isEqualTo("connection reset");
  }
}
