package dev.pitstop.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed CRDs must be exactly what the build generates from the API classes. */
class CrdDriftTest {
  private static final String HOW_TO_FIX =
      "the committed CRDs differ from the generated ones; run"
          + " `mvn -B -Pupdate-crds -DskipTests process-classes` and commit crds/";

  @Test
  void committedCrdsMatchGeneratedCrds() throws IOException {
    List<String> generated = yamlFiles(ProjectFiles.generatedCrds());
    List<String> committed = yamlFiles(ProjectFiles.crds());
    assertThat(generated).as("generated CRDs").hasSize(4);
    assertThat(committed).as(HOW_TO_FIX).isEqualTo(generated);
    for (String name : generated) {
      assertThat(Files.readString(ProjectFiles.crds().resolve(name)))
          .as(HOW_TO_FIX + " (" + name + ")")
          .isEqualTo(Files.readString(ProjectFiles.generatedCrds().resolve(name)));
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
