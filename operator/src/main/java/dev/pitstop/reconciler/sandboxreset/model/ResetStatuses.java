package dev.pitstop.reconciler.sandboxreset.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.api.v1alpha1.SandboxResetStatus.ResetFailure;
import dev.pitstop.api.v1alpha1.SandboxResetStatus.ResetRun;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.Sentences;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetPlan;
import dev.pitstop.reset.ResetProgress;
import dev.pitstop.reset.ResetResult;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes a SandboxReset's status from what the engine reported. Used by the reconciler and by
 * {@code pitstop run -f}, so both show the same status.
 */
public final class ResetStatuses {
  /** Runs kept in {@code status.history}. */
  public static final int HISTORY = 5;

  private static final int MAX_LISTED = 100;

  /** Kubernetes keeps Event messages short; longer ones are cut. */
  private static final int MAX_EVENT_MESSAGE = 1000;

  /** The reasons of a database that could not be reached; such a run never answered. */
  private static final java.util.Set<String> CONNECTION_REASONS =
      java.util.Arrays.stream(dev.pitstop.database.ReachabilityReason.values())
          .map(dev.pitstop.database.ReachabilityReason::conditionReason)
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  private ResetStatuses() {}

  /**
   * The run requests {@code ticket} serves are observed; one taken out (null) leaves the value
   * served last observed, so putting it back (a Git revert) requests nothing.
   */
  private static void observeRequests(SandboxResetStatus status, ResetTriggers.Ticket ticket) {
    if (ticket.runRequest() != null) {
      status.observedRunRequest = ticket.runRequest();
    }
    if (ticket.runRequestId() != null) {
      status.observedRunRequestId = ticket.runRequestId();
    }
  }

  /** A resource without a schedule saw a new generation or run request. */
  public static void newRequest(SandboxResetStatus status, ResetTriggers.Ticket ticket) {
    status.phase = ResetPhase.Pending;
    status.observedGeneration = ticket.generation();
    observeRequests(status, ticket);
    status.observedRunDigest = ticket.runDigest();
    status.progress = null;
    status.failure = null;
    status.message = "run requested";
  }

  /** A scheduled resource with no run going. */
  public static void idle(
      SandboxResetStatus status, Instant next, boolean suspended, long generation, Instant now) {
    status.observedGeneration = generation;
    status.nextRunTime = next == null ? null : time(next);
    status.progress = null;
    if (status.phase == ResetPhase.Failed || status.phase == ResetPhase.Planned) {
      return;
    }
    status.phase = ResetPhase.Scheduled;
    String last = status.lastRun == null ? "" : "; last run " + status.lastRun.result;
    status.message =
        suspended
            ? "suspended: no scheduled runs" + last
            : "next run at " + status.nextRunTime + last;
    Conditions.set(status, Condition.READY, true, "Scheduled", status.message, generation, now);
    RunStatuses.progressing(status, false, "Scheduled", status.message, generation, now);
  }

  public static void started(
      SandboxResetStatus status, boolean dryRun, String database, long generation, Instant now) {
    status.phase = dryRun ? ResetPhase.Pending : ResetPhase.Resetting;
    status.progress = null;
    status.failure = null;
    status.message = (dryRun ? "planning against " : "connecting to ") + database;
    RunStatuses.underway(
        status, dryRun ? "Planning" : "Resetting", status.message, generation, now);
  }

  /**
   * Publishes the latest progress of a running reset. The plan is published with the result, not
   * before: status keeps describing the last finished run until this one ends.
   */
  public static void running(
      SandboxResetStatus status, ResetProgress step, long generation, Instant now) {
    if (step == null) {
      return;
    }
    SandboxResetStatus.ResetProgress p = new SandboxResetStatus.ResetProgress();
    p.tablesDone = step.tablesDone();
    p.tablesTotal = step.tablesTotal();
    p.rowsDeleted = step.rowsDeleted();
    switch (step.stage()) {
      case PLANNING -> {
        status.phase = ResetPhase.Resetting;
        status.message = "planning: reading the foreign-key graph and marking rows to keep";
      }
      case EMPTYING -> {
        status.phase = ResetPhase.Resetting;
        p.table = step.table();
        status.message =
            "emptying "
                + step.table()
                + " ("
                + (step.tablesDone() + 1)
                + " of "
                + step.tablesTotal()
                + " tables, "
                + step.rowsDeleted()
                + " rows deleted so far)";
      }
      case SEEDING -> {
        status.phase = ResetPhase.Seeding;
        p.table = step.seed();
        status.message =
            "running seed "
                + step.seed()
                + " ("
                + (step.seedsDone() + 1)
                + " of "
                + step.seedsTotal()
                + ") after deleting "
                + step.rowsDeleted()
                + " rows";
      }
      default -> throw new IllegalStateException(step.stage().name());
    }
    status.progress = p;
    RunStatuses.underway(status, status.phase.name(), status.message, generation, now);
  }

