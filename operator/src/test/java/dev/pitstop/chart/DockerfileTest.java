package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile's key properties, which the Helm chart relies on. No Docker engine is needed: the
 * file is read, not built.
 */
class DockerfileTest {
  /** Where the image keeps the operator's jar; the chart's command runs it. */
  static final String JAR = "/app/pitstop.jar";

  /** The image's user; the chart's pod security context runs as it. */
  static final long USER_ID = 65532L;

  private static final Pattern TEMURIN_JRE = Pattern.compile("eclipse-temurin:(\\d+)-jre\\b.*");

  private static List<String> lines;

  @BeforeAll
  static void read() throws IOException {
    lines = new ArrayList<>();
    for (String line : Files.readAllLines(ProjectFiles.root().resolve("Dockerfile"))) {
      String trimmed = line.strip();
      if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
        lines.add(trimmed);
      }
    }
  }

  @Test
  void buildsInOneStageAndRunsOnAJre17OrNewerInAnother() {
    List<String> froms = instructions("FROM");
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0)).contains("maven:").contains("temurin-17").endsWith("AS build");
    Matcher runtime = TEMURIN_JRE.matcher(froms.get(1));
    assertThat(runtime.matches()).as("runtime stage is a Temurin JRE: " + froms.get(1)).isTrue();
    assertThat(Integer.parseInt(runtime.group(1))).isGreaterThanOrEqualTo(17);
    assertThat(instructions("RUN"))
        .singleElement()
        .satisfies(run -> assertThat(run).contains("mvn -B -ntp -DskipTests package"));
  }

  @Test
  void theRuntimeStageHoldsOnlyTheJar() {
    List<String> copies = runtimeStage("COPY");
    assertThat(copies).containsExactly("--from=build /src/operator/target/pitstop.jar " + JAR);
    assertThat(runtimeStage("ADD")).isEmpty();
  }

  @Test
  void buildsOnlyTheOperatorsJarNotTheDemos() {
    assertThat(instructions("RUN"))
        .singleElement()
        .satisfies(run -> assertThat(run).contains("-pl operator -am"));
    List<String> sources =
        instructions("COPY").stream()
            .filter(c -> !c.startsWith("--from="))
            .map(c -> c.split("\\s+")[0])
            .toList();
    assertThat(sources)
        .as("Maven reads the demo's pom, but its sources and examples/ stay out of the build")
        .noneMatch(s -> s.startsWith("demo/src") || s.startsWith("examples"));
    assertThat(lines).noneMatch(l -> l.contains("pitstop-demo"));
  }

  @Test
  void runsAsTheNumericNonRootUserTheChartExpects() {
    List<String> users = runtimeStage("USER");
    assertThat(users).singleElement().isEqualTo(USER_ID + ":" + USER_ID);
    assertThat(ChartFiles.values().path("podSecurityContext").path("runAsUser").asLong())
        .isEqualTo(USER_ID);
  }

  /** {@code docker run} of the image starts the JVM exactly as the chart's default values do. */
  @Test
  void entrypointRunsTheJarTheChartRunsWithTheChartsJvmOptions() throws IOException {
    List<String> entrypoints = runtimeStage("ENTRYPOINT");
    assertThat(entrypoints).hasSize(1);
    List<String> entrypoint =
        new ObjectMapper().readValue(entrypoints.get(0), new TypeReference<List<String>>() {});
    assertThat(entrypoint)
        .isEqualTo(OperatorContainer.of(RenderedChart.withDefaults()).container().getCommand())
        .endsWith("-jar", JAR);
    assertThat(runtimeStage("CMD")).containsExactly("[\"operator\"]");
    assertThat(runtimeStage("EXPOSE"))
        .containsExactly(ChartFiles.values().path("operator").path("httpPort").asText());
  }

  @Test
  void theChartsDefaultImageIsThisOnesTag() {
    assertThat(ChartFiles.values().path("image").path("repository").asText())
        .isEqualTo("ghcr.io/pitstop-dev/pitstop");
    assertThat(String.join("\n", commentLines()))
        .as("the documented build command names the chart's default image")
        .contains("docker build -t ghcr.io/pitstop-dev/pitstop:" + ChartFiles.appVersion() + " .");
  }

  @Test
  void dockerignoreKeepsBuildOutputOutOfTheContext() throws IOException {
    List<String> ignored = Files.readAllLines(ProjectFiles.root().resolve(".dockerignore"));
    assertThat(ignored).contains("**/target/", ".git/");
  }

  private static List<String> commentLines() {
    try {
      return Files.readAllLines(ProjectFiles.root().resolve("Dockerfile")).stream()
          .filter(l -> l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Arguments of every {@code instruction}, in order. */
  private static List<String> instructions(String instruction) {
    return lines.stream()
        .filter(l -> l.startsWith(instruction + " "))
        .map(l -> l.substring(instruction.length() + 1).strip())
        .toList();
  }

  /** Arguments of {@code instruction} in the last (runtime) stage. */
  private static List<String> runtimeStage(String instruction) {
    int last = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("FROM ")) {
        last = i;
      }
    }
    return lines.subList(last, lines.size()).stream()
        .filter(l -> l.startsWith(instruction + " "))
        .map(l -> l.substring(instruction.length() + 1).strip())
        .toList();
  }
}
