package dev.pitstop.testing;

import static dev.cel.common.CelOverloadDecl.newGlobalOverload;
import static dev.cel.common.CelOverloadDecl.newMemberOverload;

import com.google.common.primitives.UnsignedLong;
import com.google.re2j.PatternSyntaxException;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.TypeParamType;
import dev.cel.common.values.CelByteString;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The functions the Kubernetes API server adds to CEL for {@code x-kubernetes-validations} (from
 * k8s.io/apiserver/pkg/cel/library), beyond the CEL standard library and the cel-java extensions
 * that mirror cel-go's (strings, sets, lists, optional values, two-variable comprehensions):
 *
 * <ul>
 *   <li>lists: {@code isSorted}, {@code sum}, {@code min}, {@code max}, {@code indexOf}, {@code
 *       lastIndexOf};
 *   <li>regex: {@code find}, {@code findAll};
 *   <li>URLs: {@code url}, {@code isURL}, {@code getScheme}, {@code getHost}, {@code getHostname},
 *       {@code getPort}, {@code getEscapedPath}, {@code getQuery} (parsed like Go's {@code
 *       url.ParseRequestURI});
 *   <li>quantities: {@code quantity}, {@code isQuantity}, {@code sign}, {@code isGreaterThan},
 *       {@code isLessThan}, {@code compareTo}, {@code asApproximateFloat}, {@code asInteger},
 *       {@code isInteger}, {@code add}, {@code sub}.
 * </ul>
 *
 * The IP, CIDR, format and semver libraries are not implemented: a rule using them fails to compile
 * here with a message saying so ({@link #NOT_IMPLEMENTED}).
 */
final class KubernetesCelLibrary {
  /** Kubernetes CEL functions this library does not implement. */
  static final Set<String> NOT_IMPLEMENTED =
      Set.of("ip", "isIP", "cidr", "isCIDR", "semver", "isSemver", "format");

  static final OpaqueType URL = OpaqueType.create("kubernetes.URL");
  static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");

  private static final TypeParamType A = TypeParamType.create("A");
  private static final Map<String, CelType> COMPARABLE = new LinkedHashMap<>();
  private static final Map<String, CelType> SUMMABLE = new LinkedHashMap<>();

  static {
    COMPARABLE.put("int", SimpleType.INT);
    COMPARABLE.put("uint", SimpleType.UINT);
    COMPARABLE.put("double", SimpleType.DOUBLE);
    COMPARABLE.put("bool", SimpleType.BOOL);
    COMPARABLE.put("duration", SimpleType.DURATION);
    COMPARABLE.put("timestamp", SimpleType.TIMESTAMP);
    COMPARABLE.put("string", SimpleType.STRING);
    COMPARABLE.put("bytes", SimpleType.BYTES);
    SUMMABLE.put("int", SimpleType.INT);
    SUMMABLE.put("uint", SimpleType.UINT);
    SUMMABLE.put("double", SimpleType.DOUBLE);
    SUMMABLE.put("duration", SimpleType.DURATION);
  }

  private KubernetesCelLibrary() {}

  static List<CelFunctionDecl> declarations() {
    List<CelFunctionDecl> decls = new ArrayList<>();
    // lists
    List<CelOverloadDecl> isSorted = new ArrayList<>();
    List<CelOverloadDecl> min = new ArrayList<>();
    List<CelOverloadDecl> max = new ArrayList<>();
    COMPARABLE.forEach(
        (name, type) -> {
          isSorted.add(
              newMemberOverload(
                  "list_" + name + "_is_sorted_bool", SimpleType.BOOL, ListType.create(type)));
          min.add(newMemberOverload("list_" + name + "_min_" + name, type, ListType.create(type)));
          max.add(newMemberOverload("list_" + name + "_max_" + name, type, ListType.create(type)));
        });
    List<CelOverloadDecl> sum = new ArrayList<>();
    SUMMABLE.forEach(
        (name, type) ->
            sum.add(
                newMemberOverload("list_" + name + "_sum_" + name, type, ListType.create(type))));
    decls.add(CelFunctionDecl.newFunctionDeclaration("isSorted", isSorted));
    decls.add(CelFunctionDecl.newFunctionDeclaration("min", min));
    decls.add(CelFunctionDecl.newFunctionDeclaration("max", max));
    decls.add(CelFunctionDecl.newFunctionDeclaration("sum", sum));
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "indexOf",
            newMemberOverload("list_a_index_of_int", SimpleType.INT, ListType.create(A), A)));
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "lastIndexOf",
            newMemberOverload("list_a_last_index_of_int", SimpleType.INT, ListType.create(A), A)));
    // regex
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "find",
            newMemberOverload(
                "string_find_string", SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)));
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "findAll",
            newMemberOverload(
                "string_find_all_string",
                ListType.create(SimpleType.STRING),
                SimpleType.STRING,
                SimpleType.STRING),
            newMemberOverload(
                "string_find_all_string_int",
                ListType.create(SimpleType.STRING),
                SimpleType.STRING,
                SimpleType.STRING,
                SimpleType.INT)));
    // URLs
    decls.add(function("url", newGlobalOverload("string_to_url", URL, SimpleType.STRING)));
    decls.add(
        function("isURL", newGlobalOverload("is_url_string", SimpleType.BOOL, SimpleType.STRING)));
    for (String getter : List.of("Scheme", "Host", "Hostname", "Port", "EscapedPath")) {
      String id = "url_get_" + getter.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
      decls.add(function("get" + getter, newMemberOverload(id, SimpleType.STRING, URL)));
    }
    decls.add(
        function(
            "getQuery",
            newMemberOverload(
                "url_get_query",
                MapType.create(SimpleType.STRING, ListType.create(SimpleType.STRING)),
                URL)));
    // quantities
    decls.add(
        function("quantity", newGlobalOverload("string_to_quantity", QUANTITY, SimpleType.STRING)));
    decls.add(
        function(
            "isQuantity",
            newGlobalOverload("is_quantity_string", SimpleType.BOOL, SimpleType.STRING)));
    decls.add(function("sign", newGlobalOverload("quantity_sign", SimpleType.INT, QUANTITY)));
    decls.add(
        function(
            "isGreaterThan",
            newMemberOverload("quantity_is_greater_than", SimpleType.BOOL, QUANTITY, QUANTITY)));
    decls.add(
        function(
            "isLessThan",
            newMemberOverload("quantity_is_less_than", SimpleType.BOOL, QUANTITY, QUANTITY)));
    decls.add(
        function(
            "compareTo",
            newMemberOverload("quantity_compare_to", SimpleType.INT, QUANTITY, QUANTITY)));
    decls.add(
        function(
            "asApproximateFloat",
            newMemberOverload("quantity_get_float", SimpleType.DOUBLE, QUANTITY)));
    decls.add(
        function("asInteger", newMemberOverload("quantity_get_int", SimpleType.INT, QUANTITY)));
    decls.add(
        function("isInteger", newMemberOverload("quantity_is_integer", SimpleType.BOOL, QUANTITY)));
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "add",
            newMemberOverload("quantity_add", QUANTITY, QUANTITY, QUANTITY),
            newMemberOverload("quantity_add_int", QUANTITY, QUANTITY, SimpleType.INT)));
    decls.add(
        CelFunctionDecl.newFunctionDeclaration(
            "sub",
            newMemberOverload("quantity_sub", QUANTITY, QUANTITY, QUANTITY),
            newMemberOverload("quantity_sub_int", QUANTITY, QUANTITY, SimpleType.INT)));
    return decls;
  }

  private static CelFunctionDecl function(String name, CelOverloadDecl overload) {
    return CelFunctionDecl.newFunctionDeclaration(name, overload);
  }

  static List<CelFunctionBinding> bindings() {
    List<CelFunctionBinding> bindings = new ArrayList<>();
    // lists
    for (String name : COMPARABLE.keySet()) {
      bindings.add(
          CelFunctionBinding.from(
              "list_" + name + "_is_sorted_bool", List.class, KubernetesCelLibrary::isSorted));
      bindings.add(
          CelFunctionBinding.from(
              "list_" + name + "_min_" + name, List.class, list -> extreme(list, "min", -1)));
      bindings.add(
          CelFunctionBinding.from(
              "list_" + name + "_max_" + name, List.class, list -> extreme(list, "max", 1)));
    }
    for (String name : SUMMABLE.keySet()) {
      bindings.add(
          CelFunctionBinding.from(
              "list_" + name + "_sum_" + name, List.class, list -> sum(list, name)));
    }
    bindings.add(
        CelFunctionBinding.from(
            "list_a_index_of_int",
            List.class,
            Object.class,
            (list, element) -> (long) indexOf(list, element)));
    bindings.add(
        CelFunctionBinding.from(
            "list_a_last_index_of_int",
            List.class,
            Object.class,
            (list, element) -> (long) lastIndexOf(list, element)));
    // regex
    bindings.add(
        CelFunctionBinding.from(
            "string_find_string",
            String.class,
            String.class,
            (text, regex) -> {
              com.google.re2j.Matcher matcher = re2(regex).matcher(text);
              return matcher.find() ? matcher.group() : "";
            }));
    bindings.add(
        CelFunctionBinding.from(
            "string_find_all_string",
            String.class,
            String.class,
            (text, regex) -> findAll(text, regex, -1)));
    bindings.add(
        CelFunctionBinding.from(
            "string_find_all_string_int",
            List.of(String.class, String.class, Long.class),
            args -> findAll((String) args[0], (String) args[1], (Long) args[2])));
    // URLs
    bindings.add(CelFunctionBinding.from("string_to_url", String.class, KubeUrl::parse));
    bindings.add(
        CelFunctionBinding.from(
            "is_url_string",
            String.class,
            text -> {
              try {
                KubeUrl.parse(text);
                return true;
              } catch (CelEvaluationException e) {
                return false;
              }
            }));
    bindings.add(CelFunctionBinding.from("url_get_scheme", KubeUrl.class, KubeUrl::scheme));
    bindings.add(CelFunctionBinding.from("url_get_host", KubeUrl.class, KubeUrl::host));
    bindings.add(CelFunctionBinding.from("url_get_hostname", KubeUrl.class, KubeUrl::hostname));
    bindings.add(CelFunctionBinding.from("url_get_port", KubeUrl.class, KubeUrl::port));
    bindings.add(
        CelFunctionBinding.from("url_get_escaped_path", KubeUrl.class, KubeUrl::escapedPath));
    bindings.add(CelFunctionBinding.from("url_get_query", KubeUrl.class, KubeUrl::query));
    // quantities
    bindings.add(CelFunctionBinding.from("string_to_quantity", String.class, Quantity::parse));
    bindings.add(
        CelFunctionBinding.from(
            "is_quantity_string",
            String.class,
            text -> {
              try {
                Quantity.parse(text);
                return true;
              } catch (CelEvaluationException e) {
                return false;
              }
            }));
    bindings.add(
        CelFunctionBinding.from("quantity_sign", Quantity.class, q -> (long) q.value().signum()));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_is_greater_than",
            Quantity.class,
            Quantity.class,
            (a, b) -> a.value().compareTo(b.value()) > 0));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_is_less_than",
            Quantity.class,
            Quantity.class,
            (a, b) -> a.value().compareTo(b.value()) < 0));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_compare_to",
            Quantity.class,
            Quantity.class,
            (a, b) -> (long) Integer.signum(a.value().compareTo(b.value()))));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_get_float", Quantity.class, q -> q.value().doubleValue()));
    bindings.add(CelFunctionBinding.from("quantity_get_int", Quantity.class, Quantity::asInteger));
    bindings.add(
        CelFunctionBinding.from("quantity_is_integer", Quantity.class, Quantity::isInteger));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_add",
            Quantity.class,
            Quantity.class,
            (a, b) -> new Quantity(a.value().add(b.value()))));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_add_int",
            Quantity.class,
            Long.class,
            (a, b) -> new Quantity(a.value().add(BigDecimal.valueOf(b)))));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_sub",
            Quantity.class,
            Quantity.class,
            (a, b) -> new Quantity(a.value().subtract(b.value()))));
    bindings.add(
        CelFunctionBinding.from(
            "quantity_sub_int",
            Quantity.class,
            Long.class,
            (a, b) -> new Quantity(a.value().subtract(BigDecimal.valueOf(b)))));
    return bindings;
  }

  // ---- lists

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compare(Object a, Object b) {
    if (a instanceof CelByteString x && b instanceof CelByteString y) {
      return CelByteString.unsignedLexicographicalComparator().compare(x, y);
    }
    return ((Comparable) a).compareTo(b);
  }

  private static boolean isSorted(List<?> list) {
    for (int i = 1; i < list.size(); i++) {
      if (compare(list.get(i - 1), list.get(i)) > 0) {
        return false;
      }
    }
    return true;
  }

  private static Object extreme(List<?> list, String function, int sign)
      throws CelEvaluationException {
    if (list.isEmpty()) {
      throw new CelEvaluationException(function + " called on empty list");
    }
    Comparator<Object> order = KubernetesCelLibrary::compare;
    Object best = list.get(0);
    for (Object element : list) {
      if (Integer.signum(order.compare(element, best)) == sign) {
        best = element;
      }
    }
    return best;
  }

  private static Object sum(List<?> list, String type) throws CelEvaluationException {
    try {
      return switch (type) {
        case "int" -> list.stream().mapToLong(e -> (Long) e).reduce(0L, Math::addExact);
        case "uint" ->
            list.stream()
                .map(e -> (UnsignedLong) e)
                .reduce(UnsignedLong.ZERO, KubernetesCelLibrary::addUnsigned);
        case "double" -> list.stream().mapToDouble(e -> (Double) e).sum();
        default -> list.stream().map(e -> (Duration) e).reduce(Duration.ZERO, Duration::plus);
      };
    } catch (ArithmeticException e) {
      throw new CelEvaluationException("integer overflow", e);
    }
  }

  private static UnsignedLong addUnsigned(UnsignedLong a, UnsignedLong b) {
    UnsignedLong result = a.plus(b);
    if (result.compareTo(a) < 0) {
      throw new ArithmeticException("unsigned integer overflow");
    }
    return result;
  }

  private static int indexOf(List<?> list, Object element) {
    for (int i = 0; i < list.size(); i++) {
      if (celEquals(list.get(i), element)) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(List<?> list, Object element) {
    for (int i = list.size() - 1; i >= 0; i--) {
      if (celEquals(list.get(i), element)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean celEquals(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y && !(a instanceof UnsignedLong)) {
      return x.doubleValue() == y.doubleValue();
    }
    return a.equals(b);
  }

  // ---- regex

  private static com.google.re2j.Pattern re2(String regex) throws CelEvaluationException {
    try {
      return com.google.re2j.Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new CelEvaluationException("Illegal regex: " + e.getMessage(), e);
    }
  }

  private static List<String> findAll(String text, String regex, long limit)
      throws CelEvaluationException {
    com.google.re2j.Matcher matcher = re2(regex).matcher(text);
    List<String> found = new ArrayList<>();
    while ((limit < 0 || found.size() < limit) && matcher.find()) {
      found.add(matcher.group());
    }
    return found;
  }

  // ---- URLs

  /** A URL as Go's {@code url.ParseRequestURI} accepts it: absolute, or an absolute path. */
  record KubeUrl(String scheme, String host, String rawPath, String rawQuery) {
    private static final Pattern SCHEME =
        Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", Pattern.DOTALL);
    private static final Pattern HOST =
        Pattern.compile("(\\[[0-9a-fA-F:.%]+\\]|[^\\[\\]:]*)(:[0-9]*)?");
    private static final Pattern ESCAPES = Pattern.compile("%(?![0-9a-fA-F]{2})");

    static KubeUrl parse(String text) throws CelEvaluationException {
      if (text.isEmpty()) {
        throw error(text, "empty url");
      }
      if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw error(text, "net/url: invalid control character in URL");
      }
      String scheme = "";
      String rest = text;
      Matcher schemed = SCHEME.matcher(text);
      if (schemed.matches()) {
        scheme = schemed.group(1).toLowerCase(java.util.Locale.ROOT);
        rest = schemed.group(2);
      } else if (text.indexOf(':') >= 0
          && text.substring(0, text.indexOf(':')).chars().noneMatch(c -> c == '/')) {
        throw error(text, "missing protocol scheme");
      }
      String rawQuery = "";
      int question = rest.indexOf('?');
      if (question >= 0) {
        rawQuery = rest.substring(question + 1);
        rest = rest.substring(0, question);
      }
      if (!rest.startsWith("/")) {
        if (!scheme.isEmpty()) {
          return new KubeUrl(scheme, "", rest, rawQuery);
        }
        throw error(text, "invalid URI for request");
      }
      String host = "";
      if (!scheme.isEmpty() && rest.startsWith("//")) {
        String authority = rest.substring(2);
        int slash = authority.indexOf('/');
        rest = slash >= 0 ? authority.substring(slash) : "";
        authority = slash >= 0 ? authority.substring(0, slash) : authority;
        int at = authority.lastIndexOf('@');
        host = at >= 0 ? authority.substring(at + 1) : authority;
        if (!HOST.matcher(host).matches()
            || host.chars().anyMatch(c -> c == ' ' || c == '<' || c == '>' || c == '"')
            || ESCAPES.matcher(host).find()) {
          throw error(text, "invalid host");
        }
      }
      if (ESCAPES.matcher(rest).find()) {
        throw error(text, "invalid URL escape");
      }
      return new KubeUrl(scheme, host, rest, rawQuery);
    }

    private static CelEvaluationException error(String text, String reason) {
      return new CelEvaluationException(
          "URL parse error during conversion from string: parse \"" + text + "\": " + reason);
    }

    String hostname() {
      Matcher matcher = HOST.matcher(host);
      matcher.matches();
      String name = matcher.group(1);
      return name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
    }

    String port() {
      Matcher matcher = HOST.matcher(host);
      matcher.matches();
      return matcher.group(2) == null ? "" : matcher.group(2).substring(1);
    }

    String escapedPath() {
      return rawPath;
    }

    Map<String, List<String>> query() {
      Map<String, List<String>> query = new LinkedHashMap<>();
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty() || pair.contains(";")) {
          continue;
        }
        int equals = pair.indexOf('=');
        try {
          String key =
              URLDecoder.decode(
                  equals >= 0 ? pair.substring(0, equals) : pair, StandardCharsets.UTF_8);
          String value =
              equals >= 0
                  ? URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8)
                  : "";
          query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        } catch (IllegalArgumentException e) {
          // Go's Query() drops pairs it cannot decode
        }
      }
      return query;
    }
  }

  // ---- quantities

  /**
   * A Kubernetes resource quantity ({@code 100m}, {@code 1.5Gi}, {@code 2e3}) as an exact value.
   */
  record Quantity(BigDecimal value) {
    private static final Pattern SYNTAX =
        Pattern.compile(
            "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?");
    private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal MIN_LONG = BigDecimal.valueOf(Long.MIN_VALUE);

    static Quantity parse(String text) throws CelEvaluationException {
      Matcher matcher = SYNTAX.matcher(text);
      if (!matcher.matches()) {
        throw new CelEvaluationException(
            "quantities must match the regular expression"
                + " '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
      }
      BigDecimal number = new BigDecimal(matcher.group(1));
      String suffix = matcher.group(2) == null ? "" : matcher.group(2);
      BigDecimal scaled =
          switch (suffix) {
            case "" -> number;
            case "Ki" -> number.multiply(BigDecimal.valueOf(1L << 10));
            case "Mi" -> number.multiply(BigDecimal.valueOf(1L << 20));
            case "Gi" -> number.multiply(BigDecimal.valueOf(1L << 30));
            case "Ti" -> number.multiply(BigDecimal.valueOf(1L << 40));
            case "Pi" -> number.multiply(BigDecimal.valueOf(1L << 50));
            case "Ei" -> number.multiply(BigDecimal.valueOf(1L << 60));
            case "n" -> number.scaleByPowerOfTen(-9);
            case "u" -> number.scaleByPowerOfTen(-6);
            case "m" -> number.scaleByPowerOfTen(-3);
            case "k" -> number.scaleByPowerOfTen(3);
            case "M" -> number.scaleByPowerOfTen(6);
            case "G" -> number.scaleByPowerOfTen(9);
            case "T" -> number.scaleByPowerOfTen(12);
            case "P" -> number.scaleByPowerOfTen(15);
            case "E" -> number.scaleByPowerOfTen(18);
            default -> number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
          };
      // Kubernetes keeps nano precision, rounding up what is below it
      return new Quantity(scaled.setScale(9, java.math.RoundingMode.CEILING).stripTrailingZeros());
    }

    boolean isInteger() {
      return value.stripTrailingZeros().scale() <= 0
          && value.compareTo(MAX_LONG) <= 0
          && value.compareTo(MIN_LONG) >= 0;
    }

    long asInteger() throws CelEvaluationException {
      if (!isInteger()) {
        throw new CelEvaluationException("cannot convert value to integer");
      }
      BigInteger integer = value.toBigInteger();
      return integer.longValueExact();
    }

    @Override
    public String toString() {
      return value.round(MathContext.DECIMAL64).toPlainString();
    }
  }
}
