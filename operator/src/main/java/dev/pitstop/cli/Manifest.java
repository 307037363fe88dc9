package dev.pitstop.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.pitstop.api.v1alpha1.Pitstop;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The objects of a (multi-document) YAML manifest, as {@code kubectl apply -f --validate=strict}
 * would read them, without a cluster: documents separated by {@code ---} (empty ones skipped), the
 * items of a {@code kind: List}, aliases resolved and duplicate keys refused ({@link YamlTree}),
 * unknown fields refused in the objects whose types are known, and no file larger than the API
 * server would take ({@link InputFiles.Limit#MANIFEST}). The one reader of every CLI command that
 * takes {@code -f}. Every problem is a {@link UsageException} naming the file and, where known, the
 * line or field.
 */
final class Manifest {
  private static final LoaderOptions LOADER_OPTIONS = loaderOptions();

  /**
   * Reads objects strictly, as {@code kubectl --validate=strict} does: a field the type does not
   * have is an error, also in the Kubernetes types (metadata, Secret, ConfigMap) whose classes
   * would otherwise keep unknown fields in a map of "additional properties". The operator reads
   * what the API server sends with a lenient mapper of its own.
   */
  private static final ObjectMapper STRICT = strictMapper();

  /**
   * {@link #STRICT}, and a string field of a Pitstop resource given a number or boolean ({@code
   * targetVersion: 5}) is refused too, as the CRD's schema refuses it.
   */
  private static final ObjectMapper STRICT_PITSTOP = pitstopMapper();

  private static ObjectMapper pitstopMapper() {
    ObjectMapper mapper = strictMapper();
    mapper
        .coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  /**
   * Also refuses what the API server's schema check refuses and Jackson would otherwise coerce: a
   * fraction for an integer ({@code batchSize: 10.5}), a quoted number or boolean ({@code
   * batchSize: "1000"}, {@code validateOnly: "yes"}).
   */
  private static ObjectMapper strictMapper() {
    ObjectMapper mapper =
        new ObjectMapper()
            .setAnnotationIntrospector(new NoAnySetter())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper
          .coercionConfigFor(type)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    mapper
        .coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    return mapper;
  }

  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    // YamlTree refuses a duplicate key naming its path, and bounds what aliases expand to.
    options.setMaxAliasesForCollections(1000);
    options.setNestingDepthLimit(YamlTree.MAX_DEPTH);
    options.setCodePointLimit((int) InputFiles.Limit.MANIFEST.bytes());
    return options;
  }

  /** Treats no property as an any-setter, so that unknown fields are errors. */
  private static final class NoAnySetter extends JacksonAnnotationIntrospector {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean hasAnySetter(Annotated annotated) {
      return Boolean.FALSE;
    }
  }

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
    Manifest manifest = new Manifest(paths, documents);
    manifest.documents.forEach(manifest::validate);
    return manifest;
  }

  /**
   * Refuses an unknown field, or a value of the wrong type, in an object whose type is known (as
   * {@code kubectl --validate=strict} does for every object it sends), even if the command does not
   * use the object.
   */
  private void validate(Document document) {
    Class<?> type = null;
    if (document.apiVersion().equals("v1") && document.kind().equals("ConfigMap")) {
      type = ConfigMap.class;
    } else if (document.apiVersion().equals("v1") && document.kind().equals("Secret")) {
      type = Secret.class;
    } else if (document.apiVersion().equals(Pitstop.GROUP + "/" + Pitstop.VERSION)) {
      type =
          LocalRunners.KINDS.stream()
              .filter(k -> HasMetadata.getKind(k).equals(document.kind()))
              .findFirst()
              .orElse(null);
    }
    if (type != null) {
      Object object = convert(document, type);
      if (object instanceof CustomResource<?, ?> resource) {
        SchemaBounds.firstViolation(resource.getSpec(), "spec")
            .ifPresent(problem -> fail(where(document) + ": " + problem));
      }
    }
  }

  private static void fail(String message) {
    throw new UsageException(message);
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
    String text = InputFiles.read(file, InputFiles.Limit.MANIFEST, "");
    List<JsonNode> nodes;
    try {
      nodes = YamlTree.documents(file, text, LOADER_OPTIONS);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      throw new UsageException(
          file
              + ": invalid YAML"
              + (mark == null
                  ? ""
                  : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1))
              + ": "
              + (e.getProblem() != null ? e.getProblem() : e.getContext()));
    } catch (YAMLException e) {
      throw new UsageException(
          file
              + ": invalid YAML: "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    List<Document> ofFile = new ArrayList<>();
    for (JsonNode node : nodes) {
      add(file, node, ofFile);
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
      ObjectMapper mapper = type.getName().startsWith("dev.pitstop.api.") ? STRICT_PITSTOP : STRICT;
      return mapper.treeToValue(part, type);
    } catch (UnrecognizedPropertyException e) {
      throw new UsageException(where(document) + ": unknown field " + path(e));
    } catch (InvalidFormatException e) {
      String allowed =
          e.getTargetType() != null && e.getTargetType().isEnum()
              ? "; use one of "
                  + Arrays.stream(e.getTargetType().getEnumConstants())
                      .map(String::valueOf)
                      .collect(Collectors.joining(", "))
              : expected(e.getTargetType());
      throw new UsageException(
          where(document)
              + ": "
              + path(e)
              + " has an invalid value '"
              + e.getValue()
              + "'"
              + allowed);
    } catch (MismatchedInputException e) {
      throw new UsageException(
          where(document)
              + ": "
              + path(e)
              + " has a value of the wrong type"
              + expected(e.getTargetType()));
    } catch (JsonMappingException e) {
      throw new UsageException(where(document) + ": " + path(e) + " has a value of the wrong type");
    } catch (IllegalArgumentException e) {
      throw new UsageException(where(document) + ": " + e.getMessage());
    } catch (JacksonException e) {
      throw new UsageException(where(document) + ": " + firstLine(e));
    }
  }

  /** {@code "; it must be a whole number"} and the like, for scalar types. */
  private static String expected(Class<?> type) {
    if (type == null) {
      return "";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "; it must be a whole number, unquoted";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "; it must be true or false, unquoted";
    }
    if (type == Double.class || type == double.class) {
      return "; it must be a number, unquoted";
    }
    if (type == String.class) {
      return "; it must be a string";
    }
    return "";
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

  private static String firstLine(JacksonException e) {
    String message = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
    return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
  }
}
