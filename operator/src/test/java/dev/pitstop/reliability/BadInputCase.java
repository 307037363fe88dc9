package dev.pitstop.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One file of {@code src/test/resources/bad-input/}: an invalid Pitstop resource (first document)
 * plus the ConfigMaps and Secrets it references, with header comments saying what is wrong ({@code
 * # what:}), the field the answer must name ({@code # expect:}), who rejects it ({@code #
 * rejected-by: schema}, {@code operator}, or {@code schema, operator}) and, where the schema's
 * answer differs from the operator's, the start of the schema's ({@code # expect-schema:}). {@code
 * ${DATABASE}} and {@code ${PASSWORD}} are replaced by the test database's name and the Secret
 * password.
 */
public record BadInputCase(
    String file,
    String what,
    String expect,
    String expectSchema,
    Set<Stage> rejectedBy,
    String yaml) {

  /** Who must refuse the case. */
  public enum Stage {
    /** The CRD's schema (openAPIV3Schema and CEL rules): the API server. */
    schema,
    /**
     * The operator, after the API server accepted it; with {@code schema} too, the operator must
     * refuse it when the CRD's check is bypassed (an older CRD, or an API server without CEL).
     */
    operator
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Every case, or those whose file name starts with {@code -Dpitstop.badInput.only=...}. */
  public static List<BadInputCase> all() {
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
      String expect = header(yaml, "expect", file);
      Set<Stage> stages = EnumSet.noneOf(Stage.class);
      for (String stage : header(yaml, "rejected-by", file).split(",")) {
        stages.add(Stage.valueOf(stage.strip()));
      }
      return new BadInputCase(
          file.getFileName().toString(),
          header(yaml, "what", file),
          expect,
          optionalHeader(yaml, "expect-schema").orElse(expect),
          stages,
          yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String header(String yaml, String key, Path file) {
    return optionalHeader(yaml, key)
        .orElseThrow(() -> new IllegalStateException(file + " lacks a '# " + key + ":' line"));
  }

  private static Optional<String> optionalHeader(String yaml, String key) {
    String prefix = "# " + key + ":";
    return yaml.lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()).strip())
        .findFirst();
  }

  /** The file's text with placeholders replaced, as a user would apply it. */
  public String yaml(Map<String, String> placeholders) {
    String text = yaml;
    for (Map.Entry<String, String> entry : placeholders.entrySet()) {
      text = text.replace("${" + entry.getKey() + "}", entry.getValue());
    }
    return text;
  }

  /** The documents, with placeholders replaced; the first is the Pitstop resource. */
  public List<JsonNode> documents(Map<String, String> placeholders) {
    try {
      return YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml(placeholders)).readAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return file;
  }
}
