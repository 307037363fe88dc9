package dev.pitstop.reconciler.maintenancewindow.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.RunStatuses;
import java.time.Instant;

/**
 * Sets a MaintenanceWindow's phase, message and conditions together, so they always agree: Ready
 * (True when Idle, Scheduled or Active), Progressing (True while draining or restoring), Drained
 * (True when Active) and Failed.
 */
public final class WindowStatuses {
  private WindowStatuses() {}

  public static void set(
      MaintenanceWindowStatus status,
      WindowPhase phase,
      String reason,
      String message,
      boolean progressing,
      long generation,
      Instant now) {
    status.phase = phase;
    status.message = KnownSecrets.redact(message);
    boolean ready =
        phase == WindowPhase.Idle || phase == WindowPhase.Scheduled || phase == WindowPhase.Active;
    Conditions.set(status, Condition.READY, ready, reason, status.message, generation, now);
    Conditions.set(
        status, Condition.PROGRESSING, progressing, reason, status.message, generation, now);
    Conditions.set(
        status,
        Condition.DRAINED,
        phase == WindowPhase.Active,
        reason,
        status.message,
        generation,
        now);
    Conditions.set(
        status,
        Condition.FAILED,
        phase == WindowPhase.Failed,
        reason,
        status.message,
        generation,
        now);
  }

  /** Records whether the database answered. */
  public static void reachable(
      MaintenanceWindowStatus status,
      boolean reachable,
      String message,
      long generation,
      Instant now) {
    RunStatuses.databaseReachable(status, reachable, KnownSecrets.redact(message), generation, now);
  }

  /** Records whether the database answered, with a reason of its own. */
  public static void reachable(
      MaintenanceWindowStatus status,
      boolean reachable,
      String reason,
      String message,
      long generation,
      Instant now) {
    RunStatuses.databaseReachable(
        status, reachable, reason, KnownSecrets.redact(message), generation, now);
  }

  /** The Failed condition's reason, or null. */
  public static String failureReason(MaintenanceWindowStatus status) {
    return Conditions.find(status, Condition.FAILED)
        .filter(c -> "True".equals(c.status))
        .map(c -> c.reason)
        .orElse(null);
  }
}
