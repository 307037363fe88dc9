package dev.pitstop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs must be exactly what the build generates from the API classes, and the Helm
 * chart must ship exactly those files.
 */
class CrdDriftTest {
  private static final String HOW_TO_FIX =
      "the committed CRDs differ from the generated ones; run"
          + " `mvn -B -Pupdate-crds -DskipTests process-classes` and commit crds/ and"
          + " helm/pitstop/files/crds/";

  @Test
  void committedCrdsMatchGeneratedCrds() throws IOException {
    assertSameFiles(ProjectFiles.crds(), ProjectFiles.generatedCrds());
  }

  @Test
  void chartCrdsAreTheCommittedCrds() throws IOException {
    Path chartCrds = ProjectFiles.chart().resolve("files/crds");
    try (Stream<Path> files = Files.list(chartCrds)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .as("helm/pitstop/files/crds/ holds only the CRD files; " + HOW_TO_FIX)
          .isEqualTo(yamlFiles(ProjectFiles.crds()));
    }
    assertSameFiles(chartCrds, ProjectFiles.crds());
  }

  private static void assertSameFiles(Path actual, Path expected) throws IOException {
    List<String> names = yamlFiles(expected);
    assertThat(names).as("CRDs in " + expected).hasSize(4);
    assertThat(yamlFiles(actual)).as(HOW_TO_FIX + " (" + actual + ")").isEqualTo(names);
    for (String name : names) {
      assertThat(Files.readString(actual.resolve(name)))
          .as(HOW_TO_FIX + " (" + actual.resolve(name) + ")")
          .isEqualTo(Files.readString(expected.resolve(name)));
    }
  }

  private static List<String> yamlFiles(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yml"))
          .sorted()
          .toList();
    }
  }
}
