package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.ScheduleStart;
import dev.pitstop.time.CronSchedule;
import java.time.Instant;

/**
 * What is due for a CleanupSchedule at a moment, decided from its spec and status alone (no clock
 * or cluster access), so the rules are unit-tested:
 *
 * <ul>
 *   <li>a new {@code pitstop.dev/run-requested-at} value or a new {@code spec.runRequestId} runs
 *       now, even while suspended; the values a resource is first seen with (creation) run nothing;
 *   <li>no other spec change runs anything: a scheduled cleanup never runs outside its schedule
 *       unless asked to; the change applies to the next run;
 *   <li>the latest unhandled fire time runs if it is younger than startingDeadline, else it is
 *       missed; while suspended, fire times pass silently (no catch-up when resumed); fire times
 *       count from the last change of schedule, time zone or suspend flag ({@link ScheduleStart}),
 *       so a new schedule's fire time that lay before the change does not run.
 * </ul>
 *
 * @param trigger why to run now, or null
 * @param fire the fire time a run now serves (recorded as lastScheduleTime), or null
 * @param missed a fire time to record as Missed, or null
 * @param passed a fire time that passed while suspended, to record as handled, or null
 * @param next the next fire time, or null while suspended
 */
public record CleanupTriggers(
    Trigger trigger, Instant fire, Instant missed, Instant passed, Instant next) {
  /** What started a cleanup run; shown as status.lastRun.trigger. */
  public enum Trigger {
    /** A fire time of spec.schedule. */
    SCHEDULE("Schedule"),
    /** A new value of the pitstop.dev/run-requested-at annotation. */
    RUN_REQUESTED("RunRequested"),
    /** A new value of spec.runRequestId. */
    RUN_REQUEST_ID("RunRequestId");

    private final String display;

    Trigger(String display) {
      this.display = display;
    }

    /** The CamelCase name in status. */
    public String display() {
      return display;
    }
  }

  public static CleanupTriggers decide(
      CleanupRequests config,
      CleanupScheduleStatus status,
      String runRequest,
      Instant created,
      Instant now) {
    Instant lastHandled = ScheduleStart.lastHandled(status);
    CronSchedule.Due due =
        config.schedule().due(lastHandled, created, now, config.startingDeadline());
    if (config.suspended()) {
      Instant passed = due.runNow() != null ? due.runNow() : due.missed();
      return new CleanupTriggers(request(config, status, runRequest), null, null, passed, null);
    }
    CleanupTriggers.Trigger trigger = request(config, status, runRequest);
    if (trigger == null && due.runNow() != null) {
      trigger = CleanupTriggers.Trigger.SCHEDULE;
    }
    return new CleanupTriggers(trigger, due.runNow(), due.missed(), null, due.next());
  }

  /** The explicit request not yet served: the annotation first, then spec.runRequestId. */
  private static Trigger request(
      CleanupRequests config, CleanupScheduleStatus status, String runRequest) {
    if (RunStatuses.isNewRequest(runRequest, status.observedRunRequest)) {
      return Trigger.RUN_REQUESTED;
    }
    if (RunStatuses.isNewRequest(config.runRequestId(), status.observedRunRequestId)) {
      return Trigger.RUN_REQUEST_ID;
    }
    return null;
  }
}
