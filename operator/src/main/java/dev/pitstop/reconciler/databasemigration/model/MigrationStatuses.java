package dev.pitstop.reconciler.databasemigration.model;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.AppliedMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.LockHolder;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.MigrationFailure;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.ExecutedMigration;
import dev.pitstop.migration.LockWait;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationProgress;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Computes a DatabaseMigration's status from what the engine reported; shared by the reconciler and
 * {@code pitstop run -f}, so a local run shows exactly the status the operator would write.
 */
public final class MigrationStatuses {
  private static final int MAX_LISTED = 50;

  private MigrationStatuses() {}

  /** Phases in which nothing more happens until a new run is requested. */
  public static boolean isSettled(MigrationPhase phase) {
    return phase == MigrationPhase.Succeeded
        || phase == MigrationPhase.Failed
        || phase == MigrationPhase.Planned;
  }

  /**
   * A new run was requested: back to Pending, remembering what the run is for.
   *
   * @param runRequest the {@code pitstop.dev/run-requested-at} value, {@code null} if none (the
   *     value served last stays observed, so putting it back requests nothing)
   * @param runRequestId {@code spec.runRequestId}, {@code null} if none (likewise)
   * @param sourceDigest the digest of the scripts the run uses
   */
  public static void newRequest(
      DatabaseMigrationStatus status,
      long generation,
      String runRequest,
      String runRequestId,
      String sourceDigest,
      String runDigest) {
    status.phase = MigrationPhase.Pending;
    status.observedGeneration = generation;
    if (runRequest != null) {
      status.observedRunRequest = runRequest;
    }
    if (runRequestId != null) {
      status.observedRunRequestId = runRequestId;
    }
    status.observedSourceDigest = sourceDigest;
    status.observedRunDigest = runDigest;
    status.plan = null;
    status.failure = null;
    status.progress = null;
    status.lock = null;
    status.message = "run requested";
  }

  /** Work started: planning or migrating against {@code database} (user@host/db). */
  public static void started(
      DatabaseMigrationStatus status,
      boolean planOnly,
      String database,
      long generation,
      Instant now) {
    status.phase = planOnly ? MigrationPhase.Pending : MigrationPhase.Migrating;
    status.message = (planOnly ? "planning against " : "connecting to ") + database;
    RunStatuses.underway(
        status, planOnly ? "Planning" : "Migrating", status.message, generation, now);
  }

  /** A running job's latest report: waiting for the lock, or a step of the migration. */
  public static void running(
      DatabaseMigrationStatus status,
      MigrationProgress step,
      LockWait lockWait,
      long generation,
      Instant now) {
    if (lockWait != null) {
      waitingForLock(status, lockWait, generation, now);
    } else if (step != null) {
      migrating(status, step, generation, now);
    }
  }

  /** Another runner holds the migration lock. */
  public static void waitingForLock(
      DatabaseMigrationStatus status, LockWait wait, long generation, Instant now) {
    LockHolder lock = new LockHolder();
    lock.holderPid = wait.holderPid();
    lock.since = wait.since() == null ? null : wait.since().toInstant().toString();
    status.lock = lock;
    status.message =
        "waiting for the migration lock held by "
            + (wait.holderPid() == null ? "another runner" : "pid " + wait.holderPid())
            + (lock.since == null ? "" : " since " + lock.since);
    RunStatuses.underway(status, "WaitingForLock", status.message, generation, now);
  }

  /** A statement of a migration is about to run. */
  public static void migrating(
      DatabaseMigrationStatus status, MigrationProgress step, long generation, Instant now) {
    status.lock = null;
    status.phase = MigrationPhase.Migrating;
    DatabaseMigrationStatus.MigrationProgress p = new DatabaseMigrationStatus.MigrationProgress();
    p.migration = step.script();
    p.index = step.index();
    p.total = step.total();
    p.statement = step.statement();
    p.statements = step.statements();
    p.elapsedMs = step.elapsedMs();
    status.progress = p;
    status.message =
        "applying "
            + step.script()
            + " ("
            + step.index()
            + " of "
            + step.total()
            + "), statement "
            + step.statement()
            + " of "
            + step.statements();
    RunStatuses.underway(status, "Migrating", status.message, generation, now);
  }

