package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.testing.OperatorExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resources written by a newer operator version, with spec and status fields this version does not
 * know, are reconciled like any other, and the status this version writes (a status update, as with
 * {@code --ssa=false}) keeps the unknown status fields. Before, one such resource stopped the
 * informer of its kind: no resource of the kind was reconciled any more.
 */
class UnknownFieldsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @Test
  void aCleanupScheduleFromANewerVersionIsReconciledAndKeepsItsUnknownStatusFields()
      throws Exception {
    writtenByANewerVersion(
        """
        {"apiVersion": "pitstop.dev/v1alpha1", "kind": "CleanupSchedule",
         "metadata": {"name": "newer", "namespace": "default"},
         "spec": {"database": {"secretRef": {"name": "app-db", "fromNewer": 1}},
                  "schedule": "0 2 * * *",
                  "rules": [{"name": "old", "table": "logs",
                             "olderThan": {"column": "at", "age": "30d", "fromNewer": 2}}],
                  "fromNewer": {"nested": true}}}
        """,
        """
        {"fromNewer": {"kept": true},
         "conditions": [{"type": "FromNewer", "status": "True", "fromNewer": "c"}],
         "history": [{"result": "Succeeded", "fromNewer": 7}]}
        """);

    JsonNode reconciled = awaitPhase("cleanupschedules", "newer", "Scheduled");
    assertThat(condition(reconciled, "Ready").path("status").asText()).isEqualTo("True");
    assertThat(reconciled.at("/status/fromNewer/kept").asBoolean()).isTrue();
    assertThat(reconciled.at("/status/history/0/fromNewer").asInt()).isEqualTo(7);
    assertThat(condition(reconciled, "FromNewer").path("fromNewer").asText()).isEqualTo("c");
    assertThat(reconciled.at("/spec/fromNewer/nested").asBoolean())
        .as("the operator never writes the spec")
        .isTrue();

    kube.client()
        .resource(
            Serialization.unmarshal(
                """
                {"apiVersion": "pitstop.dev/v1alpha1", "kind": "CleanupSchedule",
                 "metadata": {"name": "plain", "namespace": "default"},
                 "spec": {"database": {"secretRef": {"name": "app-db"}}, "schedule": "0 3 * * *",
                          "rules": [{"name": "old", "table": "logs",
                                     "olderThan": {"column": "at", "age": "30d"}}]}}
                """,
                GenericKubernetesResource.class))
        .create();
    awaitPhase("cleanupschedules", "plain", "Scheduled");
  }

  @Test
  void aMaintenanceWindowFromANewerVersionIsReconciledAndKeepsItsUnknownStatusFields()
      throws Exception {
    writtenByANewerVersion(
        """
        {"apiVersion": "pitstop.dev/v1alpha1", "kind": "MaintenanceWindow",
         "metadata": {"name": "newer", "namespace": "default"},
         "spec": {"active": false, "drain": {"fromNewer": 1}, "fromNewer": 2}}
        """,
        """
        {"fromNewer": 3, "conditions": [{"type": "Ready", "status": "False", "fromNewer": 4}]}
        """);

    JsonNode reconciled = awaitPhase("maintenancewindows", "newer", "Idle");
    assertThat(reconciled.at("/status/fromNewer").asInt()).isEqualTo(3);
    assertThat(condition(reconciled, "Ready").path("status").asText()).isEqualTo("True");
    assertThat(condition(reconciled, "Ready").path("fromNewer").asInt()).isEqualTo(4);
  }

  /**
   * Creates {@code json} and writes {@code status} through the status subresource while the
   * operator is stopped, as a newer version would have left them, then starts the operator.
   */
  private void writtenByANewerVersion(String json, String status) throws Exception {
    kube.stopOperator();
    GenericKubernetesResource created =
        kube.client()
            .resource(Serialization.unmarshal(json, GenericKubernetesResource.class))
            .create();
    created.setAdditionalProperty("status", JSON.readValue(status, Map.class));
    kube.client().resource(created).updateStatus();
    kube.restartOperator();
  }

  private JsonNode awaitPhase(String plural, String name, String phase) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> read(plural, name), r -> phase.equals(r.at("/status/phase").asText()));
  }

  private JsonNode read(String plural, String name) throws Exception {
    return JSON.readTree(
        kube.client().raw("/apis/pitstop.dev/v1alpha1/namespaces/default/" + plural + "/" + name));
  }

  private static JsonNode condition(JsonNode resource, String type) {
    for (JsonNode c : resource.at("/status/conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return JSON.missingNode();
  }
}
