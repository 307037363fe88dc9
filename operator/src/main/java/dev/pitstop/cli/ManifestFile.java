package dev.pitstop.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Kubernetes objects of a YAML file with one or more documents, for commands that run a
 * manifest locally. Pitstop resources are read strictly: a misspelt field is an error naming it,
 * not silently ignored.
 */
public final class ManifestFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path file;
  private final List<JsonNode> documents;

  private ManifestFile(Path file, List<JsonNode> documents) {
    this.file = file;
    this.documents = documents;
  }

  /**
   * Reads {@code file}.
   *
   * @throws UsageException naming the file when it cannot be read or is not YAML
   */
  public static ManifestFile read(Path file) {
    List<JsonNode> documents = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file);
        MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(in)) {
      while (docs.hasNextValue()) {
        JsonNode doc = docs.nextValue();
        if (doc != null && doc.isObject() && !doc.isEmpty()) {
          documents.add(doc);
        }
      }
    } catch (NoSuchFileException e) {
      throw new UsageException(file + " does not exist");
    } catch (IOException | RuntimeException e) {
      throw new UsageException(file + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    return new ManifestFile(file, documents);
  }

  /**
   * The one object of {@code type} in the file.
   *
   * @throws UsageException if there is none, more than one, or it has an unknown field
   */
  public <T extends HasMetadata> T single(Class<T> type) {
    String kind = HasMetadata.getKind(type);
    List<JsonNode> matching =
        documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    if (matching.size() != 1) {
      throw new UsageException(
          file
              + " must hold exactly one "
              + kind
              + (matching.isEmpty() ? ", it holds none" : ", it holds " + matching.size()));
    }
    try {
      return STRICT.treeToValue(matching.get(0), type);
    } catch (UnrecognizedPropertyException e) {
      throw new UsageException(
          file + ": " + kind + " has no field '" + e.getPropertyName() + "' (" + path(e) + ")");
    } catch (IOException e) {
      throw new UsageException(file + ": " + kind + " is invalid: " + firstLine(e.getMessage()));
    }
  }

  /** The Secret called {@code name} in the file, if any. */
  public Optional<Secret> secret(String name) {
    return named("Secret", name, Secret.class);
  }

  /** The ConfigMap called {@code name} in the file, if any. */
  public Optional<ConfigMap> configMap(String name) {
    return named("ConfigMap", name, ConfigMap.class);
  }

  private <T> Optional<T> named(String kind, String name, Class<T> type) {
    return documents.stream()
        .filter(d -> kind.equals(d.path("kind").asText()))
        .filter(d -> name.equals(d.path("metadata").path("name").asText()))
        .findFirst()
        .map(d -> Serialization.unmarshal(d.toString(), type));
  }

  private static String path(UnrecognizedPropertyException e) {
    StringBuilder out = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        out.append(out.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
