package dev.pitstop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The status conventions of the Kubernetes API, checked on the committed CRDs: conditions shaped
 * like metav1.Condition, Ready and Message printer columns, and every status list bounded.
 */
class CrdStatusConventionsTest {
  /**
   * Status lists the code does not bound yet: what a MaintenanceWindow drained and must restore
   * exactly, and the operations holding it open.
   */
  private static final Set<String> UNBOUNDED =
      Set.of(
          "maintenancewindows.pitstop.dev-v1.yml status.holders",
          "maintenancewindows.pitstop.dev-v1.yml status.drain.workloads",
          "maintenancewindows.pitstop.dev-v1.yml status.drain.cronJobs",
          "maintenancewindows.pitstop.dev-v1.yml status.drain.roles");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "databasemigrations.pitstop.dev-v1.yml",
        "maintenancewindows.pitstop.dev-v1.yml",
        "sandboxresets.pitstop.dev-v1.yml",
        "cleanupschedules.pitstop.dev-v1.yml"
      })
  void statusFollowsApiConventions(String file) throws IOException {
    CustomResourceDefinitionVersion version = load(file).getSpec().getVersions().get(0);

    List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
    assertThat(columns)
        .filteredOn(c -> c.getName().equals("Ready"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getJsonPath())
                  .isEqualTo(".status.conditions[?(@.type==\"Ready\")].status");
              assertThat(c.getType()).isEqualTo("string");
            });
    assertThat(columns)
        .filteredOn(c -> c.getName().equals("Message"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getJsonPath()).isEqualTo(".status.message");
              assertThat(c.getPriority()).as("a long column shows with -o wide only").isEqualTo(1);
            });

    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    JSONSchemaProps condition = status.getProperties().get("conditions").getItems().getSchema();
    assertThat(condition.getRequired())
        .containsExactlyInAnyOrder("type", "status", "lastTransitionTime", "reason", "message");
    Map<String, JSONSchemaProps> fields = condition.getProperties();
    assertThat(fields.get("status").getEnum())
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("True", "False", "Unknown");
    assertThat(fields.get("lastTransitionTime").getFormat()).isEqualTo("date-time");
    assertThat(fields.get("reason").getPattern()).isEqualTo(Condition.REASON_PATTERN);
    assertThat(fields.get("reason").getMaxLength()).isEqualTo(1024L);
    assertThat(fields.get("message").getMaxLength()).isEqualTo(32768L);
    assertThat(fields.get("observedGeneration").getMinimum()).isEqualTo(0.0);

    List<String> unbounded = new ArrayList<>();
    collectUnboundedLists("status", status, unbounded);
    unbounded.removeIf(path -> UNBOUNDED.contains(file + " " + path));
    assertThat(unbounded).as("status lists without maxItems in " + file).isEmpty();
  }

  private static void collectUnboundedLists(String path, JSONSchemaProps schema, List<String> out) {
    if (schema == null) {
      return;
    }
    if ("array".equals(schema.getType())) {
      if (schema.getMaxItems() == null) {
        out.add(path);
      }
      if (schema.getItems() != null) {
        collectUnboundedLists(path + "[]", schema.getItems().getSchema(), out);
      }
    }
    if (schema.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> field : schema.getProperties().entrySet()) {
        collectUnboundedLists(path + "." + field.getKey(), field.getValue(), out);
      }
    }
  }

  private static CustomResourceDefinition load(String file) throws IOException {
    Path path = ProjectFiles.crds().resolve(file);
    try (InputStream in = Files.newInputStream(path)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }
}
