package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How {@link CrdSchemaValidator} compiles and evaluates CEL rules, on a made-up kind: the API
 * server's messages, field paths and reasons, defaults, transition rules, and the rules the API
 * server refuses when the CRD is installed.
 */
class CelRulesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A CRD of kind Widget whose {@code spec} has the given schema. */
  static CrdSchemaValidator widgets(String specSchema) {
    return widgets(specSchema, "");
  }

  /** A CRD of kind Widget; {@code rootRules} are x-kubernetes-validations of the root. */
  static CrdSchemaValidator widgets(String specSchema, String rootRules) {
    ObjectNode crd =
        (ObjectNode)
            yaml(
                """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.dev}
                spec:
                  names: {kind: Widget}
                  versions:
                  - name: v1
                    schema:
                      openAPIV3Schema: {type: object}
                """);
    ObjectNode root = (ObjectNode) crd.at("/spec/versions/0/schema/openAPIV3Schema");
    root.putObject("properties").set("spec", yaml(specSchema));
    if (!rootRules.isEmpty()) {
      root.set("x-kubernetes-validations", yaml(rootRules));
    }
    return CrdSchemaValidator.of(List.of(crd));
  }

  static JsonNode widget(String spec) {
    return yaml("apiVersion: example.dev/v1\nkind: Widget\nmetadata: {name: w-1}\nspec: " + spec);
  }

  static JsonNode yaml(String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String SIZED =
      """
      type: object
      properties:
        name: {type: string}
        size: {type: integer}
        ratio: {type: number}
        names: {type: array, items: {type: string}}
        limits: {type: object, additionalProperties: {type: string}}
        absent: {type: string}
      x-kubernetes-validations:
      """;

  @Test
  void failedRuleOnAnObjectOmitsTheValue() {
    CrdSchemaValidator schema = widgets(SIZED + "- {rule: 'self.size < 3', message: too big}");
    assertThat(schema.validate(widget("{size: 2}"))).isEmpty();
    assertThat(schema.validate(widget("{size: 3}")))
        .containsExactly("spec: Invalid value: too big");
  }

  @Test
  void failedRuleOnAScalarShowsTheValueAsTheApiServerPrintsIt() {
    CrdSchemaValidator schema =
        widgets(
            """
            type: object
            properties:
              name:
                type: string
                x-kubernetes-validations: [{rule: "self != 'big'", message: not big}]
              size:
                type: integer
                x-kubernetes-validations: [{rule: self < 3, message: too big}]
              ratio:
                type: number
                x-kubernetes-validations: [{rule: self < 1.0, message: too high}]
              names:
                type: array
                items: {type: string}
                x-kubernetes-validations: [{rule: self.size() < 2, message: too many}]
            """);
    assertThat(schema.validate(widget("{name: small, size: 1, ratio: 0.5, names: [a]}"))).isEmpty();
    assertThat(schema.validate(widget("{name: big, size: 5, ratio: 2.5, names: [a, b]}")))
        .containsExactly(
            "spec.name: Invalid value: \"big\": not big",
            "spec.size: Invalid value: 5: too big",
            "spec.ratio: Invalid value: 2.5: too high",
            "spec.names: Invalid value: too many");
  }

  @Test
  void withoutAMessageTheRuleIsTheMessage() {
    CrdSchemaValidator schema = widgets(SIZED + "- rule: '  self.size < 3 '");
    assertThat(schema.validate(widget("{size: 4}")))
        .containsExactly("spec: Invalid value: failed rule: self.size < 3");
  }

  @Test
  void messageExpressionGivesTheMessageAndFallsBackToMessage() {
    CrdSchemaValidator schema =
        widgets(
            SIZED
                + """
                - rule: self.size < 3
                  messageExpression: "'size ' + string(self.size) + ' is more than 2'"
                - rule: self.size < 4
                  message: too big
                  messageExpression: self.absent
                - rule: self.size < 5
                  message: far too big
                  messageExpression: "' '"
                """);
    assertThat(schema.validate(widget("{size: 2}"))).isEmpty();
    assertThat(schema.validate(widget("{size: 9}")))
        .containsExactly(
            "spec: Invalid value: size 9 is more than 2",
            "spec: Invalid value: too big",
            "spec: Invalid value: far too big");
  }

  @Test
  void fieldPathAndReasonShapeTheError() {
    CrdSchemaValidator schema =
        widgets(
            SIZED
                + """
                - {rule: "!has(self.limits) || !('cpu' in self.limits)", fieldPath: ".limits['cpu']", message: no cpu limits}
                - {rule: "!has(self.name)", fieldPath: .name, reason: FieldValueForbidden, message: name is set by the operator}
                - {rule: "has(self.size)", fieldPath: .size, reason: FieldValueRequired, message: size is required}
                - {rule: "self.names.all(n, self.names.exists_one(o, o == n))", fieldPath: .names, reason: FieldValueDuplicate}
                - {rule: "self.ratio < 1.0", reason: FieldValueInvalid, message: too high}
                """);
    assertThat(schema.validate(widget("{size: 1, ratio: 0.5, names: [a], limits: {mem: 1Gi}}")))
        .isEmpty();
    assertThat(schema.validate(widget("{name: x, ratio: 2.0, names: [a, a], limits: {cpu: '1'}}")))
        .containsExactly(
            "spec.limits[cpu]: Invalid value: no cpu limits",
            "spec.name: Forbidden: name is set by the operator",
            "spec.size: Required value: size is required",
            "spec.names: Duplicate value",
            "spec: Invalid value: too high");
  }

  @Test
  void rulesOnItemsAndMapValuesNameTheElement() {
    CrdSchemaValidator schema =
        widgets(
            """
            type: object
            properties:
              names:
                type: array
                items:
                  type: string
                  x-kubernetes-validations: [{rule: "self.lowerAscii() == self", message: lower case only}]
              limits:
                type: object
                additionalProperties:
                  type: string
                  x-kubernetes-validations: [{rule: "isQuantity(self)", message: not a quantity}]
            """);
    assertThat(schema.validate(widget("{names: [a, b], limits: {cpu: 500m}}"))).isEmpty();
    assertThat(schema.validate(widget("{names: [a, B], limits: {cpu: lots}}")))
        .containsExactly(
            "spec.names[1]: Invalid value: \"B\": lower case only",
            "spec.limits[cpu]: Invalid value: \"lots\": not a quantity");
  }

  @Test
  void rootRulesSeeApiVersionKindAndName() {
    CrdSchemaValidator schema =
        widgets(
            "{type: object, properties: {size: {type: integer}}}",
            """
            - {rule: "self.metadata.name.startsWith('w-')", message: names start with w-}
            - {rule: "self.kind == 'Widget' && self.apiVersion.startsWith('example.dev/')"}
            - {rule: "!has(self.spec) || self.spec.size < 3", fieldPath: .spec.size, message: too big}
            """);
    assertThat(schema.validate(widget("{size: 1}"))).isEmpty();
    JsonNode renamed = widget("{size: 4}");
    ((ObjectNode) renamed.get("metadata")).put("name", "gadget");
    assertThat(schema.validate(renamed))
        .containsExactly(
            "<nil>: Invalid value: names start with w-", "spec.size: Invalid value: too big");
  }

  @Test
  void rulesSeeDefaults() {
    CrdSchemaValidator schema =
        widgets(
            """
            type: object
            properties:
              mode: {type: string, default: fast}
              retries: {type: integer, default: 3}
            x-kubernetes-validations:
            - {rule: "self.mode != 'fast' || self.retries <= 3", message: fast mode retries at most 3 times}
            """);
    assertThat(schema.validate(widget("{}"))).isEmpty();
    assertThat(schema.validate(widget("{retries: 5}")))
        .containsExactly("spec: Invalid value: fast mode retries at most 3 times");
    assertThat(schema.validate(widget("{mode: slow, retries: 5}"))).isEmpty();
  }

  @Test
  void schemaErrorsThatBlockRulesAreReportedInsteadOfTheRules() {
    CrdSchemaValidator schema =
        widgets(
            """
            type: object
            properties:
              size: {type: integer}
              name: {type: string, pattern: '^[a-z]+$'}
            x-kubernetes-validations:
            - {rule: "!has(self.size) || self.size < 3", message: too big}
            """);
    // a type error keeps the API server from evaluating the rules
    assertThat(schema.validate(widget("{size: '9'}")))
        .containsExactly("spec.size: must be an integer, not string \"9\"", CelRules.NOT_CHECKED);
    // a pattern error does not
    assertThat(schema.validate(widget("{size: 9, name: X}")))
        .containsExactly("spec.name: must match ^[a-z]+$, not 'X'", "spec: Invalid value: too big");
  }

  @Test
  void transitionRulesCompileButAreNotEvaluatedOnCreate() {
    CrdSchemaValidator schema =
        widgets(SIZED + "- {rule: 'self.size >= oldSelf.size', message: size cannot shrink}");
    assertThat(schema.celRules()).singleElement().matches(CelRules.Rule::transition);
    assertThat(schema.validate(widget("{size: 1}"))).isEmpty();
  }

  @Test
  void aRuntimeErrorIsAnInvalidValue() {
    CrdSchemaValidator schema = widgets(SIZED + "- {rule: \"self.absent == 'x'\"}");
    assertThat(schema.validate(widget("{size: 1}")))
        .singleElement()
        .asString()
        .startsWith("spec: Invalid value: \"object\": ")
        .contains("absent")
        .endsWith(" evaluating rule: self.absent == 'x'");
  }

  @Test
  void propertyNamesAreEscapedAsInKubernetes() {
    CrdSchemaValidator schema =
        widgets(
            """
            type: object
            properties:
              namespace: {type: string}
              x-y: {type: integer}
              a.b: {type: integer}
              labels: {type: object, additionalProperties: {type: string}}
            x-kubernetes-validations:
            - rule: "self.__namespace__ == 'team-a' && self.x__dash__y == 1 && self.a__dot__b == 2"
            - rule: "self.labels['app.kubernetes.io/name'] == 'shop'"
            """);
    assertThat(
            schema.validate(
                widget(
                    "{namespace: team-a, x-y: 1, a.b: 2,"
                        + " labels: {app.kubernetes.io/name: shop}}")))
        .isEmpty();
    assertThat(
            schema.validate(
                widget(
                    "{namespace: team-b, x-y: 1, a.b: 2,"
                        + " labels: {app.kubernetes.io/name: shop}}")))
        .hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          a misspelled field               | {rule: self.sise < 3}                        | compilation failed: ERROR: <input>:1:5: undefined field 'sise'
          a field of another node          | {rule: self.olderThan.age == '1d'}           | undefined field 'olderThan'
          a wrong type                     | {rule: self.size < 'three'}                  | found no matching overload for '_<_' applied to '(int, string)'
          a result that is not a bool      | {rule: self.size}                            | cel expression must evaluate to a bool
          an invalid regex literal         | "{rule: ""self.name.matches('[')""}"         | compilation failed
          an undeclared function           | {rule: self.name.frobnicate()}               | undeclared reference to 'frobnicate'
          a Kubernetes function lacking    | {rule: isIP(self.name)}                      | function 'isIP' is not implemented in the test-side KubernetesCelLibrary
          a message with a line break      | "{rule: self.size < 3, message: ""too\\nbig""}" | message must not contain line breaks
          a rule of two lines, no message  | "{rule: ""self.size < 3 &&\\n self.size > 0""}" | message must be specified if rule contains line breaks
          a messageExpression not a string | {rule: self.size < 3, messageExpression: self.size} | messageExpression must evaluate to a string
          a broken messageExpression       | "{rule: self.size < 3, messageExpression: ""'n' + self.nope""}" | messageExpression compilation failed
          a fieldPath to nowhere           | {rule: self.size < 3, fieldPath: .nope}      | fieldPath '.nope' must be a valid path
          a fieldPath into a list          | {rule: self.size < 3, fieldPath: .names.x}   | fieldPath '.names.x' must be a valid path
          an unknown reason                | {rule: self.size < 3, reason: FieldValueWrong} | reason must be one of
          an empty rule                    | {rule: ' '}                                  | rule is not specified
          optionalOldSelf without oldSelf  | {rule: self.size < 3, optionalOldSelf: true} | optionalOldSelf may not be set if oldSelf is not used in rule
          """)
  void refusesWhatTheApiServerRefuses(String what, String rule, String error) {
    assertThatThrownBy(() -> widgets(SIZED + "- " + rule))
        .as(what)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Widget spec x-kubernetes-validations[0] rule \"")
        .hasMessageContaining(error);
  }

  @Test
  void refusesOldSelfWhereOldAndNewItemsCannotBeMatched() {
    String items =
        """
        type: object
        properties:
          %s:
            type: array
            %s
            items:
              type: object
              properties: {name: {type: string}, size: {type: integer}}
              x-kubernetes-validations: [{rule: "self.size >= oldSelf.size"}]
        """;
    assertThatThrownBy(() -> widgets(items.formatted("parts", "")))
        .hasMessageContaining("Widget spec.parts[*] x-kubernetes-validations[0]")
        .hasMessageContaining(
            "oldSelf cannot be used on the uncorrelatable portion of the schema within spec.parts");
    assertThatThrownBy(() -> widgets(items.formatted("parts", "x-kubernetes-list-type: set")))
        .hasMessageContaining("uncorrelatable");
    CrdSchemaValidator mapList =
        widgets(
            items.formatted(
                "parts", "x-kubernetes-list-type: map\n    x-kubernetes-list-map-keys: [name]"));
    assertThat(mapList.celRules()).singleElement().matches(CelRules.Rule::transition);
  }

  @Test
  void namesEveryRefusedRule() {
    assertThatThrownBy(
            () ->
                widgets(
                    """
                    type: object
                    properties:
                      size:
                        type: integer
                        x-kubernetes-validations: [{rule: self.nope}]
                    x-kubernetes-validations: [{rule: self.size < 3}, {rule: self.sise < 3}]
                    """))
        .hasMessageContaining("Widget spec x-kubernetes-validations[1] rule \"self.sise < 3\"")
        .hasMessageContaining("Widget spec.size x-kubernetes-validations[0] rule \"self.nope\"")
        .message()
        .doesNotContain("x-kubernetes-validations[0] rule \"self.size < 3\"");
  }
}
