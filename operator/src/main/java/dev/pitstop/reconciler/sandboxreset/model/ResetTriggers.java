package dev.pitstop.reconciler.sandboxreset.model;

import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.ScheduleStart;
import dev.pitstop.time.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides when a SandboxReset runs, from its status and the clock; no I/O, so every rule is tested
 * on its own.
 *
 * <ul>
 *   <li>Without a schedule: once per new value of what a run does (the run digest of {@link
 *       ResetRequests}: database, schemas, kept tables and rows, strategy, triggers, seeds and
 *       their content, dryRun, runRequestId) and once per new value of the {@code
 *       pitstop.dev/run-requested-at} annotation, until the run succeeded, failed or planned. An
 *       edit of a setting only (lockTimeout, schedule fields, the window) starts nothing.
 *   <li>With a schedule: at each fire time (unless suspended), and at once for a new annotation
 *       value or {@code spec.runRequestId} (manual runs, also while suspended). A fire time missed
 *       while the operator was down runs if it is younger than {@code startingDeadline}, else it is
 *       recorded as Missed; a fire time that comes while a run is going is recorded as Skipped.
 *       Fire times count from the last change of schedule, time zone or suspend flag ({@link
 *       ScheduleStart}): a spec change runs nothing now, and a resume catches nothing up.
 * </ul>
 */
public final class ResetTriggers {
  private ResetTriggers() {}

  /** Why a run starts. */
  public enum Trigger {
    /** A new generation or run request of a resource without a schedule. */
    REQUEST,
    /** A new run request of a resource with a schedule. */
    MANUAL,
    /** A fire time of the schedule. */
    SCHEDULE
  }

  /**
   * One run as started: what it answers, so the result updates the right fields.
   *
   * @param trigger why it runs
   * @param generation the generation it was started for
   * @param runRequest the annotation value at start
   * @param runRequestId {@code spec.runRequestId} at start
   * @param fireTime the fire time it runs for ({@link Trigger#SCHEDULE}), else null
   * @param dryRun whether it only plans
   * @param runDigest the digest of what it does
   */
  public record Ticket(
      Trigger trigger,
      long generation,
      String runRequest,
      String runRequestId,
      Instant fireTime,
      boolean dryRun,
      String runDigest,
      String cause) {

    /** Identifies the run for the operator's background work. */
    public String key() {
      return trigger + "/" + generation + "/" + runRequest + "/" + runRequestId + "/" + fireTime;
    }
  }

  /**
   * The resource as the decision needs it.
   *
   * @param generation metadata.generation
   * @param runRequest the run-requested-at annotation, or null
   * @param runRequestId spec.runRequestId, or null
   * @param schedule the schedule, or null for once per generation
   * @param suspended spec.suspend
   * @param startingDeadline spec.startingDeadline
   * @param createdAt metadata.creationTimestamp; earlier fire times never count
   * @param dryRun spec.dryRun
   * @param runDigest the digest of what a run does
   */
  public record Resource(
      long generation,
      String runRequest,
      String runRequestId,
      CronSchedule schedule,
      boolean suspended,
      Duration startingDeadline,
      Instant createdAt,
      boolean dryRun,
      String runDigest) {}

  /**
   * The answer.
   *
   * @param run the run to start now, or null
   * @param newRequest a one-shot resource saw a new generation or run request: reset its status
   * @param missed a fire time to record as Missed, or null
   * @param next the next fire time to show, or null
   */
  public record Decision(Ticket run, boolean newRequest, Instant missed, Instant next) {}

  /** Phases after which a resource without a schedule waits for a new request. */
  static boolean isSettled(ResetPhase phase) {
    return phase == ResetPhase.Succeeded
        || phase == ResetPhase.Failed
        || phase == ResetPhase.Planned;
  }

  /** What to do now, with no run going. */
  public static Decision decide(Resource r, SandboxResetStatus status, Instant now) {
    if (r.schedule() == null) {
      boolean fresh =
          (status.observedRunDigest == null
                  ? !Objects.equals(status.observedGeneration, r.generation())
                  : !status.observedRunDigest.equals(r.runDigest()))
              || RunStatuses.isNewRequest(r.runRequest(), status.observedRunRequest)
              || RunStatuses.isNewRequest(r.runRequestId(), status.observedRunRequestId);
      boolean due = fresh || !isSettled(status.phase);
      Ticket run =
          due
              ? new Ticket(
                  Trigger.REQUEST,
                  r.generation(),
                  r.runRequest(),
                  r.runRequestId(),
                  null,
                  r.dryRun(),
                  r.runDigest(),
                  requestCause(r, status, fresh))
              : null;
      return new Decision(run, fresh, null, null);
    }
    CronSchedule.Due due = scheduleDue(r, status, now);
    Instant next = r.suspended() ? null : due.next();
    boolean manual = isManualRequest(r, status);
    if (manual || due.runNow() != null) {
      // A manual request and a due fire time are served by one run.
      return new Decision(
          new Ticket(
              manual ? Trigger.MANUAL : Trigger.SCHEDULE,
              r.generation(),
              manual ? r.runRequest() : status.observedRunRequest,
              manual ? r.runRequestId() : status.observedRunRequestId,
              due.runNow(),
              r.dryRun(),
              r.runDigest(),
              manual
                  ? "run request " + newRequest(r, status)
                  : "scheduled for " + ResetStatuses.time(due.runNow())),
          false,
          due.missed(),
          next);
    }
    return new Decision(null, false, due.missed(), next);
  }

