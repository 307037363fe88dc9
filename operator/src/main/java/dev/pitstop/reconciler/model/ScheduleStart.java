package dev.pitstop.reconciler.model;

import dev.pitstop.api.v1alpha1.ScheduledStatus;
import dev.pitstop.time.CronSchedule;
import java.time.Instant;

/**
 * When a schedule's fire times begin to count. A change of the schedule or its time zone, and a
 * suspension or its end, start the count anew at the moment the operator sees the change: a fire
 * time of a new schedule lying between the last run and the change is not run, nor is one that
 * passed while suspended (nothing runs on a spec change, no catch-up on resume). The schedule the
 * status was computed for ({@code observedSchedule}) and that moment ({@code scheduleStart}) are
 * kept in the status, so a restarted operator decides the same.
 */
public final class ScheduleStart {
  private ScheduleStart() {}

  /** How a schedule and its suspend flag are recorded, e.g. {@code 0 3 * * * Europe/Paris}. */
  static String describe(CronSchedule schedule, boolean suspended) {
    return schedule.expression() + " " + schedule.zone() + (suspended ? " suspended" : "");
  }

  /**
   * Records the schedule seen now in {@code status}: unchanged while it is the one recorded; with
   * {@code now} as the start when it changed. A status without a recorded schedule records it: with
   * {@code now} as the start when the schedule was added to a resource seen before without one
   * ({@code added}), else without a start (a resource seen for the first time counts from its
   * creation; one whose status an earlier operator version wrote, from its last fire time).
   */
  public static void observe(
      ScheduledStatus status,
      CronSchedule schedule,
      boolean suspended,
      boolean added,
      Instant now) {
    String current = describe(schedule, suspended);
    if (status.observedSchedule == null) {
      if (added) {
        status.scheduleStart = now.toString();
      }
    } else if (!status.observedSchedule.equals(current)) {
      status.scheduleStart = now.toString();
    }
    status.observedSchedule = current;
  }

  /**
   * The floor for due fire times: the last handled fire time, or the start when that is later (null
   * when neither is known).
   */
  public static Instant lastHandled(ScheduledStatus status) {
    Instant last = status.lastScheduleTime == null ? null : Instant.parse(status.lastScheduleTime);
    if (status.scheduleStart == null) {
      return last;
    }
    Instant from = Instant.parse(status.scheduleStart);
    return last == null || from.isAfter(last) ? from : last;
  }
}
