package dev.pitstop.reconciler.model;

import dev.pitstop.time.CronSchedule;
import java.time.Instant;

/**
 * When a schedule's fire times begin to count. A change of the schedule or its time zone, and a
 * suspension or its end, start the count anew at the moment the operator sees the change: a fire
 * time of a new schedule lying between the last run and the change is not run, nor is one that
 * passed while suspended (nothing runs on a spec change, no catch-up on resume). The schedule the
 * status was computed for and that moment are kept in the status, so a restarted operator decides
 * the same.
 *
 * @param schedule the schedule, time zone and suspend flag the status was computed for
 * @param start fire times at or before this moment are not run (RFC 3339), or null: they count from
 *     the resource's creation and its last handled fire time
 */
public record ScheduleStart(String schedule, String start) {

  /** How a schedule and its suspend flag are recorded, e.g. {@code 0 3 * * * Europe/Paris}. */
  public static String describe(CronSchedule schedule, boolean suspended) {
    return schedule.expression() + " " + schedule.zone() + (suspended ? " suspended" : "");
  }

  /**
   * What to record now: unchanged while the schedule is the one recorded; with {@code now} as the
   * start when it changed. A status without a recorded schedule records it: with {@code now} as the
   * start when the schedule was added to a resource seen before without one ({@code added}), else
   * without a start (a resource seen for the first time counts from its creation; one whose status
   * an earlier operator version wrote, from its last fire time).
   */
  public static ScheduleStart observe(
      ScheduleStart recorded,
      CronSchedule schedule,
      boolean suspended,
      boolean added,
      Instant now) {
    String current = describe(schedule, suspended);
    if (recorded.schedule() == null) {
      return new ScheduleStart(current, added ? now.toString() : recorded.start());
    }
    if (recorded.schedule().equals(current)) {
      return recorded;
    }
    return new ScheduleStart(current, now.toString());
  }

  /**
   * The floor for due fire times: the last handled fire time, or the start when that is later (null
   * when neither is known).
   */
  public Instant floor(Instant lastHandled) {
    if (start == null) {
      return lastHandled;
    }
    Instant from = Instant.parse(start);
    return lastHandled == null || from.isAfter(lastHandled) ? from : lastHandled;
  }
}
