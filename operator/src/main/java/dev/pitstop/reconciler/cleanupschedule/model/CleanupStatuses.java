package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.notify.Delivery;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes a CleanupSchedule's status: phase transitions (see {@link CleanupPhase}), conditions,
 * lastRun, history and the one-line message.
 */
public final class CleanupStatuses {
  /** Condition: whether the last notification reached the webhook. */
  public static final String NOTIFICATION_DELIVERED = RunStatuses.NOTIFICATION_DELIVERED;

  /** Ready reasons that describe a passing state rather than the last run. */
  private static final java.util.Set<String> TRANSIENT_REASONS =
      java.util.Set.of("Running", "WaitingForWindow", "InvalidSpec", "Scheduled");

  private CleanupStatuses() {}

  /**
   * The first time the operator sees the resource, or the first time since an operator that ran on
   * spec changes left {@code observedSpecDigest}: the run request values it has (the annotation,
   * {@code spec.runRequestId}) are adopted, so they run nothing — a resource created or re-created
   * from Git with the annotation it was last run with does not run at once.
   */
  public static void firstSeen(
      CleanupScheduleStatus status, String runRequest, String runRequestId) {
    status.observedRunRequest = runRequest;
    status.observedRunRequestId = runRequestId;
    status.observedSpecDigest = null;
    if (status.phase == null) {
      status.phase = CleanupPhase.Scheduled;
    }
  }

  /** A run started on a worker. */
  public static void started(
      CleanupScheduleStatus status,
      CleanupTriggers.Trigger trigger,
      Instant fire,
      String runRequestId,
      String runRequest,
      boolean dryRun,
      String database,
      long generation,
      Instant now) {
    status.phase = CleanupPhase.Running;
    status.observedRunRequestId = runRequestId;
    if (trigger == CleanupTriggers.Trigger.RUN_REQUESTED) {
      status.observedRunRequest = runRequest;
    }
    if (fire != null) {
      status.lastScheduleTime = CleanupRuns.time(fire);
    }
    CleanupRun progress = new CleanupRun();
    progress.startTime = CleanupRuns.time(now);
    progress.trigger = trigger.display();
    progress.scheduledTime = fire == null ? null : CleanupRuns.time(fire);
    progress.dryRun = dryRun;
    progress.message = "connecting to " + database;
    status.progress = progress;
    status.message = (dryRun ? "dry run started (" : "cleanup started (") + trigger.display() + ")";
    RunStatuses.underway(status, "Running", status.message, generation, now);
  }

  /** Live progress while the run goes on. */
  public static void running(
      CleanupScheduleStatus status, CleanupRun progress, long generation, Instant now) {
    status.phase = CleanupPhase.Running;
    if (progress != null) {
      status.progress = progress;
      status.message = progress.message;
      Conditions.set(
          status, Condition.PROGRESSING, true, "Running", status.message, generation, now);
    }
  }

  /**
   * A run ended: Running → Succeeded (result Succeeded or Incomplete) or Failed.
   *
   * @param reachable whether the database answered; null when unknown (it never got that far)
   */
  public static void finished(
      CleanupScheduleStatus status,
      CleanupRun run,
      Boolean reachable,
      String failureReason,
      int historyLimit,
      long generation,
      Instant now) {
    status.progress = null;
    status.lastRun = run;
    prepend(status, run, historyLimit);
    boolean failed = run.result == RunResult.Failed;
    status.phase = failed ? CleanupPhase.Failed : CleanupPhase.Succeeded;
    if (!failed && !Boolean.TRUE.equals(run.dryRun)) {
      status.lastSuccessfulTime = run.completionTime;
    }
    status.message = run.message;
    String reason = failed ? failureReason : run.result.name();
    if (Boolean.TRUE.equals(run.dryRun) && !failed) {
      reason = "DryRun";
    }
    if (reachable != null) {
      RunStatuses.databaseReachable(
          status,
          reachable,
          reachable ? "Connected" : failureReason,
          reachable ? "the database answered" : status.message,
          generation,
          now);
    }
    RunStatuses.settled(status, failed, reason, status.message, generation, now);
  }

  /** The operator stopped during a run (phase Running, no worker): the run ended unobserved. */
  public static void interrupted(
      CleanupScheduleStatus status, int historyLimit, long generation, Instant now) {
    CleanupRun run = status.progress == null ? new CleanupRun() : status.progress;
    run.result = RunResult.Incomplete;
    run.completionTime = CleanupRuns.time(now);
    run.rules = new ArrayList<>(run.rules);
    run.rules.removeIf(r -> "Running".equals(r.state));
    run.message =
        "the operator stopped during the run; batches committed before that are kept, the rest is"
            + " left for the next run";
    finished(status, run, null, "Interrupted", historyLimit, generation, now);
  }

  /** A fire time older than startingDeadline passed unhandled. */
  public static void missed(
      CleanupScheduleStatus status, Instant fire, Duration deadline, int historyLimit) {
    prepend(
        status,
        CleanupRuns.marker(
            RunResult.Missed,
            fire,
            "missed: nothing ran within startingDeadline ("
                + Durations.format(deadline)
                + ") of the fire time, e.g. the operator was down or the window never opened"),
        historyLimit);
    status.lastScheduleTime = CleanupRuns.time(fire);
  }

  /** A fire time came while a run was still going. */
  public static void skipped(CleanupScheduleStatus status, Instant fire, int historyLimit) {
    prepend(
        status,
        CleanupRuns.marker(
            RunResult.Skipped, fire, "skipped: the previous run was still going at the fire time"),
        historyLimit);
    status.lastScheduleTime = CleanupRuns.time(fire);
  }

