package dev.pitstop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CEL types the API server declares for the nodes of a structural schema, and the values it
 * binds to them, following {@code SchemaDeclType} and {@code UnstructuredToVal} of
 * k8s.io/apiserver:
 *
 * <ul>
 *   <li>an object with properties is a struct whose fields are the properties, their names escaped
 *       ({@code namespace} becomes {@code __namespace__}, {@code a-b} becomes {@code a__dash__b});
 *   <li>an object with {@code additionalProperties} is a {@code map(string, T)};
 *   <li>an array is a {@code list(T)};
 *   <li>{@code integer} is {@code int}, {@code number} is {@code double}, {@code boolean} is {@code
 *       bool}, a {@code string} is a {@code string} ({@code bytes} for format {@code byte}, {@code
 *       duration} for {@code duration}, {@code timestamp} for {@code date} and {@code date-time});
 *   <li>{@code x-kubernetes-int-or-string} is {@code dyn};
 *   <li>the root of a resource (and of an embedded resource) always has {@code apiVersion}, {@code
 *       kind}, {@code metadata.name} and {@code metadata.generateName}.
 * </ul>
 */
final class CelSchemaTypes {
  private static final Set<String> RESERVED =
      Set.of(
          "true",
          "false",
          "null",
          "in",
          "as",
          "break",
          "const",
          "continue",
          "else",
          "for",
          "function",
          "if",
          "import",
          "let",
          "loop",
          "package",
          "namespace",
          "return",
          "var",
          "void",
          "while");
  private static final Pattern ESCAPED = Pattern.compile("__|[-./]");
  private static final Pattern IDENTIFIER_CHARS = Pattern.compile("[a-zA-Z0-9_./-]*");
  private static final Pattern GO_DURATION =
      Pattern.compile("([-+]?)((?:[0-9]*(?:\\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+|0)");
  private static final Pattern GO_DURATION_PART =
      Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");

  private static final ObjectNode STRING =
      JsonNodeFactory.instance.objectNode().put("type", "string");
  private static final ObjectNode OBJECT_META = objectMeta();

  private final Map<String, StructType> structs = new LinkedHashMap<>();
  private final Map<JsonNode, CelType> typesByNode = new IdentityHashMap<>();

  /** The types created so far, for the type checker. */
  CelTypeProvider provider() {
    return new CelTypeProvider() {
      @Override
      public ImmutableCollection<CelType> types() {
        return ImmutableList.copyOf(structs.values());
      }

      @Override
      public Optional<CelType> findType(String typeName) {
        return Optional.ofNullable(structs.get(typeName));
      }
    };
  }

  /**
   * Declares the types of a resource's schema and of every node below it; {@code name} names the
   * struct types (the root's children are named {@code name.spec}, {@code name.spec.rules.@items}
   * and so on).
   */
  void declare(JsonNode rootSchema, String name) {
    typeOf(rootSchema, name, true);
  }

  /** The declared type of a schema node, or empty when the API server does not expose it to CEL. */
  Optional<CelType> declaredType(JsonNode schema) {
    return Optional.ofNullable(typesByNode.get(schema));
  }

  private Optional<CelType> typeOf(JsonNode schema, String name, boolean resourceRoot) {
    Optional<CelType> type = computeType(schema, name, resourceRoot);
    type.ifPresent(t -> typesByNode.put(schema, t));
    return type;
  }

