package dev.pitstop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks an object against the {@code openAPIV3Schema} of the committed CRD for its kind, as the
 * API server would before storing it: defaults are applied first, then types, required, enum,
 * pattern, minimum/maximum, minItems/maxItems, minLength/maxLength and unknown fields (kubectl
 * validates strictly) are checked, then the CEL rules ({@code x-kubernetes-validations}) are
 * evaluated at their schema nodes ({@link CelRules}). The mock API server checks none of this.
 *
 * <p>Reading the CRDs compiles every CEL rule the way the API server does when the CRD is
 * installed; a rule it would refuse (a misspelled field, a wrong type, a function that does not
 * exist) fails {@link #fromCrds} with the rule and its path.
 *
 * <p>Messages name the field, as the API server's do: {@code spec.batchSize: must be >= 1}; a
 * failed CEL rule reads like the API server's {@code spec.rules[0]: Invalid value: <message>}. As
 * in the API server, the rules are not evaluated while the object has errors of type, required,
 * enum, maxLength or maxItems; {@link CelRules#NOT_CHECKED} then says so.
 */
public final class CrdSchemaValidator {
  private static final Set<String> OBJECT_ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Map<String, JsonNode> schemasByKind;
  private final Map<String, CelRules> rulesByKind;

  private CrdSchemaValidator(Map<String, JsonNode> schemasByKind, Map<String, CelRules> rules) {
    this.schemasByKind = schemasByKind;
    this.rulesByKind = rules;
  }

  /**
   * Reads every CRD in {@code folder} (the committed {@code crds/}) and compiles their CEL rules.
   *
   * @throws IllegalArgumentException naming every rule the API server would refuse
   */
  public static CrdSchemaValidator fromCrds(Path folder) {
    List<JsonNode> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        crds.add(YAML.readTree(file.toFile()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return of(crds);
  }

  /** A validator for the given CRD documents. */
  static CrdSchemaValidator of(List<JsonNode> crds) {
    Map<String, JsonNode> schemas = new HashMap<>();
    Map<String, CelRules> rules = new LinkedHashMap<>();
    List<String> refused = new ArrayList<>();
    for (JsonNode crd : crds) {
      String kind = crd.at("/spec/names/kind").asText();
      JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
      schemas.put(kind, schema);
      try {
        rules.put(kind, CelRules.compile(kind, schema));
      } catch (IllegalArgumentException e) {
        refused.add(e.getMessage());
      }
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", refused));
    }
    return new CrdSchemaValidator(schemas, rules);
  }

  /** The compiled CEL rules of every CRD. */
  List<CelRules.Rule> celRules() {
    return rulesByKind.values().stream().flatMap(r -> r.all().stream()).toList();
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
    JsonNode defaulted = withDefaults(object, schema);
    Violations violations = new Violations();
    Iterator<String> names = defaulted.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (OBJECT_ROOT_FIELDS.contains(name)) {
        continue;
      }
      JsonNode property = schema.path("properties").get(name);
      if (property == null) {
        violations.add(name + ": unknown field");
      } else {
        check(defaulted.get(name), property, name, violations);
      }
    }
    CelRules rules = rulesByKind.get(kind);
    if (rules.all().isEmpty()) {
      return violations.messages; // the API server has no CEL validator for this kind
    }
    if (violations.blocking) {
      violations.add(CelRules.NOT_CHECKED);
    } else {
      rules.evaluate(defaulted, schema, null, true, violations.messages);
    }
    return violations.messages;
  }

  /** Violations found so far; some keep the API server from evaluating CEL rules. */
  private static final class Violations {
    final List<String> messages = new ArrayList<>();
    boolean blocking;

    void add(String message) {
      messages.add(message);
    }

    /** A type, required, enum, maxLength or maxItems error, as {@code hasBlockingErr}. */
    void addBlocking(String message) {
      messages.add(message);
      blocking = true;
    }
  }

  /**
   * A copy of the object with the schema's defaults filled in where a field is missing, as the API
   * server does before validating.
   */
  static JsonNode withDefaults(JsonNode object, JsonNode schema) {
    JsonNode copy = object.deepCopy();
    applyDefaults(copy, schema);
    return copy;
  }

  private static void applyDefaults(JsonNode value, JsonNode schema) {
    if (value instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> properties =
          schema.path("properties").properties().iterator();
      while (properties.hasNext()) {
        Map.Entry<String, JsonNode> property = properties.next();
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        }
      }
      Iterator<Map.Entry<String, JsonNode>> fields = object.properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode property = schema.path("properties").get(field.getKey());
        JsonNode additional = schema.get("additionalProperties");
        if (property != null) {
          applyDefaults(field.getValue(), property);
        } else if (additional != null && additional.isObject()) {
          applyDefaults(field.getValue(), additional);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (JsonNode item : value) {
        applyDefaults(item, schema.get("items"));
      }
    }
  }

  private static void check(JsonNode value, JsonNode schema, String path, Violations out) {
    if (value.isNull()) {
      if (!schema.path("nullable").asBoolean(false)) {
        out.addBlocking(path + ": must not be null");
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
          out.addBlocking(path + ": must be an integer, not " + describe(value));
        } else {
          checkRange(value, schema, path, out);
        }
      }
      case "number" -> {
        if (!value.isNumber()) {
          out.addBlocking(path + ": must be a number, not " + describe(value));
        } else {
          checkRange(value, schema, path, out);
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          out.addBlocking(path + ": must be a boolean, not " + describe(value));
        }
      }
      default -> {
        // untyped (x-kubernetes-int-or-string, preserve-unknown-fields): anything goes
      }
    }
  }

  private static void checkObject(JsonNode value, JsonNode schema, String path, Violations out) {
    if (!value.isObject()) {
      out.addBlocking(path + ": must be an object, not " + describe(value));
      return;
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        out.addBlocking(path + "." + required.asText() + ": is required");
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    Iterator<Map.Entry<String, JsonNode>> fields = value.properties().iterator();
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

  private static void checkArray(JsonNode value, JsonNode schema, String path, Violations out) {
    if (!value.isArray()) {
      out.addBlocking(path + ": must be an array, not " + describe(value));
      return;
    }
    if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
      out.add(path + ": must have at least " + schema.get("minItems").asInt() + " items");
    }
    if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
      out.addBlocking(path + ": must have at most " + schema.get("maxItems").asInt() + " items");
    }
    JsonNode items = schema.path("items");
    for (int i = 0; i < value.size(); i++) {
      check(value.get(i), items, path + "[" + i + "]", out);
    }
  }

  private static void checkString(JsonNode value, JsonNode schema, String path, Violations out) {
    if (!value.isTextual()) {
      out.addBlocking(path + ": must be a string, not " + describe(value));
      return;
    }
    String text = value.asText();
    int length = text.codePointCount(0, text.length());
    if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
      out.add(path + ": must be at least " + schema.get("minLength").asInt() + " characters");
    }
    if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
      out.addBlocking(
          path + ": must be at most " + schema.get("maxLength").asInt() + " characters");
    }
    if (schema.has("enum")) {
      List<String> allowed = new ArrayList<>();
      schema.get("enum").forEach(v -> allowed.add(v.asText()));
      if (!allowed.contains(text)) {
        out.addBlocking(path + ": must be one of " + allowed + ", not '" + text + "'");
      }
    }
    if (schema.has("pattern")) {
      String pattern = schema.get("pattern").asText();
      if (!Pattern.compile(pattern).matcher(text).find()) {
        out.add(path + ": must match " + pattern + ", not '" + text + "'");
      }
    }
  }

  private static void checkRange(JsonNode value, JsonNode schema, String path, Violations out) {
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