  /** A run is due but its maintenance window is not Active. */
  public static void waitingForWindow(
      CleanupScheduleStatus status, String waitingFor, long generation, Instant now) {
    status.phase = CleanupPhase.WaitingForWindow;
    RunStatuses.waitingForWindow(
        status, "a run is due; waiting for " + waitingFor, generation, now);
  }

  /** The spec is invalid: nothing can be scheduled until it is fixed. */
  public static void refused(
      CleanupScheduleStatus status, SpecException e, long generation, Instant now) {
    status.observedGeneration = generation;
    status.progress = null;
    if (e.waitsForObject()) {
      // The spec is fine; a run that is due waits for the object and starts when it appears.
      if (status.phase == null || status.phase == CleanupPhase.Running) {
        status.phase = CleanupPhase.Scheduled;
      }
      RunStatuses.refused(status, e, generation, now);
      return;
    }
    status.phase = CleanupPhase.Failed;
    status.nextRunTime = null;
    status.message = KnownSecrets.redact(e.getMessage());
    RunStatuses.settled(status, true, e.reason(), status.message, generation, now);
  }

  /** Nothing to run now: the phase of the last run (or Scheduled), and when the next comes. */
  public static void idle(
      CleanupScheduleStatus status, Instant next, boolean suspended, long generation, Instant now) {
    CleanupRun last = status.lastRun;
    boolean failed = last != null && last.result == RunResult.Failed;
    status.phase =
        last == null
            ? CleanupPhase.Scheduled
            : failed ? CleanupPhase.Failed : CleanupPhase.Succeeded;
    status.progress = null;
    status.nextRunTime = next == null ? null : CleanupRuns.time(next);
    String when =
        suspended
            ? "suspended: no scheduled runs (the pitstop.dev/run-requested-at annotation still"
                + " requests one)"
            : next == null ? "the schedule never fires again" : "next run at " + status.nextRunTime;
    status.message = last == null ? when : "last run " + last.message + "; " + when;
    // finished() set Ready and Failed with the run's own reason; only replace what a spec
    // problem, a window wait or a run in progress left there.
    String current = Conditions.find(status, Condition.READY).map(c -> c.reason).orElse(null);
    if (last == null || current == null || TRANSIENT_REASONS.contains(current)) {
      String reason =
          last == null
              ? "Scheduled"
              : failed
                  ? "LastRunFailed"
                  : Boolean.TRUE.equals(last.dryRun) ? "DryRun" : last.result.name();
      Conditions.set(status, Condition.READY, !failed, reason, status.message, generation, now);
      Conditions.set(status, Condition.FAILED, failed, reason, status.message, generation, now);
    }
    Conditions.set(
        status,
        Condition.PROGRESSING,
        false,
        suspended ? "Suspended" : "Scheduled",
        when,
        generation,
        now);
  }

  /** What became of the notification about the last run. */
  public static void notification(
      CleanupScheduleStatus status, Delivery delivery, long generation, Instant now) {
    if (delivery != null) {
      RunStatuses.notificationDelivered(status, delivery, generation, now);
    }
  }

  /** The longest message a history entry keeps; lastRun keeps the whole one. */
  static final int HISTORY_MESSAGE = 512;

  /**
   * A history entry: the run without its per-rule results and vacuumed tables (lastRun has them)
   * and with its message cut, so that 100 entries of 100 rules stay far below the API server's
   * object size limit.
   */
  static CleanupRun summary(CleanupRun run) {
    CleanupRun s = new CleanupRun();
    s.startTime = run.startTime;
    s.completionTime = run.completionTime;
    s.durationMs = run.durationMs;
    s.scheduledTime = run.scheduledTime;
    s.trigger = run.trigger;
    s.result = run.result;
    s.dryRun = run.dryRun;
    s.rowsDeleted = run.rowsDeleted;
    s.message =
        run.message == null || run.message.length() <= HISTORY_MESSAGE
            ? run.message
            : run.message.substring(0, HISTORY_MESSAGE - 1) + "…";
    return s;
  }

  /**
   * Adds {@code run} as the newest history entry; the same run (start, fire time, result) is
   * replaced, not added twice, so publishing again after a lost status patch changes nothing.
   */
  private static void prepend(CleanupScheduleStatus status, CleanupRun run, int limit) {
    List<CleanupRun> history = new ArrayList<>();
    history.add(summary(run));
    for (CleanupRun old : status.history) {
      if (!sameRun(old, run)) {
        history.add(old);
      }
    }
    status.history = new ArrayList<>(history.subList(0, Math.min(limit, history.size())));
  }

  /** Whether two entries describe the same run or the same missed/skipped fire time. */
  public static boolean sameRun(CleanupRun a, CleanupRun b) {
    return a != null
        && b != null
        && Objects.equals(a.startTime, b.startTime)
        && Objects.equals(a.scheduledTime, b.scheduledTime)
        && (a.startTime != null || a.result == b.result);
  }

  /**
   * Re-applies what a run's start recorded (which request and spec it serves, its fire time), in
   * case that status patch was lost; later values are kept.
   */
  public static void observe(
      CleanupScheduleStatus status,
      CleanupTriggers.Trigger trigger,
      Instant fire,
      String runRequest,
      String runRequestId) {
    if (trigger == CleanupTriggers.Trigger.RUN_REQUESTED) {
      status.observedRunRequest = runRequest;
    }
    status.observedRunRequestId = runRequestId;
    if (fire != null
        && (status.lastScheduleTime == null
            || Instant.parse(status.lastScheduleTime).isBefore(fire))) {
      status.lastScheduleTime = CleanupRuns.time(fire);
    }
  }
}
