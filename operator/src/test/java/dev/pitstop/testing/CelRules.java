package dev.pitstop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.validator.CelValidator;
import dev.cel.validator.CelValidatorFactory;
import dev.cel.validator.validators.DurationLiteralValidator;
import dev.cel.validator.validators.HomogeneousLiteralValidator;
import dev.cel.validator.validators.RegexLiteralValidator;
import dev.cel.validator.validators.TimestampLiteralValidator;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code x-kubernetes-validations} rules of one CRD, compiled and evaluated the way the API
 * server does (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel):
 *
 * <ul>
 *   <li>each rule is compiled with {@code self} (and {@code oldSelf}) typed after its schema node,
 *       so a misspelled field, a wrong type or an unknown function does not compile; the result
 *       must be a {@code bool}, a {@code messageExpression} a {@code string};
 *   <li>the CRD-level checks on a rule apply too: {@code message} without line breaks (and present
 *       when the rule has line breaks), a {@code fieldPath} that names an existing field, a known
 *       {@code reason}, {@code oldSelf} only where old and new values can be correlated;
 *   <li>a rule that uses {@code oldSelf} is a transition rule: it is evaluated only on updates, and
 *       this validator checks objects as they are created, so it compiles them but never runs them.
 * </ul>
 *
 * Not modelled: the cost estimate (a rule whose estimated cost is too high is refused by the API
 * server), and the IP, CIDR, format and semver function libraries ({@link KubernetesCelLibrary}).
 */
final class CelRules {
  /** Detail of the error the API server adds when schema errors keep it from evaluating rules. */
  static final String NOT_CHECKED =
      "<nil>: Invalid value: null: some validation rules were not checked because the object was"
          + " invalid; correct the existing errors to complete validation";

  private static final Set<String> REASONS =
      Set.of(
          "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate");
  private static final int MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;
  private static final CelOptions OPTIONS =
      CelOptions.current()
          .enableOptionalSyntax(true)
          .enableHeterogeneousNumericComparisons(true)
          .build();

  /** One compiled rule at its schema node. */
  record Rule(
      String kind,
      String location,
      int index,
      String rule,
      String message,
      String messageExpression,
      String fieldPath,
      String normalizedFieldPath,
      String reason,
      boolean transition,
      CelRuntime.Program program,
      Optional<CelRuntime.Program> messageProgram) {

    /** The message when no messageExpression gives one, as {@code ruleMessageOrDefault}. */
    String defaultMessage() {
      return message.isBlank() ? "failed rule: " + rule.strip() : message.strip();
    }

    /** How error messages name the rule, as {@code ruleErrorString}. */
    String errorString() {
      return message.isBlank() ? rule.strip() : message.strip();
    }

    @Override
    public String toString() {
      return kind + " " + location + " x-kubernetes-validations[" + index + "]: " + rule;
    }
  }

  private final Map<JsonNode, List<Rule>> rulesByNode;
  private final List<Rule> all;

  private CelRules(Map<JsonNode, List<Rule>> rulesByNode, List<Rule> all) {
    this.rulesByNode = rulesByNode;
    this.all = all;
  }

  /** Every rule, in schema order. */
  List<Rule> all() {
    return all;
  }

