package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.time.CronSchedule;
import java.time.Instant;
import java.util.Objects;

/**
 * What is due for a CleanupSchedule at a moment, decided from its spec and status alone (no clock
 * or cluster access), so the rules are unit-tested:
 *
 * <ul>
 *   <li>a new {@code pitstop.dev/run-requested-at} value runs now, even while suspended;
 *   <li>a spec change (other than when to run, see {@link CleanupRequests}) runs now unless
 *       suspended; the first spec seen (creation) runs nothing;
 *   <li>the latest unhandled fire time runs if it is younger than startingDeadline, else it is
 *       missed; while suspended, fire times pass silently (no catch-up when resumed).
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
    /** A change to what or how the cleanup deletes, e.g. a new spec.runRequestId. */
    SPEC_CHANGED("SpecChanged");

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
    Instant lastHandled =
        status.lastScheduleTime == null ? null : Instant.parse(status.lastScheduleTime);
    CronSchedule.Due due =
        config.schedule().due(lastHandled, created, now, config.startingDeadline());
    if (config.suspended()) {
      Instant passed = due.runNow() != null ? due.runNow() : due.missed();
      CleanupTriggers.Trigger trigger =
          isNewRunRequest(status, runRequest) ? CleanupTriggers.Trigger.RUN_REQUESTED : null;
      return new CleanupTriggers(trigger, null, null, passed, null);
    }
    CleanupTriggers.Trigger trigger = null;
    if (isNewRunRequest(status, runRequest)) {
      trigger = CleanupTriggers.Trigger.RUN_REQUESTED;
    } else if (status.observedSpecDigest != null
        && !status.observedSpecDigest.equals(config.specDigest())) {
      trigger = CleanupTriggers.Trigger.SPEC_CHANGED;
    } else if (due.runNow() != null) {
      trigger = CleanupTriggers.Trigger.SCHEDULE;
    }
    return new CleanupTriggers(trigger, due.runNow(), due.missed(), null, due.next());
  }

  private static boolean isNewRunRequest(CleanupScheduleStatus status, String runRequest) {
    return runRequest != null && !Objects.equals(runRequest, status.observedRunRequest);
  }
}