  public static void waitingForWindow(
      SandboxResetStatus status, String waitingFor, long generation, Instant now) {
    status.phase = ResetPhase.WaitingForWindow;
    RunStatuses.waitingForWindow(status, "waiting for " + waitingFor, generation, now);
    Conditions.set(
        status, Condition.FAILED, false, "WaitingForWindow", status.message, generation, now);
  }

  /** A dry run finished. */
  public static void planned(
      SandboxResetStatus status, ResetPlan plan, long generation, Instant now) {
    RunStatuses.reachable(status, generation, now);
    status.phase = ResetPhase.Planned;
    status.progress = null;
    status.failure = null;
    status.plan = plan(plan, null);
    long rows = plan.tables().stream().mapToLong(t -> Math.max(0, t.rows() - t.keptRows())).sum();
    status.message =
        "would delete "
            + Sentences.count(rows, "row")
            + " from "
            + Sentences.count(plan.tables().size(), "table")
            + " and keep "
            + Sentences.count(plan.preserved().size(), "preserved table")
            + (plan.warnings().isEmpty() ? "" : "; " + plan.warnings().size() + " warning(s)")
            + " (dryRun: nothing deleted)";
    RunStatuses.settled(status, false, "Planned", status.message, generation, now);
  }

  /** A reset committed. */
  public static void succeeded(
      SandboxResetStatus status,
      ResetResult result,
      boolean scheduled,
      String scheduleTime,
      Instant startedAt,
      long generation,
      Instant now) {
    RunStatuses.reachable(status, generation, now);
    status.phase = scheduled ? ResetPhase.Scheduled : ResetPhase.Succeeded;
    status.progress = null;
    status.failure = null;
    Map<String, Long> deleted = new LinkedHashMap<>();
    Map<String, Long> kept = new LinkedHashMap<>();
    result.tables().stream().limit(MAX_LISTED).forEach(t -> deleted.put(t.name(), t.rowsDeleted()));
    result.tables().stream()
        .filter(t -> t.rowsKept() > 0)
        .limit(MAX_LISTED)
        .forEach(t -> kept.put(t.name(), t.rowsKept()));
    status.plan = plan(result.plan(), deleted);
    status.plan.warnings = limited(result.warnings().stream().map(KnownSecrets::redact).toList());
    status.plan.keptRows = kept.isEmpty() ? null : kept;
    String summary =
        "deleted "
            + Sentences.count(result.rowsDeleted(), "row")
            + " from "
            + Sentences.count(result.tables().size(), "table")
            + (result.seeds().isEmpty() ? "" : ", ran " + result.seeds().size() + " seed(s)")
            + " in "
            + Durations.format(Duration.ofMillis(result.durationMs()))
            + afterReset(result)
            + (result.warnings().isEmpty()
                ? ""
                : "; " + result.warnings().size() + " warning(s) in status.plan.warnings");
    ResetRun run = run(startedAt, now, RunResult.Succeeded, summary, scheduleTime);
    run.rowsDeleted = result.rowsDeleted();
    record(status, run);
    status.message = summary;
    RunStatuses.settled(status, false, "Succeeded", summary, generation, now);
  }

