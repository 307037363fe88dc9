package dev.pitstop.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One file of {@code src/test/resources/bad-input/}: an invalid Pitstop resource (first document)
 * plus the ConfigMaps and Secrets it references, with header comments saying what is wrong ({@code
 * # what:}), the field the answer must name ({@code # expect:}) and who rejects it ({@code #
 * rejected-by: schema|operator}). {@code ${DATABASE}} and {@code ${PASSWORD}} are replaced by the
 * test database's name and the Secret password.
 */
record BadInputCase(String file, String what, String expect, Stage rejectedBy, String yaml) {

  /** Who must refuse the case. */
  enum Stage {
    /** The CRD's openAPIV3Schema (the API server). */
    schema,
    /** The operator, after the API server accepted it. */
    operator
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Every case, or those whose file name starts with {@code -Dpitstop.badInput.only=...}. */
  static List<BadInputCase> all() {
    String only = System.getProperty("pitstop.badInput.only", "");
    try {
      Path folder = Path.of(BadInputCase.class.getResource("/bad-input").toURI());
      try (Stream<Path> files = Files.list(folder)) {
        return files
            .filter(f -> f.toString().endsWith(".yaml"))
            .filter(f -> f.getFileName().toString().startsWith(only))
            .sorted()
            .map(BadInputCase::read)
            .toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BadInputCase read(Path file) {
    try {
      String yaml = Files.readString(file);
      return new BadInputCase(
          file.getFileName().toString(),
          header(yaml, "what", file),
          header(yaml, "expect", file),
          Stage.valueOf(header(yaml, "rejected-by", file)),
          yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String header(String yaml, String key, Path file) {
    String prefix = "# " + key + ":";
    return yaml.lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()).strip())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(file + " lacks a '" + prefix + "' line"));
  }

  /** The documents, with placeholders replaced; the first is the Pitstop resource. */
  List<JsonNode> documents(Map<String, String> placeholders) {
    String text = yaml;
    for (Map.Entry<String, String> entry : placeholders.entrySet()) {
      text = text.replace("${" + entry.getKey() + "}", entry.getValue());
    }
    try {
      return YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return file;
  }
}
