package dev.pitstop.reconciler.databasemigration;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.Reachability;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.LockWait;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationListener;
import dev.pitstop.migration.MigrationProgress;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.RecoveredStatement;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import dev.pitstop.migration.impact.ScratchServer;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.Operation;
import dev.pitstop.reconciler.Operation.Due;
import dev.pitstop.reconciler.Operation.Launch;
import dev.pitstop.reconciler.OperationPass;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.OperationRuns;
import dev.pitstop.reconciler.databasemigration.DatabaseMigrationReconciler.Outcome;
import dev.pitstop.reconciler.databasemigration.DatabaseMigrationReconciler.Progress;
import dev.pitstop.reconciler.databasemigration.DatabaseMigrationReconciler.Run;
import dev.pitstop.reconciler.databasemigration.model.MigrationPlans;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests.Gate;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a DatabaseMigration: reads the spec and its sources, waits for approval and the
 * maintenance window, runs the migration engine on a worker thread and publishes its progress and
 * result in status. Runs go through the lifecycle of {@link OperationRuns}; this class says what a
 * migration run is and how its status reads. No SQL here.
 */
@ControllerConfiguration(name = "databasemigration", generationAwareEventProcessing = false)
public final class DatabaseMigrationReconciler
    implements Reconciler<DatabaseMigration>,
        Operation<DatabaseMigration, Run, Run, Progress, Outcome> {
  static final String KIND = "DatabaseMigration";
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseMigrationReconciler.class);

  /** How long connecting to the plan's scratch server may take. */
  private static final Duration PLAN_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final OperationReferences<DatabaseMigration> references =
      new OperationReferences<>(
          r -> r.getSpec().database,
          DatabaseMigrationReconciler::planSecret,
          r -> r.getSpec().source,
          r -> r.getSpec().maintenanceWindowRef);
  private final OperationRuns<DatabaseMigration, Run, Run, Progress, Outcome> runs;

  @Override
  public OperationRuns<DatabaseMigration, Run, Run, Progress, Outcome> runs() {
    return runs;
  }

  /** What a job reports while it runs. */
  public record Progress(MigrationProgress step, LockWait lockWait) {}

  /**
   * What a job returns: a plan, or the result of migrating.
   *
   * @param plan what is pending, when the run stopped at the plan; else null
   * @param result what was applied, when the run migrated; else null
   * @param measured the plan measured on a scratch copy, when one was made
   * @param notMeasured why a measured plan was asked for and could not be made, else null
   */
  public record Outcome(
      MigrationInfo plan, MigrateResult result, ImpactPlan measured, String notMeasured) {}

  public DatabaseMigrationReconciler(OperationRuns.Services services) {
    this.runs = new OperationRuns<>(KIND, DatabaseMigrationStatus::new, this, references, services);
  }

  @Override
  public Run prepare(OperationPass<DatabaseMigration, Run> pass) throws SpecException {
    Run run = Run.of(pass.resource(), name -> references.configMap(pass.context(), name));
    DatabaseMigrationStatus status = pass.resource().getStatus();
    if (run.isNewRequest(status, pass.generation())) {
      MigrationStatuses.newRequest(
          status,
          pass.generation(),
          run.key().runRequest(),
          run.key().runRequestId(),
          run.key().sourceDigest(),
          run.key().runDigest());
    } else {
      // A setting changed (or nothing): seen, and applied to the next run.
      status.observedGeneration = pass.generation();
    }
    return run;
  }

  @Override
  public Duration observe(
      OperationPass<DatabaseMigration, Run> pass, BackgroundWork.Job<Progress, Outcome> job) {
    DatabaseMigrationStatus status = pass.resource().getStatus();
    job.progress()
        .ifPresent(
            p ->
                MigrationStatuses.running(
                    status, p.step(), p.lockWait(), pass.generation(), pass.now()));
    return OperationRuns.WHILE_RUNNING;
  }

  @Override
  public Due<Run> decide(OperationPass<DatabaseMigration, Run> pass, Run run) {
    MigrationPhase phase = pass.resource().getStatus().phase;
    Gate gate = run.gate(pass.resource());
    if (MigrationStatuses.isSettled(phase)
        || (phase == MigrationPhase.WaitingForApproval && gate != Gate.APPLY)) {
      return Due.nothing(null);
    }
    // A run that may apply waits for the window, its plan included.
    return Due.run(run, run.key().value(), gate != Gate.PLAN_ONLY, within -> within);
  }

  @Override
  public void waitingForWindow(OperationPass<DatabaseMigration, Run> pass, String waitingFor) {
    MigrationStatuses.waitingForWindow(
        pass.resource().getStatus(), waitingFor, pass.generation(), pass.now());
  }

  @Override
  public Launch<Progress, Outcome> launch(
      OperationPass<DatabaseMigration, Run> pass, Run run, Run ticket) throws SpecException {
    DatabaseMigration resource = pass.resource();
    DatabaseTargets.Target target = pass.target();
    Gate gate = run.gate(resource);
    boolean planOnly = gate == Gate.PLAN_ONLY;
    MigrationRequest request = run.request();
    WorkSessions sessions = new WorkSessions(target.dataSource());
    ScratchServer scratch =
        gate.measures() ? new ScratchServer(planServer(pass, target), PLAN_CONNECT_TIMEOUT) : null;
    Severity threshold = MigrationRequests.threshold(resource.getSpec());
    boolean validateOnly = Boolean.TRUE.equals(resource.getSpec().validateOnly);
    return new Launch<>(
        sink -> {
          MigrationEngine engine = new MigrationEngine(sessions);
          if (gate == Gate.APPLY) {
            return new Outcome(null, engine.migrate(request, listener(sink)), null, null);
          }
          ImpactPlan measured = null;
          String notMeasured = null;
          try {
            measured = new ImpactPlanner(sessions, scratch).plan(request);
          } catch (MigrationException e) {
            if (e.code() != ErrorCode.PLAN_SCRATCH_UNAVAILABLE) {
              throw e;
            }
            notMeasured = e.getMessage();
          }
          if (gate == Gate.PLAN_THEN_APPLY && !MigrationPlans.risky(measured, threshold)) {
            return new Outcome(null, engine.migrate(request, listener(sink)), measured, null);
          }
          MigrationInfo info = measured != null ? measured.info() : engine.info(request);
          if (!validateOnly && nothingToApply(info)) {
            // Nothing for an approval to cover: settle as up to date instead of asking for one.
            return new Outcome(null, engine.migrate(request, listener(sink)), measured, null);
          }
          return new Outcome(info, null, measured, notMeasured);
        },
        () -> {
          MigrationStatuses.started(
              resource.getStatus(),
              gate != Gate.APPLY,
              target.settings().describe(),
              pass.generation(),
              pass.now());
          if (!planOnly) {
            pass.events()
                .normal(
                    resource,
                    "MigrationStarted",
                    (gate == Gate.PLAN_THEN_APPLY
                            ? "Measuring the plan, then applying migrations to "
                                + target.settings().databaseName()
                                + " unless a finding at or above "
                                + threshold.label()
                                + " asks for approval"
                            : "Applying migrations to " + target.settings().databaseName())
                        + " (run "
                        + run.key().value()
                        + ")");
            List<String> ignored = MigrationScripts.ignored(request.scripts());
            if (!ignored.isEmpty()) {
              pass.events()
                  .warning(
                      resource,
                      "ScriptsIgnored",
                      "Ignored, not named V<version>__<description>.sql or R__<description>.sql nor"
                          + " a callback Pitstop runs: "
                          + String.join(", ", ignored));
            }
          }
        },
        sessions);
  }

  /**
   * Whether {@code migrate} would change nothing: the history exists (no baseline to write), no
   * migration is pending and nothing stops or is repaired.
   */
  private static boolean nothingToApply(MigrationInfo info) {
    return info.historyTableExists() && info.pending().isEmpty() && info.issues().isEmpty();
  }

  /** A job of an earlier request (the spec or sources changed meanwhile) is dropped unpublished. */
  @Override
  public boolean publish(
      OperationPass<DatabaseMigration, Run> pass,
      BackgroundWork.Job<Progress, Outcome> job,
      Run run) {
    if (run == null || !job.runKey().equals(run.key().value())) {
      return false;
    }
    DatabaseMigration resource = pass.resource();
    DatabaseMigrationStatus status = resource.getStatus();
    long generation = pass.generation();
    Instant now = pass.now();
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    Duration took = Duration.between(job.startedAt(), now);
    try {
      Outcome outcome = job.result();
      DatabaseMigrationSpec spec = resource.getSpec();
      boolean onRisk = MigrationRequests.onRisk(spec);
      Severity threshold = MigrationRequests.threshold(spec);
      if (outcome.notMeasured() != null) {
        pass.events().warning(resource, "PlanNotMeasured", outcome.notMeasured());
      }
      if (outcome.plan() != null) {
        // Outside validateOnly a run stops at its plan only to wait for approval; one given while
        // it planned lets the next pass apply.
        boolean awaitingApproval =
            !Boolean.TRUE.equals(spec.validateOnly)
                || (MigrationRequests.asksApproval(spec, run.approved(resource))
                    && (!onRisk || MigrationPlans.risky(outcome.measured(), threshold)));
        MigrationStatuses.planned(
            status,
            outcome.plan(),
            MigrationPlans.of(
                outcome.plan(),
                run.request().scripts(),
                run.key().runDigest(),
                outcome.measured(),
                outcome.notMeasured()),
            awaitingApproval,
            MigrationPlans.note(outcome.measured(), outcome.notMeasured(), threshold, onRisk),
            "kubectl annotate dbm "
                + name
                + " -n "
                + namespace
                + " "
                + Pitstop.APPROVE
                + "="
                + run.key().runDigest()
                + " --overwrite",
            generation,
            now);
        pass.events()
            .normal(resource, awaitingApproval ? "WaitingForApproval" : "Planned", status.message);
        if (awaitingApproval) {
          String given = MigrationRequests.annotation(resource, Pitstop.APPROVE);
          if (given != null && !given.equals(run.key().runDigest())) {
            // An approval of earlier content (the scripts or settings changed since) is not this
            // plan's: say so, or the resource seems approved and waits without a word.
            pass.events()
                .warning(
                    resource,
                    "ApprovalOutdated",
                    "The approval "
                        + Pitstop.APPROVE
                        + "="
                        + given
                        + " is for other content than the plan waiting now ("
                        + run.key().runDigest()
                        + "): the scripts or the settings changed since; review the plan and"
                        + " approve that digest.");
          }
          notify(pass, RunNotify.Result.ApprovalNeeded);
        }
      } else {
        String planNote =
            outcome.measured() == null
                ? null
                : MigrationPlans.note(outcome.measured(), null, threshold, onRisk);
        java.util.Optional<String> aboveTarget =
            run.request().aboveTarget(outcome.result().currentVersion());
        MigrationStatuses.succeeded(
            status,
            outcome.result(),
            aboveTarget.map(w -> planNote == null ? w : planNote + "; " + w).orElse(planNote),
            generation,
            now);
        aboveTarget.ifPresent(
            w ->
                pass.events()
                    .warning(
                        resource,
                        "AboveTargetVersion",
                        Character.toUpperCase(w.charAt(0)) + w.substring(1) + "."));
        outcome
            .result()
            .applied()
            .forEach(
                m ->
                    pass.metrics()
                        .migrationApplied(namespace, name, Duration.ofMillis(m.executionTimeMs())));
        pass.metrics().runFinished(KIND, namespace, name, "Succeeded", took);
        pass.events().normal(resource, "MigrationSucceeded", status.message);
        notify(pass, RunNotify.Result.Success);
      }
    } catch (MigrationException e) {
      if (e.isTransient() && pass.cancelled().isEmpty()) {
        if (e.code() == ErrorCode.DATABASE_ERROR) {
          unreachable(pass, e);
        } else {
          retryLater(pass, e.getMessage(), e.code().name());
        }
        return false;
      }
      MigrationStatuses.failed(status, e, generation, now);
      pass.cancelled().ifPresent(why -> RunStatuses.cancelled(status, why, generation, now));
      pass.metrics().runFinished(KIND, namespace, name, "Failed", took);
      pass.events()
          .warning(
              resource,
              pass.cancelled().isPresent() ? "MigrationCancelled" : "MigrationFailed",
              status.message);
      notify(
          pass,
          pass.cancelled().isPresent() ? RunNotify.Result.Cancelled : RunNotify.Result.Failure);
    } catch (Exception e) {
      if (pass.cancelled().isPresent()) {
        status.phase = MigrationPhase.Failed;
        status.message = String.valueOf(e.getMessage());
        RunStatuses.cancelled(status, pass.cancelled().get(), generation, now);
        pass.events().warning(resource, "MigrationCancelled", status.message);
        notify(pass, RunNotify.Result.Cancelled);
      } else {
        // Pool or driver errors outside the engine (e.g. no connection available) are transient.
        unreachable(pass, e);
      }
    }
    return false;
  }

  /** The Secret of {@code spec.planDatabase}, if set: watched as the database's Secret is. */
  private static List<String> planSecret(DatabaseMigration resource) {
    DatabaseRef ref = resource.getSpec() == null ? null : resource.getSpec().planDatabase;
    return ref == null || ref.secretRef == null || ref.secretRef.name == null
        ? List.of()
        : List.of(ref.secretRef.name);
  }

  /** Where a measured plan creates its scratch database: spec.planDatabase, else the target. */
  private ConnectionSettings planServer(
      OperationPass<DatabaseMigration, Run> pass, DatabaseTargets.Target target)
      throws SpecException {
    DatabaseMigration resource = pass.resource();
    DatabaseRef ref = resource.getSpec().planDatabase;
    if (ref == null) {
      return target.settings();
    }
    return DatabaseTargets.settings(
        resource, ref, "spec.planDatabase", n -> references.secret(pass.context(), n));
  }

  private void notify(OperationPass<DatabaseMigration, Run> pass, RunNotify.Result result) {
    DatabaseMigration resource = pass.resource();
    pass.notify(
        resource.getSpec().notify,
        result,
        resource.getStatus().message,
        n -> references.secret(pass.context(), n));
  }

  /** The database could not be reached: its own reason, and a retry fitting it. */
  private static void unreachable(OperationPass<DatabaseMigration, Run> pass, Exception failure) {
    Reachability why = pass.reachability(failure);
    Duration delay = pass.retryLater(why);
    MigrationStatuses.retrying(
        pass.resource().getStatus(), why, delay, pass.generation(), pass.now());
  }

  private static void retryLater(
      OperationPass<DatabaseMigration, Run> pass, String reason, String code) {
    Duration delay = pass.retryLater();
    MigrationStatuses.retrying(
        pass.resource().getStatus(), reason, code, delay, pass.generation(), pass.now());
  }

  @Override
  public void refused(OperationPass<DatabaseMigration, Run> pass, SpecException e) {
    MigrationStatuses.refused(pass.resource().getStatus(), e, pass.generation(), pass.now());
  }

  private static MigrationListener listener(Consumer<Progress> sink) {
    return new MigrationListener() {
      @Override
      public void onLockWait(LockWait wait) {
        sink.accept(new Progress(null, wait));
      }

      @Override
      public void onProgress(MigrationProgress progress) {
        sink.accept(new Progress(progress, null));
      }

      @Override
      public void onRecovered(RecoveredStatement recovered) {
        LOG.info(
            "{}: statement {} (line {}): {}",
            recovered.script(),
            recovered.statement(),
            recovered.line(),
            recovered.note());
      }
    };
  }

  /** One run request: the spec validated, the scripts gathered, and what identifies the run. */
  record Run(RunKey key, MigrationRequest request, String earlierRunDigest) {
    static Run of(
        DatabaseMigration resource, java.util.function.Function<String, Optional<ConfigMap>> maps)
        throws SpecException {
      MigrationRequests prepared = MigrationRequests.prepare(resource, maps);
      String runRequest = MigrationRequests.annotation(resource, Pitstop.RUN_REQUESTED_AT);
      return new Run(
          new RunKey(
              prepared.runDigest(),
              runRequest,
              resource.getSpec().runRequestId,
              prepared.sourceDigest()),
          prepared.request(),
          prepared.earlierRunDigest());
    }

    /**
     * Whether what a run does changed, or a run was requested. A status an earlier operator version
     * wrote has no run digest: its generation decides once, then the digest is recorded; one that
     * recorded the digest earlier versions took of the same spec has seen this one.
     */
    boolean isNewRequest(DatabaseMigrationStatus status, long generation) {
      if (earlierRunDigest.equals(status.observedRunDigest)) {
        // the earlier digest held spec.runRequestId: the one in the spec now was served
        status.observedRunDigest = key.runDigest();
        status.observedRunRequestId = key.runRequestId();
      }
      if (status.observedRunDigest == null
          && Objects.equals(status.observedGeneration, generation)
          && MigrationStatuses.isSettled(status.phase)) {
        status.observedRunDigest = key.runDigest();
        status.observedRunRequestId = key.runRequestId();
      }
      // A run request taken out (a GitOps cleanup of a served one) is no new request.
      return !Objects.equals(status.observedRunDigest, key.runDigest())
          || RunStatuses.isNewRequest(key.runRequest(), status.observedRunRequest)
          || RunStatuses.isNewRequest(key.runRequestId(), status.observedRunRequestId);
    }

    /** Approved for this content (by its digest, or the one earlier versions showed for it). */
    boolean approved(DatabaseMigration resource) {
      return MigrationRequests.approved(resource, key.runDigest())
          || MigrationRequests.approved(resource, earlierRunDigest);
    }

    Gate gate(DatabaseMigration resource) {
      return MigrationRequests.gate(resource.getSpec(), approved(resource));
    }
  }

  /** Identifies a run: what it does, the run request annotation, and the sources' digest. */
  record RunKey(String runDigest, String runRequest, String runRequestId, String sourceDigest) {
    String value() {
      return runDigest
          + "/"
          + (runRequest == null ? "" : runRequest)
          + (runRequestId == null ? "" : "/" + runRequestId);
    }
  }
}
