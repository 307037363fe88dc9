package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CEL functions and types a rule can use, as the Kubernetes API server offers them: each
 * expression is a rule on a Widget's {@code spec}, evaluated for one object.
 */
class KubernetesCelLibraryTest {
  private static final String SPEC_SCHEMA =
      """
      type: object
      properties:
        q: {type: string}
        url: {type: string}
        ints: {type: array, items: {type: integer}}
        names: {type: array, items: {type: string}}
        size: {type: integer}
        ratio: {type: number}
        timeout: {type: string, format: duration}
        at: {type: string, format: date-time}
        data: {type: string, format: byte}
        labels: {type: object, additionalProperties: {type: string}}
        port: {x-kubernetes-int-or-string: true}
        absent: {type: string}
      """;
  private static final JsonNode SPEC =
      CelRulesTest.widget(
          """
          {q: 1.5Gi, url: 'https://example.com:8443/a%20b?x=1&x=2&y', ints: [1, 2, 3],
           names: [a, b], size: 3, ratio: 0.5, timeout: 1m30s, at: '2024-01-02T03:04:05Z',
           data: aGVsbG8=, labels: {app: shop}, port: http}
          """);

  private static boolean holds(String rule) {
    String quoted = "'" + rule.replace("'", "''") + "'";
    CrdSchemaValidator schema =
        CelRulesTest.widgets(SPEC_SCHEMA + "x-kubernetes-validations: [{rule: " + quoted + "}]");
    var violations = schema.validate(SPEC);
    assertThat(violations)
        .as(rule)
        .allSatisfy(v -> assertThat(v).isEqualTo("spec: Invalid value: failed rule: " + rule));
    return violations.isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // the standard library and macros
        "has(self.q) && !has(self.absent)",
        "self.names.exists_one(n, n == 'a') && self.names.all(n, n.size() == 1)",
        "self.names.map(n, n + n) == ['aa', 'bb'] && self.names.filter(n, n == 'b').size() == 1",
        "self.ints.exists(i, i > 2) && 2 in self.ints && size(self.names) == 2",
        "'abc'.matches('b') && !'abc'.matches('^b') && self.q.startsWith('1.')",
        "self.ratio < self.size && self.size > 2.5",
        "self.timeout == duration('90s') && self.at == timestamp('2024-01-02T03:04:05Z')",
        "self.at.getFullYear() == 2024 && self.data == b'hello'",
        "type(self.port) == string && self.labels.app == 'shop'",
        "int('42') == 42 && string(self.size) == '3' && double(self.size) == 3.0",
        // cel-go extensions in the Kubernetes environment
        "'Shop'.lowerAscii() == 'shop' && 'a,b'.split(',') == ['a', 'b']",
        "'  x '.trim() == 'x' && 'abc'.substring(1) == 'bc' && 'abcb'.lastIndexOf('b') == 3",
        "['a', 'b'].join('-') == 'a-b' && 'abc'.charAt(1) == 'b' && 'a'.upperAscii() == 'A'",
        "sets.contains(self.ints, [2]) && sets.intersects(self.ints, [3, 4])",
        "sets.equivalent([1, 2], [2, 1, 1])",
        "[3, 1, 2].sort() == [1, 2, 3] && [1, 1, 2].distinct() == [1, 2]",
        "[[1], [2]].flatten() == [1, 2] && lists.range(3) == [0, 1, 2]",
        "self.?absent.orValue('none') == 'none' && self.?q.hasValue()",
        "self.labels.all(k, v, k.size() > 0 && v != '')",
        // Kubernetes lists
        "self.ints.isSorted() && !['b', 'a'].isSorted()",
        "self.ints.sum() == 6 && [0.5, 0.25].sum() == 0.75",
        "[duration('1s'), duration('2s')].sum() == duration('3s')",
        "self.ints.min() == 1 && self.ints.max() == 3 && self.names.max() == 'b'",
        "self.names.indexOf('b') == 1 && [1, 2, 2].lastIndexOf(2) == 2",
        "self.names.indexOf('z') == -1",
        // Kubernetes regex
        "'abc-123'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
        "'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']",
        "'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']",
        // Kubernetes URLs
        "isURL(self.url) && isURL('/absolute/path') && isURL('mailto:someone@example.com')",
        "!isURL('example.com/path') && !isURL('https://exa mple.com') && !isURL('')",
        "!isURL('https://example.com/%zz')",
        "url(self.url).getScheme() == 'https' && url(self.url).getHost() == 'example.com:8443'",
        "url(self.url).getHostname() == 'example.com' && url(self.url).getPort() == '8443'",
        "url(self.url).getEscapedPath() == '/a%20b'",
        "url(self.url).getQuery() == {'x': ['1', '2'], 'y': ['']}",
        "url('https://[::1]:80/').getHostname() == '::1' && url('/p').getHost() == ''",
        // Kubernetes quantities
        "quantity(self.q).isGreaterThan(quantity('1Gi'))",
        "quantity(self.q).compareTo(quantity('1536Mi')) == 0",
        "isQuantity('100m') && isQuantity('1e3') && isQuantity('-2Ki') && isQuantity('.5')",
        "!isQuantity('1.2.3') && !isQuantity('1K') && !isQuantity('') && !isQuantity('Gi')",
        "quantity('1500m').asApproximateFloat() == 1.5 && !quantity('1500m').isInteger()",
        "quantity('2000m').asInteger() == 2 && quantity('2k').asInteger() == 2000",
        "quantity('1Gi').add(quantity('1Gi')).isGreaterThan(quantity('2G'))",
        "quantity('1').sub(2).isLessThan(quantity('0')) && quantity('1').add(1).asInteger() == 2",
        "sign(quantity('-1')) == -1 && sign(quantity('0')) == 0",
      })
  void expressionHolds(String rule) {
    assertThat(holds(rule)).as(rule).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "quantity(self.q).isLessThan(quantity('1Gi'))",
        "isURL('example.com')",
        "self.ints.isSorted() && [2, 1].isSorted()",
        "self.names.indexOf('a') == 1",
        "'abc'.find('c') == 'b'",
        "self.labels.all(k, v, v == 'other')",
        "self.ratio > self.size",
      })
  void expressionFails(String rule) {
    assertThat(holds(rule)).as(rule).isFalse();
  }
}
