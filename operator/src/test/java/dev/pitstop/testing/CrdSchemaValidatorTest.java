package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The test-side schema check accepts what users write and names the field of what it refuses. */
class CrdSchemaValidatorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final CrdSchemaValidator schema = CrdSchemaValidator.fromCrds(ProjectFiles.crds());

  @Test
  void acceptsEveryExample() throws IOException {
    int checked = 0;
    try (Stream<Path> files = Files.walk(ProjectFiles.examples())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        for (JsonNode document :
            YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll()) {
          if (schema.knows(document.path("kind").asText())) {
            assertThat(schema.validate(document)).as(file.toString()).isEmpty();
            checked++;
          }
        }
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(4);
  }

  @Test
  void namesTheFieldOfEachViolation() throws IOException {
    JsonNode cleanup =
        YAML.readTree(
            """
            apiVersion: pitstop.dev/v1alpha1
            kind: CleanupSchedule
            metadata: {name: c}
            spec:
              database: {secretRef: {}}
              schedule: "0 2 * * *"
              batchSize: 0
              historyLimit: "5"
              dryRun: yes-please
              rules: [{name: r, table: "t; DROP TABLE t", where: "true", colour: red}]
            """);

    List<String> violations = schema.validate(cleanup);

    assertThat(violations)
        .anyMatch(v -> v.startsWith("spec.database.secretRef.name: is required"))
        .anyMatch(v -> v.equals("spec.batchSize: must be >= 1"))
        .anyMatch(v -> v.startsWith("spec.historyLimit: must be an integer"))
        .anyMatch(v -> v.startsWith("spec.dryRun: must be a boolean"))
        .anyMatch(v -> v.startsWith("spec.rules[0].table: must match"))
        .anyMatch(v -> v.equals("spec.rules[0].colour: unknown field"))
        .anyMatch(v -> v.equals(CelRules.NOT_CHECKED))
        .hasSize(7);
  }

  @Test
  void checksEnumsAndItemCounts() throws IOException {
    JsonNode reset =
        YAML.readTree(
            """
            apiVersion: pitstop.dev/v1alpha1
            kind: SandboxReset
            metadata: {name: r}
            spec:
              database: {secretRef: {name: db}}
              confirmDatabaseName: app
              strategy: Drop
            """);
    assertThat(schema.validate(reset))
        .containsExactly("spec.strategy: must be one of [Delete, Truncate], not 'Drop'");
  }
}
