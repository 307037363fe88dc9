package dev.pitstop.reconciler.maintenancewindow.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Kubernetes label selector matching ({@code matchLabels} and {@code matchExpressions}). */
public final class LabelSelectors {
  private LabelSelectors() {}

  /**
   * Whether {@code labels} satisfy {@code selector}. A null selector matches nothing; an empty one
   * matches everything, as in Kubernetes.
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(actual.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, actual)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A problem with the selector, as a sentence without the field name, or null if it is valid. An
   * empty selector ({@code {}}, {@code matchLabels: {}}) is one: it matches every object of the
   * namespace, and a drain would scale, suspend or wait for all of them.
   *
   * @param objects what the selector selects, for the message, e.g. {@code workload}
   */
  static String problem(LabelSelector selector, String objects) {
    if (selector == null) {
      return "is required";
    }
    boolean noLabels = selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty();
    boolean noExpressions =
        selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty();
    if (noLabels && noExpressions) {
      return "is empty and would select every "
          + objects
          + " of the namespace; name the labels to match in matchLabels or matchExpressions";
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String operator = r.getOperator();
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        if (r.getKey() == null || r.getKey().isBlank()) {
          return "has a matchExpression without a key";
        }
        switch (operator == null ? "" : operator) {
          case "In", "NotIn" -> {
            if (values.isEmpty()) {
              return "matchExpression on '" + r.getKey() + "' needs values for " + operator;
            }
          }
          case "Exists", "DoesNotExist" -> {
            if (!values.isEmpty()) {
              return "matchExpression on '" + r.getKey() + "' takes no values for " + operator;
            }
          }
          default -> {
            return "matchExpression on '"
                + r.getKey()
                + "' has operator '"
                + operator
                + "'; use In, NotIn, Exists or DoesNotExist";
          }
        }
      }
    }
    return null;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      default -> false;
    };
  }
}
