package dev.pitstop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * kubectl, Helm and Argo CD read YAML 1.1, where a plain key {@code on}, {@code off}, {@code yes}
 * or {@code no} is a boolean: a CRD property or a manifest field written that way reaches the API
 * server named {@code "true"} or {@code "false"}. SnakeYAML reads YAML 1.1 the same way, so every
 * file users apply must give it string keys only.
 */
class Yaml11KeysTest {
  @Test
  void theCrdsHaveOnlyStringKeys() throws IOException {
    List<Path> files = new ArrayList<>();
    files.addAll(yamlFiles(ProjectFiles.crds()));
    files.addAll(yamlFiles(ProjectFiles.chart().resolve("files/crds")));
    files.addAll(yamlFiles(ProjectFiles.generatedCrds()));
    assertThat(files).hasSize(12);
    assertOnlyStringKeys(files);
  }

  @Test
  void theExamplesAndTheChartValuesHaveOnlyStringKeys() throws IOException {
    List<Path> files = new ArrayList<>(yamlFiles(ProjectFiles.examples()));
    files.addAll(yamlFiles(ProjectFiles.docs()));
    files.add(ProjectFiles.chart().resolve("values.yaml"));
    assertThat(files).hasSizeGreaterThan(12);
    assertOnlyStringKeys(files);
  }

  @Test
  void theDeprecatedNotifyOnStaysAPropertyOfTheCrd() throws IOException {
    Object crd =
        new Yaml()
            .load(
                Files.readString(
                    ProjectFiles.crds().resolve("cleanupschedules.pitstop.dev-v1.yml")));
    Map<?, ?> notify =
        (Map<?, ?>)
            at(
                crd,
                "spec",
                "versions",
                0,
                "schema",
                "openAPIV3Schema",
                "properties",
                "spec",
                "properties",
                "notify",
                "properties");
    assertThat(new ArrayList<Object>(notify.keySet()))
        .containsExactlyInAnyOrder("on", "true", "results", "webhookSecretRef");
    assertThat((String) ((Map<?, ?>) notify.get("true")).get("description"))
        .startsWith("Deprecated: on as YAML 1.1 tools stored");
    assertThat((String) ((Map<?, ?>) notify.get("on")).get("description"))
        .startsWith("Deprecated: use results.");
  }

  private static void assertOnlyStringKeys(List<Path> files) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path file : files) {
      int document = 0;
      for (Object content : new Yaml().loadAll(Files.readString(file))) {
        document++;
        collect(
            content,
            ProjectFiles.root().relativize(file) + " (document " + document + ")",
            problems);
      }
    }
    assertThat(problems)
        .as(
            "keys a YAML 1.1 reader (kubectl, Helm, Argo CD) reads as booleans or other non-strings;"
                + " quote them or rename the field")
        .isEmpty();
  }

  private static void collect(Object node, String path, List<String> problems) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (key, value) -> {
            if (!(key instanceof String)) {
              problems.add(
                  path
                      + ": key "
                      + key
                      + " is a "
                      + key.getClass().getSimpleName()
                      + (key instanceof Boolean ? " (e.g. an unquoted on:, yes: or off:)" : ""));
            }
            collect(value, path + "." + key, problems);
          });
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collect(list.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  private static Object at(Object node, Object... path) {
    for (Object step : path) {
      node = step instanceof Integer i ? ((List<?>) node).get(i) : ((Map<?, ?>) node).get(step);
    }
    return node;
  }

  private static List<Path> yamlFiles(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(f -> f.toString().matches(".*\\.ya?ml$")).sorted().toList();
    }
  }
}
