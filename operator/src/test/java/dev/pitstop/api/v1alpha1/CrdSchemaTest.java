package dev.pitstop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conventions every Pitstop CRD follows. */
class CrdSchemaTest {

  @ParameterizedTest
  @CsvSource({
    "databasemigrations.pitstop.dev-v1.yml, dbm",
    "maintenancewindows.pitstop.dev-v1.yml, mw",
    "sandboxresets.pitstop.dev-v1.yml, sbr",
    "cleanupschedules.pitstop.dev-v1.yml, cls"
  })
  void crdFollowsConventions(String file, String shortName) throws IOException {
    CustomResourceDefinition crd = load(ProjectFiles.crds().resolve(file));

    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly(shortName);
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("pitstop");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");

    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(c -> c.getName())
        .contains("Phase", "Age")
        .hasSizeGreaterThanOrEqualTo(3);

    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    List<String> undescribed = new ArrayList<>();
    collectUndescribed("", root.getProperties().get("spec"), undescribed);
    collectUndescribed("", root.getProperties().get("status"), undescribed);
    assertThat(undescribed).as("fields without a description in " + file).isEmpty();
  }

  private static void collectUndescribed(String path, JSONSchemaProps schema, List<String> out) {
    if (schema == null) {
      return;
    }
    if (schema.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> field : schema.getProperties().entrySet()) {
        String fieldPath = path + "." + field.getKey();
        JSONSchemaProps props = field.getValue();
        boolean inLabelSelector = path.endsWith("selector") || path.contains("matchExpressions");
        if (!inLabelSelector
            && (props.getDescription() == null || props.getDescription().isBlank())) {
          out.add(fieldPath);
        }
        collectUndescribed(fieldPath, props, out);
      }
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      collectUndescribed(path + "[]", schema.getItems().getSchema(), out);
    }
  }

  private static CustomResourceDefinition load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }
}
