package dev.pitstop.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitstop.api.v1alpha1.Patterns;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bounds the CRDs' schemas put on a spec ({@code required}, {@code minimum}, {@code maximum},
 * {@code minItems}/{@code maxItems}, {@code minLength}/{@code maxLength}, {@code pattern}), read
 * from the same annotations of {@code dev.pitstop.api} the CRDs are generated from, so that a
 * manifest the API server would refuse is refused by the CLI too, naming the field, before anything
 * runs. (The CRDs' CEL rules are checked by the operator's own spec checks, which the CLI also
 * runs.)
 */
final class SchemaBounds {
  private static final String API_PACKAGE = "dev.pitstop.api.";
  private static final Map<String, java.util.regex.Pattern> PATTERNS = new ConcurrentHashMap<>();

  private SchemaBounds() {}

  /**
   * The first bound {@code spec} breaks, as a sentence starting with the field's path, e.g. {@code
   * "spec.batchSize must be at most 100000, not 1000000000"}.
   *
   * @param path the path of {@code spec} in the object, e.g. {@code spec}
   */
  static Optional<String> firstViolation(Object spec, String path) {
    if (spec == null || !isApiType(spec.getClass())) {
      return Optional.empty();
    }
    return object(spec, path);
  }

  private static Optional<String> object(Object value, String path) {
    for (Class<?> type = value.getClass();
        type != null && isApiType(type);
        type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || !Modifier.isPublic(field.getModifiers())) {
          continue;
        }
        Object fieldValue;
        try {
          fieldValue = field.get(value);
        } catch (IllegalAccessException e) {
          continue;
        }
        Optional<String> problem =
            value(fieldValue, path + "." + name(field), field, field.getAnnotatedType());
        if (problem.isPresent()) {
          return problem;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> value(
      Object value, String path, AnnotatedElement declared, AnnotatedType type) {
    if (value == null) {
      return has(declared, type, Required.class)
          ? Optional.of(path + " is required")
          : Optional.empty();
    }
    Optional<String> bound = bounds(value, path, declared, type);
    if (bound.isPresent()) {
      return bound;
    }
    if (value instanceof List<?> list) {
      AnnotatedType element =
          type instanceof AnnotatedParameterizedType parameterized
              ? parameterized.getAnnotatedActualTypeArguments()[0]
              : null;
      for (int i = 0; i < list.size(); i++) {
        Optional<String> problem = value(list.get(i), path + "[" + i + "]", null, element);
        if (problem.isPresent()) {
          return problem;
        }
      }
      return Optional.empty();
    }
    if (isApiType(value.getClass())) {
      return object(value, path);
    }
    return Optional.empty();
  }

  private static Optional<String> bounds(
      Object value, String path, AnnotatedElement declared, AnnotatedType type) {
    Min min = annotation(declared, type, Min.class);
    if (min != null
        && value instanceof Number number
        && (min.inclusive()
            ? number.doubleValue() < min.value()
            : number.doubleValue() <= min.value())) {
      return Optional.of(
          path
              + " must be "
              + (min.inclusive() ? "at least " : "more than ")
              + whole(min.value())
              + ", not "
              + number);
    }
    Max max = annotation(declared, type, Max.class);
    if (max != null
        && value instanceof Number number
        && (max.inclusive()
            ? number.doubleValue() > max.value()
            : number.doubleValue() >= max.value())) {
      return Optional.of(
          path
              + " must be "
              + (max.inclusive() ? "at most " : "less than ")
              + whole(max.value())
              + ", not "
              + number);
    }
    Size size = annotation(declared, type, Size.class);
    if (size != null) {
      int length =
          value instanceof Collection<?> c
              ? c.size()
              : value instanceof Map<?, ?> m
                  ? m.size()
                  : value instanceof String s ? s.codePointCount(0, s.length()) : -1;
      String unit = value instanceof String ? "characters" : "items";
      if (length >= 0 && length < size.min()) {
        return Optional.of(
            path + " must have at least " + size.min() + " " + unit + ", it has " + length);
      }
      if (length >= 0 && length > size.max()) {
        return Optional.of(
            path + " must have at most " + size.max() + " " + unit + ", it has " + length);
      }
    }
    Pattern pattern = annotation(declared, type, Pattern.class);
    if (pattern != null
        && value instanceof String text
        && !PATTERNS
            .computeIfAbsent(pattern.value(), java.util.regex.Pattern::compile)
            .matcher(text)
            .find()) {
      return Optional.of(
          path + " must be " + describe(pattern.value()) + ", not '" + abbreviate(text) + "'");
    }
    return Optional.empty();
  }

  /** What a pattern of {@link Patterns} stands for, in words; other patterns as they are. */
  private static String describe(String pattern) {
    return switch (pattern) {
      case Patterns.DURATION -> "a duration such as 0, 500ms, 10s, 5m, 1h30m or 7d";
      case Patterns.CRON -> "a 5-field cron expression such as \"0 2 * * *\"";
      case Patterns.QUALIFIED_NAME -> "a table or column name, optionally schema-qualified";
      case Patterns.IDENTIFIER -> "a plain SQL identifier (letters, digits, _ and $)";
      case Patterns.TABLE_PATTERN -> "a table name or glob pattern, optionally schema-qualified";
      default -> "text matching " + pattern;
    };
  }

  private static <A extends java.lang.annotation.Annotation> A annotation(
      AnnotatedElement declared, AnnotatedType type, Class<A> annotation) {
    A found = declared == null ? null : declared.getAnnotation(annotation);
    if (found == null && type != null) {
      found = type.getAnnotation(annotation);
    }
    return found;
  }

  private static boolean has(
      AnnotatedElement declared,
      AnnotatedType type,
      Class<? extends java.lang.annotation.Annotation> annotation) {
    return annotation(declared, type, annotation) != null;
  }

  private static String name(Field field) {
    JsonProperty property = field.getAnnotation(JsonProperty.class);
    return property != null && !property.value().isEmpty() ? property.value() : field.getName();
  }

  private static boolean isApiType(Class<?> type) {
    return type.getName().startsWith(API_PACKAGE) && !type.isEnum();
  }

  private static String whole(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
