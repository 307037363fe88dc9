package dev.pitstop.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Reads the chart's own files. */
final class ChartFiles {
  private ChartFiles() {}

  /** {@code Chart.yaml}. */
  static JsonNode chartYaml() {
    return yaml("Chart.yaml");
  }

  /** The operator version the chart deploys by default. */
  static String appVersion() {
    return chartYaml().path("appVersion").asText();
  }

  /** {@code values.yaml}. */
  static JsonNode values() {
    return yaml("values.yaml");
  }

  private static JsonNode yaml(String name) {
    try {
      return new ObjectMapper(new YAMLFactory())
          .readTree(ProjectFiles.chart().resolve(name).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
