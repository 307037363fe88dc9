package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Pattern;

/** Sets conditions the Kubernetes way: lastTransitionTime changes only when status changes. */
public final class Conditions {
  private static final Pattern REASON = Pattern.compile(Condition.REASON_PATTERN);

  private Conditions() {}

  /** Sets condition {@code type} on {@code status}. */
  public static void set(
      PitstopStatus status,
      String type,
      boolean value,
      String reason,
      String message,
      long generation,
      Instant now) {
    String statusValue = value ? "True" : "False";
    Condition existing = find(status, type).orElse(null);
    if (existing == null) {
      existing = new Condition();
      existing.type = type;
      status.conditions.add(existing);
    }
    if (!statusValue.equals(existing.status) || existing.lastTransitionTime == null) {
      existing.lastTransitionTime = now.truncatedTo(ChronoUnit.SECONDS).toString();
    }
    existing.status = statusValue;
    existing.reason = reason(reason);
    existing.message = message(message);
    existing.observedGeneration = generation;
  }

  /**
   * The reason as metav1.Condition requires it (CamelCase, at most 1024 characters): every caller
   * passes one; a missing or malformed one becomes {@code Unspecified} rather than a status the API
   * server refuses.
   */
  static String reason(String reason) {
    return reason != null && reason.length() <= 1024 && REASON.matcher(reason).matches()
        ? reason
        : "Unspecified";
  }

  /** The message as metav1.Condition requires it: present (maybe empty), at most 32768 chars. */
  static String message(String message) {
    if (message == null) {
      return "";
    }
    if (message.length() <= Condition.MESSAGE_MAX_LENGTH) {
      return message;
    }
    int end = Condition.MESSAGE_MAX_LENGTH - 1;
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + "…";
  }

  /** Removes condition {@code type} if present. */
  public static void remove(PitstopStatus status, String type) {
    status.conditions.removeIf(c -> type.equals(c.type));
  }

  /** Finds condition {@code type}. */
  public static Optional<Condition> find(PitstopStatus status, String type) {
    return status.conditions.stream().filter(c -> type.equals(c.type)).findFirst();
  }

  /** Whether condition {@code type} is True. */
  public static boolean isTrue(PitstopStatus status, String type) {
    return find(status, type).map(c -> "True".equals(c.status)).orElse(false);
  }
}