  /**
   * The warnings of a committed reset (its plan's, then those of the work after the commit) as one
   * Event message (each warning is a sentence), or {@code null} when there are none.
   */
  public static String warnings(ResetResult result) {
    List<String> warnings = result.warnings();
    if (warnings.isEmpty()) {
      return null;
    }
    String all =
        "The reset committed with "
            + warnings.size()
            + " warning(s): "
            + String.join(" ", warnings.stream().map(KnownSecrets::redact).toList());
    return all.length() <= MAX_EVENT_MESSAGE
        ? all
        : all.substring(0, MAX_EVENT_MESSAGE - 40) + " ... (all in status.plan.warnings)";
  }

  /** {@code ", then VACUUM (ANALYZE) of 2 table(s)"} and the like, or nothing. */
  private static String afterReset(ResetResult result) {
    long vacuumed = result.afterReset().stream().filter(l -> l.startsWith("VACUUM")).count();
    long refreshed = result.afterReset().size() - vacuumed;
    List<String> parts = new java.util.ArrayList<>();
    if (vacuumed > 0) {
      parts.add("VACUUM (ANALYZE) of " + vacuumed + " table(s)");
    }
    if (refreshed > 0) {
      parts.add("REFRESH of " + refreshed + " materialized view(s)");
    }
    return parts.isEmpty() ? "" : ", then " + String.join(" and ", parts);
  }

  /** A reset was refused or rolled back. */
  public static void failed(
      SandboxResetStatus status,
      ResetException e,
      String scheduleTime,
      Instant startedAt,
      long generation,
      Instant now) {
    ResetFailure failure = new ResetFailure();
    if (e.failure() != null) {
      failure.table = e.failure().table();
      failure.seed = e.failure().seed();
      failure.line = e.failure().line() > 0 ? e.failure().line() : null;
      failure.constraint = e.failure().constraint();
      failure.sqlState = e.failure().sqlState();
    }
    failed(
        status,
        e.getMessage(),
        RunStatuses.reason(e.code()),
        failure,
        scheduleTime,
        startedAt,
        generation,
        now);
  }

  /**
   * A run that is not retried (a scheduled one, whose next fire time is the retry) could not reach
   * the database: Failed with the reason and sentence of {@code why}, DatabaseReachable False.
   */
  public static void unreachable(
      SandboxResetStatus status,
      dev.pitstop.database.Reachability why,
      String scheduleTime,
      Instant startedAt,
      long generation,
      Instant now) {
    ResetFailure failure = new ResetFailure();
    failure.sqlState = why.sqlState();
    failed(
        status,
        why.message(),
        why.reason().conditionReason(),
        failure,
        scheduleTime,
        startedAt,
        generation,
        now);
    RunStatuses.unreachable(status, why, generation, now);
  }

  /** A run failed with {@code message}; {@code reason} is the CamelCase condition reason. */
  public static void failed(
      SandboxResetStatus status,
      String message,
      String reason,
      ResetFailure failure,
      String scheduleTime,
      Instant startedAt,
      long generation,
      Instant now) {
    String shown = KnownSecrets.redact(message);
    status.phase = ResetPhase.Failed;
    status.progress = null;
    status.failure = failure == null ? new ResetFailure() : failure;
    status.failure.message = shown;
    if (!"DatabaseError".equals(reason) && !CONNECTION_REASONS.contains(reason)) {
      RunStatuses.reachable(status, generation, now);
    }
    ResetRun run = run(startedAt, now, RunResult.Failed, shown, scheduleTime);
    run.rowsDeleted = 0L;
    record(status, run);
    status.message = shown;
    RunStatuses.settled(status, true, reason, shown, generation, now);
  }

  /** A fire time that did not run: {@link RunResult#Missed} or {@link RunResult#Skipped}. */
  public static void notRun(
      SandboxResetStatus status, Instant fireTime, RunResult result, String why) {
    ResetRun run = new ResetRun();
    run.scheduleTime = time(fireTime);
    run.result = result;
    run.message = why;
    status.history.add(0, run);
    trimHistory(status);
    status.lastScheduleTime = later(status.lastScheduleTime, fireTime);
  }

  /** Whether status already shows the run that started at {@code startedAt} as its last run. */
  public static boolean shows(SandboxResetStatus status, Instant startedAt) {
    return status.lastRun != null && runTime(startedAt).equals(status.lastRun.startTime);
  }