  public static void waitingForWindow(
      DatabaseMigrationStatus status, String waitingFor, long generation, Instant now) {
    status.phase = MigrationPhase.WaitingForWindow;
    RunStatuses.waitingForWindow(status, "waiting for " + waitingFor, generation, now);
    Conditions.set(
        status, Condition.FAILED, false, "WaitingForWindow", status.message, generation, now);
  }

  /**
   * A plan was read: Planned ({@code validateOnly}) or WaitingForApproval.
   *
   * @param note what the measured plan found, or why it is not measured ({@link
   *     MigrationPlans#note}); null when there is nothing to say
   * @param howToApprove how the user approves, e.g. a kubectl command; used when awaiting approval
   */
  public static void planned(
      DatabaseMigrationStatus status,
      MigrationInfo plan,
      DatabaseMigrationStatus.MigrationPlan shown,
      boolean awaitingApproval,
      String note,
      String howToApprove,
      long generation,
      Instant now) {
    RunStatuses.reachable(status, generation, now);
    // what the history records: a baseline migrate has yet to record is not applied
    status.currentVersion = plan.recordedVersion();
    status.appliedCount = plan.appliedCount();
    status.pendingCount = plan.pending().size();
    status.pending = pendingNames(plan.pending());
    status.plan = shown;
    status.progress = null;
    status.lock = null;
    String pending =
        plan.pending().isEmpty()
            ? "no migrations pending"
            : plan.pending().size() + " migration(s) pending: " + String.join(", ", status.pending);
    if (plan.baselineToRecord() != null) {
      pending +=
          ", after a baseline at version "
              + plan.baselineToRecord()
              + " is recorded (history table "
              + plan.historyTable()
              + " does not exist yet and the schema is not empty)";
    }
    String issues =
        plan.issues().isEmpty()
            ? ""
            : "; " + plan.issues().size() + " problem(s), first: " + plan.issues().get(0).message();
    if (note != null) {
      issues += "; " + note;
    }
    if (awaitingApproval) {
      status.phase = MigrationPhase.WaitingForApproval;
      status.message = pending + issues + "; approve with: " + howToApprove;
      Conditions.set(
          status, Condition.READY, false, "WaitingForApproval", status.message, generation, now);
    } else {
      status.phase = MigrationPhase.Planned;
      status.message = pending + issues + " (validateOnly: nothing applied)";
      Conditions.set(
          status,
          Condition.READY,
          plan.issues().isEmpty(),
          plan.issues().isEmpty() ? "Planned" : "ValidationFailed",
          status.message,
          generation,
          now);
    }
    RunStatuses.progressing(status, false, status.phase.name(), status.message, generation, now);
    Conditions.set(
        status, Condition.FAILED, false, status.phase.name(), status.message, generation, now);
  }

  /** Every pending migration up to the target was applied. */
  public static void succeeded(
      DatabaseMigrationStatus status, MigrateResult result, long generation, Instant now) {
    succeeded(status, result, null, generation, now);
  }

  /**
   * Every pending migration up to the target was applied, after a measured plan found nothing that
   * asks for approval.
   *
   * @param note what that plan found ({@link MigrationPlans#note}), or null
   */
  public static void succeeded(
      DatabaseMigrationStatus status,
      MigrateResult result,
      String note,
      long generation,
      Instant now) {
    RunStatuses.reachable(status, generation, now);
    status.phase = MigrationPhase.Succeeded;
    status.plan = null;
    status.currentVersion = result.currentVersion();
    status.appliedCount = result.appliedCount();
    status.pendingCount = result.pending().size();
    status.pending = pendingNames(result.pending());
    status.lastApplied = applied(result.applied());
    status.progress = null;
    status.lock = null;
    status.failure = null;
    status.message =
        (result.applied().isEmpty()
                ? "database is up to date"
                : "applied " + result.applied().size() + " migration(s)")
            + (result.currentVersion() == null
                ? ""
                : "; current version " + result.currentVersion())
            + (result.repaired().isEmpty()
                ? ""
                : "; realigned checksums of " + String.join(", ", result.repaired()))
            + (note == null ? "" : "; " + note);
    RunStatuses.settled(status, false, "Succeeded", status.message, generation, now);
  }

