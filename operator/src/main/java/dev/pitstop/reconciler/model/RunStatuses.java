package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.database.Reachability;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.notify.Delivery;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The message and conditions of status steps that DatabaseMigration, SandboxReset and
 * CleanupSchedule (and, for the database's reachability, MaintenanceWindow) share. Each kind's own
 * statuses class sets its phase and kind-specific fields around these.
 */
public final class RunStatuses {
  /** Condition: whether the last notification reached the webhook. */
  public static final String NOTIFICATION_DELIVERED = "NotificationDelivered";

  private RunStatuses() {}

  /**
   * Whether {@code value} of a run request (the run-requested-at annotation, {@code
   * spec.runRequestId}) is a new one: set, and not the one last observed. Taking a value out (a
   * GitOps cleanup of a served request) requests nothing.
   */
  public static boolean isNewRequest(String value, String observed) {
    return value != null && !value.equals(observed);
  }

  /** NotificationDelivered: whether {@code delivery} reached the webhook, and if not why. */
  public static void notificationDelivered(
      PitstopStatus status, Delivery delivery, long generation, Instant now) {
    Conditions.set(
        status,
        NOTIFICATION_DELIVERED,
        delivery.delivered(),
        delivery.delivered() ? "Delivered" : "DeliveryFailed",
        delivery.delivered()
            ? "the webhook accepted the notification"
            : KnownSecrets.redact(delivery.error()),
        generation,
        now);
  }

  /** DatabaseReachable True: the database answered. */
  public static void reachable(PitstopStatus status, long generation, Instant now) {
    databaseReachable(status, true, "the database answered", generation, now);
  }

  /** DatabaseReachable, reason Connected or Unreachable, with {@code message} as given. */
  public static void databaseReachable(
      PitstopStatus status, boolean reachable, String message, long generation, Instant now) {
    databaseReachable(
        status, reachable, reachable ? "Connected" : "Unreachable", message, generation, now);
  }

  /**
   * DatabaseReachable with its own reason: Connected, or why not (AuthenticationFailed,
   * UnknownDatabase, ConnectionRefused, TlsFailed, TooManyConnections, ...; see {@link
   * dev.pitstop.database.ReachabilityReason}).
   */
  public static void databaseReachable(
      PitstopStatus status,
      boolean reachable,
      String reason,
      String message,
      long generation,
      Instant now) {
    Conditions.set(
        status, Condition.DATABASE_REACHABLE, reachable, reason, message, generation, now);
  }

  /**
   * The database could not be reached ({@code why}): DatabaseReachable False with the failure's own
   * reason, and the run tried again after {@code delay}.
   */
  public static void retrying(
      PitstopStatus status, Reachability why, Duration delay, long generation, Instant now) {
    String message = KnownSecrets.redact(why.message());
    retrying(status, message, false, delay, generation, now);
    unreachable(status, why, generation, now);
  }

  /**
   * DatabaseReachable False with the failure's own reason (AuthenticationFailed, UnknownDatabase,
   * ...) and its sentence: the one place every kind reports a database it could not reach.
   */
  public static void unreachable(
      PitstopStatus status, Reachability why, long generation, Instant now) {
    databaseReachable(
        status,
        false,
        why.reason().conditionReason(),
        KnownSecrets.redact(why.message()),
        generation,
        now);
  }

  public static void progressing(
      PitstopStatus status,
      boolean value,
      String reason,
      String message,
      long generation,
      Instant now) {
    Conditions.set(status, Condition.PROGRESSING, value, reason, message, generation, now);
  }

  /**
   * A run is going, or is requested and waits to start or to be tried again: not Ready (so {@code
   * kubectl wait --for=condition=Ready} does not return in the middle of a run on the previous
   * run's result), Progressing, and not Failed, all with {@code reason}: the conditions match the
   * phase, not the last run's outcome.
   */
  public static void underway(
      PitstopStatus status, String reason, String message, long generation, Instant now) {
    Conditions.set(status, Condition.READY, false, reason, message, generation, now);
    progressing(status, true, reason, message, generation, now);
    Conditions.set(status, Condition.FAILED, false, reason, message, generation, now);
  }

  /**
   * Nothing is going on any more: Ready unless {@code failed}, not Progressing, Failed if {@code
   * failed}, all with {@code reason} and {@code message}.
   */
  public static void settled(
      PitstopStatus status,
      boolean failed,
      String reason,
      String message,
      long generation,
      Instant now) {
    Conditions.set(status, Condition.READY, !failed, reason, message, generation, now);
    progressing(status, false, reason, message, generation, now);
    Conditions.set(status, Condition.FAILED, failed, reason, message, generation, now);
  }

  /**
   * The run was cancelled ({@code why}: the annotation or deletion): Failed with reason Cancelled,
   * the message saying so before what the run reported (what was done and what was not).
   */
  public static void cancelled(PitstopStatus status, String why, long generation, Instant now) {
    String reported = status.message == null ? "" : ": " + status.message;
    status.message = "cancelled by " + why + reported;
    settled(status, true, "Cancelled", status.message, generation, now);
  }

  /**
   * A run is due but its maintenance window is not open: {@code message} says what it waits for.
   */
  public static void waitingForWindow(
      PitstopStatus status, String message, long generation, Instant now) {
    status.message = message;
    Conditions.set(
        status, Condition.READY, false, "WaitingForWindow", status.message, generation, now);
    progressing(status, false, "WaitingForWindow", status.message, generation, now);
  }

  /**
   * A run failed in a way that may pass ({@code reason}, a sentence); it is tried again after
   * {@code delay}.
   *
   * @param unreachable whether the database could not be reached (DatabaseReachable False)
   */
  public static void retrying(
      PitstopStatus status,
      String reason,
      boolean unreachable,
      Duration delay,
      long generation,
      Instant now) {
    String why = KnownSecrets.redact(reason);
    status.message = Sentences.nextIn(why, "retrying", delay);
    if (unreachable) {
      databaseReachable(status, false, why, generation, now);
    }
    underway(status, "RetryScheduled", status.message, generation, now);
  }

  /**
   * The spec, or an object it references, is wrong or missing: Failed unless the resource waits for
   * a referenced object to appear or change; not Ready, not Progressing.
   */
  public static void refused(PitstopStatus status, SpecException e, long generation, Instant now) {
    status.observedGeneration = generation;
    status.message = KnownSecrets.redact(e.getMessage());
    Conditions.set(
        status, Condition.FAILED, !e.waitsForObject(), e.reason(), status.message, generation, now);
    Conditions.set(status, Condition.READY, false, e.reason(), status.message, generation, now);
    progressing(status, false, e.reason(), status.message, generation, now);
  }

  /**
   * An engine's error code as a CamelCase condition reason: {@code SCRIPT_FAILED} → ScriptFailed.
   */
  public static String reason(Enum<?> code) {
    StringBuilder out = new StringBuilder();
    for (String part : code.name().toLowerCase(Locale.ROOT).split("_")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return out.toString();
  }
}
