package dev.pitstop.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.api.v1alpha1.Pitstop;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The objects of a (multi-document) YAML manifest, as {@code kubectl apply -f} would read them,
 * without a cluster: documents separated by {@code ---}, and the items of a {@code kind: List}.
 * Every problem is a {@link UsageException} naming the file and, where known, the line or field.
 */
final class Manifest {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES);

  private final List<Path> sources;
  private final List<Document> documents;

  /**
   * One object of the manifest.
   *
   * @param file the file it is in
   * @param number 1-based position of the object in its file
   */
  record Document(Path file, int number, JsonNode node) {
    String apiVersion() {
      return node.path("apiVersion").asText("");
    }

    String kind() {
      return node.path("kind").asText("");
    }

    String name() {
      return node.path("metadata").path("name").asText("");
    }

    /** The namespace, or {@code null} when the object does not name one. */
    String namespace() {
      JsonNode namespace = node.path("metadata").path("namespace");
      return namespace.isTextual() && !namespace.asText().isBlank() ? namespace.asText() : null;
    }

    /** {@code Kind/name}, for messages. */
    String describe() {
      return kind() + "/" + (name().isEmpty() ? "(no name)" : name());
    }

    boolean isPitstop() {
      return apiVersion().startsWith(Pitstop.GROUP + "/");
    }
  }

  private Manifest(List<Path> sources, List<Document> documents) {
    this.sources = List.copyOf(sources);
    this.documents = List.copyOf(documents);
  }

  /** Reads one file; see {@link #read(List)}. */
  static Manifest read(Path file) {
    return read(List.of(file));
  }

  /**
   * Reads and parses files, as {@code kubectl apply -f} does: each path is a file, or a folder
   * whose {@code .yaml}, {@code .yml} and {@code .json} files are read in name order.
   *
   * @throws UsageException when a path cannot be read, a file is not YAML, or an object has no
   *     {@code apiVersion} or {@code kind}
   */
  static Manifest read(List<Path> paths) {
    List<Document> documents = new ArrayList<>();
    for (Path path : paths) {
      for (Path file : files(path)) {
        parse(file, documents);
      }
    }
    return new Manifest(paths, documents);
  }

  private static List<Path> files(Path path) {
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    List<Path> files;
    try (Stream<Path> entries = Files.list(path)) {
      files =
          entries
              .filter(Files::isRegularFile)
              .filter(f -> f.getFileName().toString().matches(".*\\.(yaml|yml|json)$"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UsageException("cannot read " + path + ": " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw new UsageException(path + " contains no .yaml, .yml or .json files");
    }
    return files;
  }

  private static void parse(Path file, List<Document> documents) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UsageException(file + " does not exist");
    } catch (MalformedInputException e) {
      throw new UsageException(file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
    List<Document> ofFile = new ArrayList<>();
    try (MappingIterator<JsonNode> nodes = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (nodes.hasNextValue()) {
        add(file, nodes.nextValue(), ofFile);
      }
    } catch (JacksonException e) {
      throw new UsageException(file + ": invalid YAML" + at(e.getLocation()) + ": " + firstLine(e));
    } catch (IOException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
    documents.addAll(ofFile);
  }

  private static void add(Path file, JsonNode node, List<Document> documents) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return; // an empty document, e.g. after a trailing ---
    }
    if (!node.isObject()) {
      throw new UsageException(
          file + ": object " + (documents.size() + 1) + " is not a Kubernetes object");
    }
    if (node.path("kind").asText("").endsWith("List") && node.path("items").isArray()) {
      for (JsonNode item : node.path("items")) {
        add(file, item, documents);
      }
      return;
    }
    Document document = new Document(file, documents.size() + 1, node);
    if (document.apiVersion().isBlank() || document.kind().isBlank()) {
      throw new UsageException(
          file + ": object " + document.number() + " has no apiVersion or no kind");
    }
    documents.add(document);
  }

  /** The paths given, for messages. */
  String describeSources() {
    return String.join(", ", sources.stream().map(Path::toString).toList());
  }

  List<Document> documents() {
    return documents;
  }

  /** The Pitstop resources of the manifest. */
  List<Document> pitstopResources() {
    return documents.stream().filter(Document::isPitstop).toList();
  }

  /**
   * The ConfigMap called {@code name} in {@code namespace}; an object that names no namespace
   * matches any, as it would land in the same namespace as the resource when applied together.
   */
  Optional<ConfigMap> configMap(String namespace, String name) {
    return find("ConfigMap", namespace, name).map(d -> convert(d, ConfigMap.class));
  }

  /** The Secret called {@code name} in {@code namespace}; see {@link #configMap}. */
  Optional<Secret> secret(String namespace, String name) {
    return find("Secret", namespace, name).map(d -> convert(d, Secret.class));
  }

  private Optional<Document> find(String kind, String namespace, String name) {
    return documents.stream()
        .filter(d -> d.apiVersion().equals("v1") && d.kind().equals(kind))
        .filter(d -> d.name().equals(name))
        .filter(d -> d.namespace() == null || d.namespace().equals(namespace))
        .findFirst();
  }

  /**
   * Reads a document as {@code type}, refusing unknown fields as a strict API server would.
   *
   * @throws UsageException naming the field that is unknown or has a value of the wrong type
   */
  <T> T convert(Document document, Class<T> type) {
    return convert(document, document.node(), type);
  }

  /**
   * Reads part of a document, e.g. its {@code spec.database}, as {@code type}; see {@link
   * #convert(Document, Class)}.
   */
  <T> T convert(Document document, JsonNode part, Class<T> type) {
    try {
      return YAML.treeToValue(part, type);
    } catch (UnrecognizedPropertyException e) {
      throw new UsageException(where(document) + ": unknown field " + path(e));
    } catch (InvalidFormatException e) {
      String allowed =
          e.getTargetType() != null && e.getTargetType().isEnum()
              ? "; use one of "
                  + Arrays.stream(e.getTargetType().getEnumConstants())
                      .map(String::valueOf)
                      .collect(Collectors.joining(", "))
              : "";
      throw new UsageException(
          where(document)
              + ": "
              + path(e)
              + " has an invalid value '"
              + e.getValue()
              + "'"
              + allowed);
    } catch (JsonMappingException e) {
      throw new UsageException(where(document) + ": " + path(e) + " has a value of the wrong type");
    } catch (IllegalArgumentException e) {
      throw new UsageException(where(document) + ": " + e.getMessage());
    } catch (JacksonException e) {
      throw new UsageException(where(document) + ": " + firstLine(e));
    }
  }

  /** {@code FILE (Kind/name)}, for messages about one object. */
  String where(Document document) {
    return document.file() + " (" + document.describe() + ")";
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "the object" : path.toString();
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 1
        ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static String firstLine(JacksonException e) {
    String message = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
    return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
  }
}
