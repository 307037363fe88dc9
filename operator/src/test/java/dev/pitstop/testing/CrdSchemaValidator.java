package dev.pitstop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks an object against the {@code openAPIV3Schema} of the committed CRD for its kind, as the
 * API server would before storing it: types, required, enum, pattern, minimum/maximum,
 * minItems/maxItems, minLength/maxLength and unknown fields (kubectl validates strictly). The mock
 * API server checks none of this. CEL rules ({@code x-kubernetes-validations}) are not evaluated;
 * the operator re-validates them itself.
 *
 * <p>Messages name the field, as the API server's do: {@code spec.batchSize: must be >= 1}.
 */
public final class CrdSchemaValidator {
  private static final Set<String> OBJECT_ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Map<String, JsonNode> schemasByKind;

  private CrdSchemaValidator(Map<String, JsonNode> schemasByKind) {
    this.schemasByKind = schemasByKind;
  }

  /** Reads every CRD in {@code folder} (the committed {@code crds/}). */
  public static CrdSchemaValidator fromCrds(Path folder) {
    Map<String, JsonNode> schemas = new HashMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
        JsonNode crd = YAML.readTree(file.toFile());
        String kind = crd.at("/spec/names/kind").asText();
        schemas.put(kind, crd.at("/spec/versions/0/schema/openAPIV3Schema"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new CrdSchemaValidator(schemas);
  }

  /** Whether a CRD of this kind is known. */
  public boolean knows(String kind) {
    return schemasByKind.containsKey(kind);
  }

  /** Every violation, each naming its field; empty when the schema accepts the object. */
  public List<String> validate(JsonNode object) {
    String kind = object.path("kind").asText();
    JsonNode schema = schemasByKind.get(kind);
    if (schema == null) {
      throw new IllegalArgumentException("no CRD for kind '" + kind + "'");
    }
    List<String> violations = new ArrayList<>();
    Iterator<String> names = object.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (OBJECT_ROOT_FIELDS.contains(name)) {
        continue;
      }
      JsonNode property = schema.path("properties").get(name);
      if (property == null) {
        violations.add(name + ": unknown field");
      } else {
        check(object.get(name), property, name, violations);
      }
    }
    return violations;
  }

  private static void check(JsonNode value, JsonNode schema, String path, List<String> out) {
    if (value.isNull()) {
      if (!schema.path("nullable").asBoolean(false)) {
        out.add(path + ": must not be null");
      }
      return;
    }
    String type = schema.path("type").asText("");
    switch (type) {
      case "object" -> checkObject(value, schema, path, out);
      case "array" -> checkArray(value, schema, path, out);
      case "string" -> checkString(value, schema, path, out);
      case "integer" -> {
        if (!value.isIntegralNumber()) {
          out.add(path + ": must be an integer, not " + describe(value));
        } else {
          checkRange(value, schema, path, out);
        }
      }
      case "number" -> {
        if (!value.isNumber()) {
          out.add(path + ": must be a number, not " + describe(value));
        } else {
          checkRange(value, schema, path, out);
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          out.add(path + ": must be a boolean, not " + describe(value));
        }
      }
      default -> {
        // untyped (x-kubernetes-int-or-string, preserve-unknown-fields): anything goes
      }
    }
  }

  private static void checkObject(JsonNode value, JsonNode schema, String path, List<String> out) {
    if (!value.isObject()) {
      out.add(path + ": must be an object, not " + describe(value));
      return;
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        out.add(path + "." + required.asText() + ": is required");
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String fieldPath = path + "." + field.getKey();
      JsonNode property = properties.get(field.getKey());
      if (property != null) {
        check(field.getValue(), property, fieldPath, out);
      } else if (additional != null && additional.isObject()) {
        check(field.getValue(), additional, fieldPath, out);
      } else if (!preserveUnknown) {
        out.add(fieldPath + ": unknown field");
      }
    }
  }

  private static void checkArray(JsonNode value, JsonNode schema, String path, List<String> out) {
    if (!value.isArray()) {
      out.add(path + ": must be an array, not " + describe(value));
      return;
    }
    if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
      out.add(path + ": must have at least " + schema.get("minItems").asInt() + " items");
    }
    if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
      out.add(path + ": must have at most " + schema.get("maxItems").asInt() + " items");
    }
    JsonNode items = schema.path("items");
    for (int i = 0; i < value.size(); i++) {
      check(value.get(i), items, path + "[" + i + "]", out);
    }
  }

  private static void checkString(JsonNode value, JsonNode schema, String path, List<String> out) {
    if (!value.isTextual()) {
      out.add(path + ": must be a string, not " + describe(value));
      return;
    }
    String text = value.asText();
    int length = text.codePointCount(0, text.length());
    if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
      out.add(path + ": must be at least " + schema.get("minLength").asInt() + " characters");
    }
    if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
      out.add(path + ": must be at most " + schema.get("maxLength").asInt() + " characters");
    }
    if (schema.has("enum")) {
      List<String> allowed = new ArrayList<>();
      schema.get("enum").forEach(v -> allowed.add(v.asText()));
      if (!allowed.contains(text)) {
        out.add(path + ": must be one of " + allowed + ", not '" + text + "'");
      }
    }
    if (schema.has("pattern")) {
      String pattern = schema.get("pattern").asText();
      if (!Pattern.compile(pattern).matcher(text).find()) {
        out.add(path + ": must match " + pattern + ", not '" + text + "'");
      }
    }
  }

  private static void checkRange(JsonNode value, JsonNode schema, String path, List<String> out) {
    double number = value.asDouble();
    if (schema.has("minimum") && number < schema.get("minimum").asDouble()) {
      out.add(path + ": must be >= " + schema.get("minimum").asLong());
    }
    if (schema.has("maximum") && number > schema.get("maximum").asDouble()) {
      out.add(path + ": must be <= " + schema.get("maximum").asLong());
    }
  }

  private static String describe(JsonNode value) {
    return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + value;
  }
}