  /** The run failed; nothing of the failed migration remains if it ran in a transaction. */
  public static void failed(
      DatabaseMigrationStatus status, MigrationException e, long generation, Instant now) {
    RunStatuses.reachable(status, generation, now);
    status.phase = MigrationPhase.Failed;
    status.progress = null;
    status.lock = null;
    if (e.partialResult() != null) {
      status.currentVersion = e.partialResult().currentVersion();
      status.appliedCount = e.partialResult().appliedCount();
      status.pendingCount = e.partialResult().pending().size();
      status.pending = pendingNames(e.partialResult().pending());
      status.lastApplied = applied(e.partialResult().applied());
    }
    MigrationFailure failure = new MigrationFailure();
    var details = e.failure();
    if (details != null) {
      failure.version = details.version();
      failure.script = details.script();
      failure.sqlState = details.sqlState();
      failure.message = KnownSecrets.redact(details.message());
      failure.line = details.line() > 0 ? details.line() : null;
      status.message =
          details.script()
              + " failed"
              + (details.line() > 0 ? " at line " + details.line() : "")
              + ": "
              + failure.message
              + (details.sqlState() == null ? "" : " (SQLSTATE " + details.sqlState() + ")")
              + "; "
              + details.outcome();
    } else {
      failure.script = e.subject();
      failure.message = KnownSecrets.redact(e.getMessage());
      status.message = failure.message;
    }
    status.failure = failure;
    RunStatuses.settled(
        status, true, RunStatuses.reason(e.code()), status.message, generation, now);
  }

  /**
   * A run that is not retried (a local one-shot run) failed. Like {@link #failed}, except that a
   * transient database error, which the operator would retry, also marks the database unreachable.
   */
  public static void failedWithoutRetry(
      DatabaseMigrationStatus status, MigrationException e, long generation, Instant now) {
    failed(status, e, generation, now);
    if (e.isTransient() && e.code() == ErrorCode.DATABASE_ERROR) {
      RunStatuses.databaseReachable(status, false, status.message, generation, now);
    }
  }

  public static void retrying(
      DatabaseMigrationStatus status,
      String reason,
      String code,
      Duration delay,
      long generation,
      Instant now) {
    status.phase = MigrationPhase.Pending;
    status.progress = null;
    status.lock = null;
    boolean unreachable = "DATABASE_ERROR".equals(code) || "DatabaseError".equals(code);
    RunStatuses.retrying(status, reason, unreachable, delay, generation, now);
  }

  /** The database could not be reached ({@code why}); retried after {@code delay}. */
  public static void retrying(
      DatabaseMigrationStatus status,
      dev.pitstop.database.Reachability why,
      Duration delay,
      long generation,
      Instant now) {
    status.phase = MigrationPhase.Pending;
    status.progress = null;
    status.lock = null;
    RunStatuses.retrying(status, why, delay, generation, now);
  }

  /** The spec, or an object it references, is wrong or missing. */
  public static void refused(
      DatabaseMigrationStatus status, SpecException e, long generation, Instant now) {
    status.phase = e.waitsForObject() ? MigrationPhase.Pending : MigrationPhase.Failed;
    status.progress = null;
    status.lock = null;
    RunStatuses.refused(status, e, generation, now);
  }

  /** A one-sentence message for an engine error about a request field. */
  public static String fieldMessage(MigrationException e) {
    String subject = e.subject();
    return subject == null || e.getMessage().contains(subject)
        ? e.getMessage()
        : subject + ": " + e.getMessage();
  }

  private static List<String> pendingNames(List<PendingMigration> pending) {
    return pending.stream()
        .limit(MAX_LISTED)
        .map(p -> p.version() != null ? p.version() : "R:" + p.description())
        .collect(Collectors.toList());
  }

  private static List<AppliedMigration> applied(List<ExecutedMigration> executed) {
    return executed.stream()
        .skip(Math.max(0, executed.size() - MAX_LISTED))
        .map(
            m -> {
              AppliedMigration a = new AppliedMigration();
              a.version = m.version();
              a.description = m.description();
              a.checksum = m.checksum();
              a.executionTimeMs = m.executionTimeMs();
              return a;
            })
        .collect(Collectors.toList());
  }
}