  /** What a finished run answered: its fire time and the run request values it served. */
  public static void handled(SandboxResetStatus status, ResetTriggers.Ticket ticket) {
    if (ticket.trigger() == ResetTriggers.Trigger.REQUEST) {
      status.observedGeneration = ticket.generation();
      status.observedRunDigest = ticket.runDigest();
    }
    if (ticket.fireTime() != null) {
      status.lastScheduleTime = later(status.lastScheduleTime, ticket.fireTime());
    }
    observeRequests(status, ticket);
  }

  public static void retrying(
      SandboxResetStatus status,
      String reason,
      boolean unreachable,
      Duration delay,
      long generation,
      Instant now) {
    status.phase = ResetPhase.Pending;
    status.progress = null;
    RunStatuses.retrying(status, reason, unreachable, delay, generation, now);
  }

  /** The database could not be reached ({@code why}); retried after {@code delay}. */
  public static void retrying(
      SandboxResetStatus status,
      dev.pitstop.database.Reachability why,
      Duration delay,
      long generation,
      Instant now) {
    status.phase = ResetPhase.Pending;
    status.progress = null;
    RunStatuses.retrying(status, why, delay, generation, now);
  }

  public static void refused(
      SandboxResetStatus status, SpecException e, long generation, Instant now) {
    status.phase = e.waitsForObject() ? ResetPhase.Pending : ResetPhase.Failed;
    status.progress = null;
    RunStatuses.refused(status, e, generation, now);
  }

  private static SandboxResetStatus.ResetPlan plan(ResetPlan plan, Map<String, Long> deleted) {
    SandboxResetStatus.ResetPlan p = new SandboxResetStatus.ResetPlan();
    p.order = limited(plan.order());
    p.partitions = limited(plan.partitions());
    p.preserved =
        limited(plan.preserved().stream().map(t -> t.name() + " (" + t.reason() + ")").toList());
    p.warnings = limited(plan.warnings().stream().map(KnownSecrets::redact).toList());
    p.references =
        limited(plan.references().stream().map(ResetPlan.TableReference::describe).toList());
    p.cycles =
        limited(
            java.util.stream.Stream.concat(
                    plan.deferredConstraints().stream().map(c -> "deferred " + c),
                    plan.nulledForeignKeys().stream())
                .toList());
    p.seeds = limited(plan.seeds());
    if (deleted != null) {
      p.rowCounts = deleted;
    } else if (plan.tables().stream().anyMatch(t -> t.rows() >= 0)) {
      Map<String, Long> counts = new LinkedHashMap<>();
      Map<String, Long> kept = new LinkedHashMap<>();
      plan.tables().stream()
          .limit(MAX_LISTED)
          .forEach(
              t -> {
                counts.put(t.name(), t.rows());
                if (t.keptRows() > 0) {
                  kept.put(t.name(), t.keptRows());
                }
              });
      p.rowCounts = counts;
      p.keptRows = kept.isEmpty() ? null : kept;
    }
    return p;
  }

  private static List<String> limited(List<String> items) {
    return items.size() <= MAX_LISTED
        ? new java.util.ArrayList<>(items)
        : new java.util.ArrayList<>(items.subList(0, MAX_LISTED));
  }

  private static ResetRun run(
      Instant startedAt, Instant now, RunResult result, String message, String scheduleTime) {
    ResetRun run = new ResetRun();
    run.startTime = runTime(startedAt);
    run.completionTime = runTime(now);
    run.durationMs = Math.max(0, Duration.between(startedAt, now).toMillis());
    run.result = result;
    run.message = message;
    run.scheduleTime = scheduleTime;
    return run;
  }

  private static void record(SandboxResetStatus status, ResetRun run) {
    status.lastRun = run;
    status.history.add(0, run);
    trimHistory(status);
  }

  private static void trimHistory(SandboxResetStatus status) {
    while (status.history.size() > HISTORY) {
      status.history.remove(status.history.size() - 1);
    }
  }

  private static String later(String current, Instant candidate) {
    if (current == null || Instant.parse(current).isBefore(candidate)) {
      return time(candidate);
    }
    return current;
  }

  /** RFC 3339 to the millisecond: tells runs apart that start within one second. */
  static String runTime(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** RFC 3339, to the second. */
  public static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
