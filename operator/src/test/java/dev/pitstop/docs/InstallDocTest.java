package dev.pitstop.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/install.md documents every value of the chart's values.yaml. */
class InstallDocTest {
  /** Values documented as a whole (Kubernetes objects passed through as they are). */
  private static final Set<String> WHOLE =
      Set.of(
          "resources", "livenessProbe", "readinessProbe", "podSecurityContext", "securityContext");

  @Test
  void everyValueIsInTheValuesTable() throws IOException {
    JsonNode values =
        new ObjectMapper(new YAMLFactory())
            .readTree(ProjectFiles.chart().resolve("values.yaml").toFile());
    List<String> paths = new ArrayList<>();
    collect("", values, paths);
    assertThat(paths).hasSizeGreaterThan(30);
    String doc = Files.readString(ProjectFiles.docs().resolve("install.md"));
    assertThat(paths)
        .as("values missing from the table in docs/install.md")
        .allSatisfy(path -> assertThat(doc).contains("| `" + path + "` |"));
  }

  private static void collect(String prefix, JsonNode node, List<String> paths) {
    node.fieldNames()
        .forEachRemaining(
            name -> {
              String path = prefix.isEmpty() ? name : prefix + "." + name;
              JsonNode child = node.get(name);
              if (child.isObject() && !child.isEmpty() && !WHOLE.contains(path)) {
                collect(path, child, paths);
              } else {
                paths.add(path);
              }
            });
  }
}