  /**
   * Compiles every rule of a CRD's {@code openAPIV3Schema}, or throws {@link
   * IllegalArgumentException} naming each rule that the API server would refuse, with its path.
   */
  static CelRules compile(String kind, JsonNode rootSchema) {
    CelSchemaTypes types = new CelSchemaTypes();
    types.declare(rootSchema, kind);
    Map<JsonNode, List<Rule>> rulesByNode = new IdentityHashMap<>();
    List<Rule> all = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    new Compiler(kind, types, rulesByNode, all, errors).visit(rootSchema, "", null);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(
          "x-kubernetes-validations the API server would refuse:\n  "
              + String.join("\n  ", errors));
    }
    return new CelRules(rulesByNode, all);
  }

  /** Walks the schema, compiling the rules of each node. */
  private record Compiler(
      String kind,
      CelSchemaTypes types,
      Map<JsonNode, List<Rule>> rulesByNode,
      List<Rule> all,
      List<String> errors) {

    /**
     * @param location the node's field path with {@code [*]} for items and map values
     * @param uncorrelatable the first list above the node whose items old and new objects cannot be
     *     matched up in (not {@code x-kubernetes-list-type: map}), or null
     */
    void visit(JsonNode schema, String location, String uncorrelatable) {
      if (schema.has("x-kubernetes-validations")) {
        compileNode(schema, location, uncorrelatable);
      }
      Iterator<Map.Entry<String, JsonNode>> properties =
          schema.path("properties").properties().iterator();
      while (properties.hasNext()) {
        Map.Entry<String, JsonNode> property = properties.next();
        visit(property.getValue(), join(location, property.getKey()), uncorrelatable);
      }
      JsonNode additional = schema.get("additionalProperties");
      if (additional != null && additional.isObject()) {
        visit(additional, location + "[*]", uncorrelatable);
      }
      if (schema.has("items")) {
        boolean correlatable = "map".equals(schema.path("x-kubernetes-list-type").asText());
        visit(
            schema.get("items"),
            location + "[*]",
            uncorrelatable != null || correlatable ? uncorrelatable : location);
      }
    }

    private void compileNode(JsonNode schema, String location, String uncorrelatable) {
      String where = kind + " " + (location.isEmpty() ? "(root)" : location);
      Optional<CelType> selfType = types.declaredType(schema);
      if (selfType.isEmpty()) {
        errors.add(where + ": the schema node has no CEL type, so its rules cannot be compiled");
        return;
      }
      Cel cel = environment(types.provider(), selfType.get());
      List<Rule> rules = new ArrayList<>();
      JsonNode validations = schema.get("x-kubernetes-validations");
      for (int i = 0; i < validations.size(); i++) {
        JsonNode validation = validations.get(i);
        String rule = validation.path("rule").asText("");
        String prefix = where + " x-kubernetes-validations[" + i + "] rule \"" + rule + "\": ";
        int before = errors.size();
        Rule compiled = compileRule(cel, schema, location, i, validation, prefix, uncorrelatable);
        if (compiled != null && errors.size() == before) {
          rules.add(compiled);
        }
      }
      rulesByNode.put(schema, rules);
      all.addAll(rules);
    }

    private Rule compileRule(
        Cel cel,
        JsonNode schema,
        String location,
        int index,
        JsonNode validation,
        String prefix,
        String uncorrelatable) {
      String rule = validation.path("rule").asText("");
      String message = validation.path("message").asText("");
      String messageExpression = validation.path("messageExpression").asText("");
      String fieldPath = validation.path("fieldPath").asText("");
      String reason = validation.path("reason").asText("");
      if (rule.isBlank()) {
        errors.add(prefix + "rule is not specified");
        return null;
      }
      if (!message.isEmpty() && message.isBlank()) {
        errors.add(prefix + "message must be non-empty if specified");
      } else if (message.strip().contains("\n")) {
        errors.add(prefix + "message must not contain line breaks");
      } else if (rule.strip().contains("\n") && message.isBlank()) {
        errors.add(prefix + "message must be specified if rule contains line breaks");
      }
      if (!messageExpression.isEmpty() && messageExpression.isBlank()) {
        errors.add(prefix + "messageExpression must be non-empty if specified");
      }
      if (validation.has("reason") && !REASONS.contains(reason)) {
        errors.add(prefix + "reason must be one of " + REASONS + ", not '" + reason + "'");
      }
      String normalizedFieldPath = "";
      if (validation.has("fieldPath")) {
        try {
          normalizedFieldPath = normalizeFieldPath(fieldPath, schema);
        } catch (IllegalArgumentException e) {
          errors.add(
              prefix + "fieldPath '" + fieldPath + "' must be a valid path: " + e.getMessage());
        }
      }

      CelAbstractSyntaxTree ast;
      try {
        ast = checked(cel, rule);
      } catch (CelValidationException e) {
        errors.add(prefix + "compilation failed: " + hint(e.getMessage()));
        return null;
      }
      if (!ast.getResultType().equals(SimpleType.BOOL)) {
        errors.add(prefix + "cel expression must evaluate to a bool, not " + ast.getResultType());
        return null;
      }
      boolean transition =
          ast.getReferenceMap().values().stream()
              .map(CelReference::name)
              .anyMatch("oldSelf"::equals);
      if (transition && uncorrelatable != null) {
        errors.add(
            prefix
                + "oldSelf cannot be used on the uncorrelatable portion of the schema within "
                + uncorrelatable);
      }
      if (validation.has("optionalOldSelf") && !transition) {
        errors.add(prefix + "optionalOldSelf may not be set if oldSelf is not used in rule");
      }
      Optional<CelRuntime.Program> messageProgram = Optional.empty();
      if (!messageExpression.isBlank()) {
        try {
          CelAbstractSyntaxTree messageAst = checked(cel, messageExpression);
          if (!messageAst.getResultType().equals(SimpleType.STRING)) {
            errors.add(prefix + "messageExpression must evaluate to a string");
          } else {
            messageProgram = Optional.of(cel.createProgram(messageAst));
          }
        } catch (CelValidationException e) {
          errors.add(prefix + "messageExpression compilation failed: " + hint(e.getMessage()));
        } catch (CelEvaluationException e) {
          errors.add(prefix + "messageExpression instantiation failed: " + e.getMessage());
        }
      }
      try {
        return new Rule(
            kind,
            location,
            index,
            rule,
            message,
            messageExpression,
            fieldPath,
            normalizedFieldPath,
            reason,
            transition,
            cel.createProgram(ast),
            messageProgram);
      } catch (CelEvaluationException e) {
        errors.add(prefix + "program instantiation failed: " + e.getMessage());
        return null;
      }
    }

    private static CelAbstractSyntaxTree checked(Cel cel, String expression)
        throws CelValidationException {
      CelAbstractSyntaxTree ast = cel.compile(expression).getAst();
      return literalChecks(cel).validate(ast).getAst();
    }

    /** Points out when a rule uses a Kubernetes function this validator lacks. */
    private static String hint(String message) {
      for (String function : KubernetesCelLibrary.NOT_IMPLEMENTED) {
        if (message.contains("undeclared reference to '" + function + "'")
            || message.contains("undeclared reference to '" + function + ".")) {
          return message
              + "\n(the Kubernetes CEL function '"
              + function
              + "' is not implemented in the test-side KubernetesCelLibrary yet)";
        }
      }
      return message;
    }
  }

  /**
   * The literal checks of the Kubernetes environment: regular expressions, durations and timestamps
   * that cannot be parsed, and list and map literals mixing types are compile errors.
   */
  private static CelValidator literalChecks(Cel cel) {
    return CelValidatorFactory.standardCelValidatorBuilder(cel)
        .addAstValidators(
            RegexLiteralValidator.INSTANCE,
            DurationLiteralValidator.INSTANCE,
            TimestampLiteralValidator.INSTANCE,
            HomogeneousLiteralValidator.newInstance())
        .build();
  }

  /**
   * The environment of a rule: the Kubernetes base environment plus {@code self}/{@code oldSelf}.
   */
  private static Cel environment(CelTypeProvider types, CelType selfType) {
    return CelFactory.standardCelBuilder()
        .setOptions(OPTIONS)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .setTypeProvider(types)
        .addCompilerLibraries(
            CelExtensions.strings(),
            CelExtensions.sets(OPTIONS),
            CelExtensions.lists(),
            CelExtensions.optional(),
            CelExtensions.comprehensions())
        .addRuntimeLibraries(
            CelExtensions.strings(),
            CelExtensions.sets(OPTIONS),
            CelExtensions.lists(),
            CelExtensions.optional(),
            CelExtensions.comprehensions())
        .addFunctionDeclarations(KubernetesCelLibrary.declarations())
        .addFunctionBindings(KubernetesCelLibrary.bindings())
        .addVar("self", selfType)
        .addVar("oldSelf", selfType)
        .build();
  }

  // ---- evaluation

  /**
   * Evaluates the rules of {@code schema} and of every node below it for {@code value}, adding a
   * message per failed rule as the API server words it.
   *
   * @param path the field path of {@code value}, null for the object itself
   */
  void evaluate(
      JsonNode value, JsonNode schema, String path, boolean resourceRoot, List<String> out) {
    if (value == null || value.isNull()) {
      return;
    }
    List<Rule> rules = rulesByNode.getOrDefault(schema, List.of());
    if (!rules.isEmpty()) {
      Object self = CelSchemaTypes.valueOf(value, schema, resourceRoot);
      for (Rule rule : rules) {
        evaluateRule(rule, self, value, schema, path, out);
      }
    }
    if (value.isObject()) {
      JsonNode additional = schema.get("additionalProperties");
      Iterator<Map.Entry<String, JsonNode>> fields = value.properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode property = schema.path("properties").get(field.getKey());
        if (property != null) {
          evaluate(
              field.getValue(),
              property,
              join(path, field.getKey()),
              CelSchemaTypes.isEmbeddedResource(property),
              out);
        } else if (additional != null && additional.isObject()) {
          evaluate(
              field.getValue(),
              additional,
              (path == null ? "" : path) + "[" + field.getKey() + "]",
              CelSchemaTypes.isEmbeddedResource(additional),
              out);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      JsonNode items = schema.get("items");
      for (int i = 0; i < value.size(); i++) {
        evaluate(
            value.get(i),
            items,
            (path == null ? "" : path) + "[" + i + "]",
            CelSchemaTypes.isEmbeddedResource(items),
            out);
      }
    }
  }

  private static void evaluateRule(
      Rule rule, Object self, JsonNode value, JsonNode schema, String path, List<String> out) {
    if (rule.transition()) {
      return; // needs the old object: evaluated on updates only
    }
    String fieldPath = path == null ? "<nil>" : path;
    String type = schema.path("type").asText("");
    boolean omitValue = type.equals("object") || type.equals("array");
    Object result;
    try {
      result = rule.program().eval(Map.of("self", self));
    } catch (CelEvaluationException e) {
      // the API server shows the schema type as the value here
      out.add(
          fieldPath
              + ": Invalid value: "
              + quote(type)
              + ": "
              + e.getMessage()
              + " evaluating rule: "
              + rule.errorString());
      return;
    }
    if (Boolean.TRUE.equals(result)) {
      return;
    }
    String failedPath = fieldPath;
    if (!rule.normalizedFieldPath().isEmpty()) {
      failedPath =
          path == null ? rule.normalizedFieldPath() : path + "." + rule.normalizedFieldPath();
    }
    String detail = rule.messageProgram().flatMap(p -> evaluateMessage(p, self)).orElse(null);
    if (detail == null) {
      detail = rule.defaultMessage();
    }
    String shownValue = omitValue ? null : goValue(value);
    out.add(
        switch (rule.reason()) {
          case "FieldValueForbidden" -> failedPath + ": Forbidden: " + detail;
          case "FieldValueRequired" -> failedPath + ": Required value: " + detail;
          case "FieldValueDuplicate" ->
              failedPath + ": Duplicate value" + (shownValue == null ? "" : ": " + shownValue);
          default ->
              failedPath
                  + ": Invalid value: "
                  + (shownValue == null ? "" : shownValue + ": ")
                  + detail;
        });
  }

  /** The message a messageExpression gives, or empty if it gives none the API server would use. */
  private static Optional<String> evaluateMessage(CelRuntime.Program program, Object self) {
    try {
      Object message = program.eval(Map.of("self", self));
      if (!(message instanceof String text)) {
        return Optional.empty();
      }
      String trimmed = text.strip();
      if (trimmed.isEmpty()
          || trimmed.contains("\n")
          || trimmed.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
              > MAX_MESSAGE_EXPRESSION_BYTES) {
        return Optional.empty();
      }
      return Optional.of(trimmed);
    } catch (CelEvaluationException e) {
      return Optional.empty();
    }
  }

  /** A scalar as Go's {@code %v}/{@code %q} prints it in a field error. */
  private static String goValue(JsonNode value) {
    if (value.isTextual()) {
      return quote(value.asText());
    }
    if (value.isDouble() || value.isFloat() || value.isBigDecimal()) {
      double d = value.asDouble();
      return d == Math.rint(d) && Math.abs(d) < 1e21 ? Long.toString((long) d) : Double.toString(d);
    }
    return value.toString();
  }

  private static String quote(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    text.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    quoted.append(String.format("\\x%02x", c));
                  } else {
                    quoted.appendCodePoint(c);
                  }
                }
              }
            });
    return quoted.append('"').toString();
  }

  private static final Pattern FIELD_PATH_STEP =
      Pattern.compile("\\.([^.\\[\\]]+)|\\['((?:[^'\\\\]|\\\\.)*)'\\]");

  /**
   * The field path of a rule's {@code fieldPath} relative to its node ({@code .a.b} is {@code a.b},
   * {@code .labels['x.y']} is {@code labels[x.y]}), checked against the schema as {@code
   * ValidFieldPath} does.
   */
  static String normalizeFieldPath(String fieldPath, JsonNode schema) {
    Matcher step = FIELD_PATH_STEP.matcher(fieldPath.strip());
    StringBuilder normalized = new StringBuilder();
    JsonNode current = schema;
    int end = 0;
    while (step.lookingAt()) {
      String name = step.group(1) != null ? step.group(1) : unescape(step.group(2));
      if (current.has("properties")) {
        current = current.get("properties").get(name);
        if (current == null) {
          throw new IllegalArgumentException("'" + name + "' does not refer to a valid field");
        }
        normalized.append(normalized.length() == 0 ? "" : ".").append(name);
      } else if (current.path("additionalProperties").isObject()) {
        current = current.get("additionalProperties");
        normalized.append('[').append(name).append(']');
      } else {
        throw new IllegalArgumentException("'" + name + "' does not refer to a valid field");
      }
      end = step.end();
      step.region(end, fieldPath.strip().length());
    }
    if (end != fieldPath.strip().length() || end == 0) {
      throw new IllegalArgumentException("expected [ or . at position " + end);
    }
    return normalized.toString();
  }

  private static String unescape(String quoted) {
    return quoted.replaceAll("\\\\(.)", "$1");
  }

  private static String join(String path, String name) {
    return path == null || path.isEmpty() ? name : path + "." + name;
  }
}
