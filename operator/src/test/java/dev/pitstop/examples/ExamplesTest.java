package dev.pitstop.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.testing.KubernetesApiExtension;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest in {@code examples/} is accepted by the API server with our CRDs registered, and
 * reads back into the Java API classes without losing a field.
 */
class ExamplesTest {
  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of(
          "DatabaseMigration", DatabaseMigration.class,
          "MaintenanceWindow", MaintenanceWindow.class,
          "SandboxReset", SandboxReset.class,
          "CleanupSchedule", CleanupSchedule.class);

  @RegisterExtension final KubernetesApiExtension kubernetes = new KubernetesApiExtension();

  static List<Path> exampleFiles() throws IOException {
    try (Stream<Path> files = Files.walk(ProjectFiles.examples())) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  @Test
  void thereAreExamplesForDatabaseMigration() throws IOException {
    assertThat(exampleFiles()).anyMatch(p -> p.toString().contains("database-migration"));
  }

  @Test
  void thereAreExamplesForMaintenanceWindowAndAGatedMigration() throws IOException {
    assertThat(exampleFiles())
        .anyMatch(p -> p.toString().contains("maintenance-window"))
        .anyMatch(p -> p.getFileName().toString().contains("gated-databasemigration"));
  }

  @ParameterizedTest
  @MethodSource("exampleFiles")
  void exampleIsAcceptedAndReadsBackIntoTheApiClasses(Path file) throws IOException {
    KubernetesClient client = kubernetes.client();
    List<HasMetadata> objects;
    try (InputStream in = Files.newInputStream(file)) {
      objects = client.load(in).items();
    }
    assertThat(objects).as(file + " holds manifests").isNotEmpty();

    for (HasMetadata object : objects) {
      String namespace =
          object.getMetadata().getNamespace() == null
              ? "default"
              : object.getMetadata().getNamespace();
      client.resource(object).inNamespace(namespace).create();

      Class<? extends CustomResource<?, ?>> type = KINDS.get(object.getKind());
      if (type == null) {
        continue;
      }
      CustomResource<?, ?> stored =
          client
              .resources(type)
              .inNamespace(namespace)
              .withName(object.getMetadata().getName())
              .get();
      assertThat(stored).as(object.getKind() + " " + object.getMetadata().getName()).isNotNull();
      assertThat(stored.getSpec()).isNotNull();

      // Every field written in the example must survive the trip through the Java classes:
      // an unknown or misspelt field would be dropped silently here.
      Map<String, Object> written = specOf(Serialization.asJson(object));
      Map<String, Object> readBack = specOf(Serialization.asJson(stored));
      assertContains(readBack, written, object.getKind() + " " + file.getFileName() + " spec");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> specOf(String json) throws IOException {
    Map<String, Object> map = new ObjectMapper().readValue(json, Map.class);
    return (Map<String, Object>) map.get("spec");
  }

  @SuppressWarnings("unchecked")
  private static void assertContains(Object actual, Object expected, String path) {
    if (expected instanceof Map<?, ?> expectedMap) {
      assertThat(actual).as(path).isInstanceOf(Map.class);
      Map<String, Object> actualMap = (Map<String, Object>) actual;
      for (Map.Entry<?, ?> e : expectedMap.entrySet()) {
        assertThat(actualMap).as(path).containsKey((String) e.getKey());
        assertContains(actualMap.get(e.getKey()), e.getValue(), path + "." + e.getKey());
      }
    } else if (expected instanceof List<?> expectedList) {
      assertThat(actual).as(path).isInstanceOf(List.class);
      List<Object> actualList = (List<Object>) actual;
      assertThat(actualList).as(path).hasSameSizeAs(expectedList);
      for (int i = 0; i < expectedList.size(); i++) {
        assertContains(actualList.get(i), expectedList.get(i), path + "[" + i + "]");
      }
    } else {
      assertThat(String.valueOf(actual)).as(path).isEqualTo(String.valueOf(expected));
    }
  }
}
