package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** Sets conditions the Kubernetes way: lastTransitionTime changes only when status changes. */
public final class Conditions {
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
    existing.reason = reason;
    existing.message = message;
    existing.observedGeneration = generation;
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