  private Optional<CelType> computeType(JsonNode schema, String name, boolean resourceRoot) {
    if (isIntOrString(schema)) {
      return Optional.of(SimpleType.DYN);
    }
    String type = resourceRoot ? "object" : schema.path("type").asText("");
    switch (type) {
      case "array" -> {
        if (!schema.has("items")) {
          return Optional.empty();
        }
        JsonNode items = schema.get("items");
        return typeOf(items, name + ".@items", isEmbeddedResource(items)).map(ListType::create);
      }
      case "object" -> {
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && additional.isObject() && !resourceRoot) {
          return typeOf(additional, name + ".@values", isEmbeddedResource(additional))
              .map(values -> MapType.create(SimpleType.STRING, values));
        }
        Map<String, CelType> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : properties(schema, resourceRoot).entrySet()) {
          Optional<String> escaped = escape(property.getKey());
          Optional<CelType> fieldType =
              typeOf(
                  property.getValue(),
                  name + "." + property.getKey(),
                  isEmbeddedResource(property.getValue()));
          if (escaped.isPresent() && fieldType.isPresent()) {
            fields.put(escaped.get(), fieldType.get());
          }
        }
        ImmutableMap<String, CelType> fieldTypes = ImmutableMap.copyOf(fields);
        StructType struct =
            StructType.create(
                name, fieldTypes.keySet(), field -> Optional.ofNullable(fieldTypes.get(field)));
        structs.put(name, struct);
        return Optional.of(struct);
      }
      case "string" -> {
        return Optional.of(
            switch (schema.path("format").asText("")) {
              case "byte" -> SimpleType.BYTES;
              case "duration" -> SimpleType.DURATION;
              case "date", "date-time" -> SimpleType.TIMESTAMP;
              default -> SimpleType.STRING;
            });
      }
      case "boolean" -> {
        return Optional.of(SimpleType.BOOL);
      }
      case "number" -> {
        return Optional.of(SimpleType.DOUBLE);
      }
      case "integer" -> {
        return Optional.of(SimpleType.INT);
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  /**
   * The CEL value of a JSON value at a schema node: objects with properties are maps keyed by the
   * escaped names of the known properties (unknown fields are pruned, as by the API server).
   */
  static Object valueOf(JsonNode value, JsonNode schema, boolean resourceRoot) {
    if (value == null || value.isNull()) {
      return NullValue.NULL_VALUE;
    }
    if (isIntOrString(schema)) {
      return value.isIntegralNumber() ? (Object) value.asLong() : value.asText();
    }
    String type = resourceRoot ? "object" : schema.path("type").asText("");
    switch (type) {
      case "array" -> {
        JsonNode items = schema.path("items");
        List<Object> list = new ArrayList<>();
        for (JsonNode item : value) {
          list.add(valueOf(item, items, isEmbeddedResource(items)));
        }
        return list;
      }
      case "object" -> {
        JsonNode additional = schema.get("additionalProperties");
        Map<String, JsonNode> properties = properties(schema, resourceRoot);
        Map<String, Object> map = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = value.properties().iterator();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> field = fields.next();
          if (additional != null && additional.isObject() && !resourceRoot) {
            map.put(
                field.getKey(),
                valueOf(field.getValue(), additional, isEmbeddedResource(additional)));
            continue;
          }
          JsonNode property = properties.get(field.getKey());
          Optional<String> escaped = escape(field.getKey());
          if (property != null && escaped.isPresent() && isExposed(property)) {
            map.put(
                escaped.get(), valueOf(field.getValue(), property, isEmbeddedResource(property)));
          }
        }
        return map;
      }
      case "string" -> {
        String text = value.asText();
        return switch (schema.path("format").asText("")) {
          case "byte" -> CelByteString.of(Base64.getDecoder().decode(text));
          case "duration" -> parseGoDuration(text);
          case "date" -> LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
          case "date-time" -> OffsetDateTime.parse(text).toInstant();
          default -> text;
        };
      }
      case "integer" -> {
        return value.asLong();
      }
      case "number" -> {
        return value.asDouble();
      }
      default -> {
        return value.asBoolean();
      }
    }
  }

  /**
   * The properties of an object schema; at the root of a resource apiVersion, kind and metadata
   * (name and generateName only) are always there.
   */
  private static Map<String, JsonNode> properties(JsonNode schema, boolean resourceRoot) {
    Map<String, JsonNode> properties = new LinkedHashMap<>();
    schema.path("properties").properties().forEach(p -> properties.put(p.getKey(), p.getValue()));
    if (resourceRoot) {
      properties.put("apiVersion", STRING);
      properties.put("kind", STRING);
      properties.put("metadata", OBJECT_META);
    }
    return properties;
  }

  private static boolean isExposed(JsonNode schema) {
    return isIntOrString(schema)
        || isEmbeddedResource(schema)
        || Set.of("array", "object", "string", "boolean", "number", "integer")
            .contains(schema.path("type").asText(""));
  }

  /**
   * The name under which CEL sees a property, or empty when it cannot be accessed (as {@code
   * Escape} in k8s.io/apiserver/pkg/cel).
   */
  static Optional<String> escape(String name) {
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      return Optional.empty();
    }
    if (RESERVED.contains(name)) {
      return Optional.of("__" + name + "__");
    }
    if (!IDENTIFIER_CHARS.matcher(name).matches()) {
      return Optional.empty();
    }
    Matcher matcher = ESCAPED.matcher(name);
    StringBuilder escaped = new StringBuilder();
    while (matcher.find()) {
      String replacement =
          switch (matcher.group()) {
            case "__" -> "__underscores__";
            case "." -> "__dot__";
            case "-" -> "__dash__";
            default -> "__slash__";
          };
      matcher.appendReplacement(escaped, replacement);
    }
    matcher.appendTail(escaped);
    return Optional.of(escaped.toString());
  }

  private static ObjectNode objectMeta() {
    ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("type", "object");
    ObjectNode properties = metadata.putObject("properties");
    properties.set("name", STRING);
    properties.set("generateName", STRING);
    return metadata;
  }

  static boolean isEmbeddedResource(JsonNode schema) {
    return schema.path("x-kubernetes-embedded-resource").asBoolean(false);
  }

  private static boolean isIntOrString(JsonNode schema) {
    return schema.path("x-kubernetes-int-or-string").asBoolean(false);
  }

  /** A duration in Go's notation ({@code 1h30m}, {@code 1.5s}), as {@code time.ParseDuration}. */
  static java.time.Duration parseGoDuration(String text) {
    Matcher whole = GO_DURATION.matcher(text);
    if (!whole.matches()) {
      throw new IllegalArgumentException("invalid duration '" + text + "'");
    }
    java.time.Duration total = java.time.Duration.ZERO;
    Matcher part = GO_DURATION_PART.matcher(whole.group(2));
    while (part.find()) {
      double amount = Double.parseDouble(part.group(1).isEmpty() ? "0" : part.group(1));
      long nanosPerUnit =
          switch (part.group(2)) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      total = total.plusNanos(Math.round(amount * nanosPerUnit));
    }
    return "-".equals(whole.group(1)) ? total.negated() : total;
  }
}