  /**
   * What a one-shot run is for, in words: the new run request when one came, else the generation
   * whose spec changed what a run does. A run that is still due from an earlier pass (it waited for
   * a window) names the request it was started for, or the generation when there was none.
   */
  private static String requestCause(Resource r, SandboxResetStatus status, boolean fresh) {
    String request = fresh ? newRequest(r, status) : firstNonNull(r.runRequest(), r.runRequestId());
    return request == null ? "generation " + r.generation() : "run request " + request;
  }

  /** The run request value that is new against status: the annotation's or spec.runRequestId. */
  private static String newRequest(Resource r, SandboxResetStatus status) {
    if (RunStatuses.isNewRequest(r.runRequest(), status.observedRunRequest)) {
      return r.runRequest();
    }
    if (RunStatuses.isNewRequest(r.runRequestId(), status.observedRunRequestId)) {
      return r.runRequestId();
    }
    return null;
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }

  /** A fire time that came while {@code running} was going, to record as Skipped; null if none. */
  public static Instant skipped(
      Resource r, SandboxResetStatus status, Ticket running, Instant now) {
    if (r.schedule() == null) {
      return null;
    }
    CronSchedule.Due due = scheduleDue(r, status, now);
    Instant fire = due.runNow() != null ? due.runNow() : due.missed();
    if (fire == null || fire.equals(running.fireTime())) {
      return null;
    }
    return fire;
  }

  /** The next fire time while a run is going (null without schedule or when suspended). */
  public static Instant next(Resource r, Instant now) {
    return r.schedule() == null || r.suspended() ? null : r.schedule().next(now).orElse(null);
  }

  /**
   * Whether a scheduled resource saw a new run request. The first time a resource is seen, the
   * values it was created with are adopted (see {@link #adopt}), so creating a scheduled resource
   * with a runRequestId does not run it at once.
   */
  static boolean isManualRequest(Resource r, SandboxResetStatus status) {
    return status.observedGeneration != null
        && (RunStatuses.isNewRequest(r.runRequest(), status.observedRunRequest)
            || RunStatuses.isNewRequest(r.runRequestId(), status.observedRunRequestId));
  }

  /**
   * A run digest an earlier version recorded for the same spec ({@code earlier}, the spec as
   * written) is taken as this version's ({@code now}), so an upgrade runs nothing.
   */
  public static void adoptDigest(SandboxResetStatus status, String earlier, String now) {
    if (status.observedRunDigest != null && status.observedRunDigest.equals(earlier)) {
      status.observedRunDigest = now;
    }
  }

  /**
   * Records the request values of a scheduled resource seen for the first time; and, for a resource
   * without a schedule whose status an earlier operator version wrote (no run digest, the current
   * generation handled), the digest of what that run did, so the upgrade runs nothing.
   */
  public static void adopt(Resource r, SandboxResetStatus status) {
    if (r.schedule() != null && status.observedGeneration == null) {
      status.observedRunRequest = r.runRequest();
      status.observedRunRequestId = r.runRequestId();
    }
    if (r.schedule() == null
        && status.observedRunDigest == null
        && Objects.equals(status.observedGeneration, r.generation())
        && isSettled(status.phase)) {
      status.observedRunDigest = r.runDigest();
    }
  }

  /**
   * Records in {@code status} the schedule seen now ({@link ScheduleStart}): a changed schedule,
   * time zone or suspend flag, or a schedule added to a resource that had none, counts fire times
   * from {@code now}, so nothing runs for the change and nothing is caught up on resume. Called
   * before {@link #decide}; no-op without a schedule.
   */
  public static void observeSchedule(Resource r, SandboxResetStatus status, Instant now) {
    if (r.schedule() == null) {
      return;
    }
    ScheduleStart.observe(
        status,
        r.schedule(),
        r.suspended(),
        // seen before without a schedule: one added now runs at its next fire time, not at once
        status.observedGeneration != null && status.lastScheduleTime == null,
        now);
  }

  private static CronSchedule.Due scheduleDue(Resource r, SandboxResetStatus status, Instant now) {
    CronSchedule.Due due =
        r.schedule()
            .due(ScheduleStart.lastHandled(status), r.createdAt(), now, r.startingDeadline());
    if (r.suspended()) {
      return new CronSchedule.Due(null, null, due.next());
    }
    return due;
  }
}
