package dev.pitstop.reconciler.databasemigration;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.migration.LockWait;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationListener;
import dev.pitstop.migration.MigrationProgress;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.StatusPatch;
import dev.pitstop.reconciler.WindowGate;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reconciles a DatabaseMigration: reads the spec and its sources, waits for approval and the
 * maintenance window, runs the migration engine on a worker thread and publishes its progress and
 * result in status. No SQL here.
 */
@ControllerConfiguration(name = "databasemigration", generationAwareEventProcessing = false)
public final class DatabaseMigrationReconciler implements Reconciler<DatabaseMigration> {
  static final String KIND = "DatabaseMigration";
  private static final Duration WHILE_RUNNING = Duration.ofSeconds(15);
  private static final Duration WHILE_WAITING = Duration.ofMinutes(1);

  private final DatabaseTargets targets;
  private final BackgroundWork work;
  private final EventRecorder events;
  private final PitstopMetrics metrics;
  private final ExponentialBackoff backoff;
  private final Clock clock;
  private final Map<ResourceID, Retry> retries = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<DatabaseMigration> wakeups =
      new SimpleInboundEventSource<>("migration-work");
  private final OperationReferences<DatabaseMigration> references =
      OperationReferences.withScripts(
          r -> r.getSpec().database,
          r -> r.getSpec().source,
          r -> r.getSpec().maintenanceWindowRef);

  private record Retry(int failures, Instant notBefore) {}

  /** What a job reports while it runs. */
  public record Progress(MigrationProgress step, LockWait lockWait) {}

  /** What a job returns: a plan, or the result of migrating. */
  public record Outcome(MigrationInfo plan, MigrateResult result) {}

  public DatabaseMigrationReconciler(
      DatabaseTargets targets,
      BackgroundWork work,
      EventRecorder events,
      PitstopMetrics metrics,
      ExponentialBackoff backoff,
      Clock clock) {
    this.targets = targets;
    this.work = work;
    this.events = events;
    this.metrics = metrics;
    this.backoff = backoff;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, DatabaseMigration>> prepareEventSources(
      EventSourceContext<DatabaseMigration> context) {
    return references.eventSources(context, wakeups);
  }

  @Override
  public UpdateControl<DatabaseMigration> reconcile(
      DatabaseMigration resource, Context<DatabaseMigration> context) {
    if (resource.getStatus() == null) {
      resource.setStatus(new DatabaseMigrationStatus());
    }
    String before = StatusPatch.snapshot(resource);
    DatabaseMigrationStatus status = resource.getStatus();
    ResourceID id = ResourceID.fromResource(resource);
    BackgroundWork.Key key = BackgroundWork.Key.of(KIND, resource);
    long generation = resource.getMetadata().getGeneration();
    Instant now = clock.instant();

    Optional<BackgroundWork.Job<Progress, Outcome>> job = work.find(key);
    if (job.isPresent() && !job.get().isDone()) {
      job.get()
          .progress()
          .ifPresent(
              p -> MigrationStatuses.running(status, p.step(), p.lockWait(), generation, now));
      return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(WHILE_RUNNING);
    }

    Run run;
    try {
      run = Run.of(resource, name -> references.configMap(context, name));
    } catch (SpecException e) {
      job.ifPresent(j -> work.forget(key));
      return refuse(resource, context, before, e, generation, now);
    }
    if (run.isNewRequest(status)) {
      MigrationStatuses.newRequest(
          status, generation, run.key().runRequest(), run.key().sourceDigest());
      retries.remove(id);
    }

    if (job.isPresent()) {
      work.forget(key);
      if (job.get().runKey().equals(run.key().value())) {
        return finished(resource, context, before, job.get(), run, now);
      }
    }
    boolean planOnly = run.planOnly(resource);
    if (MigrationStatuses.isSettled(status.phase)
        || (status.phase == MigrationPhase.WaitingForApproval && planOnly)) {
      return StatusPatch.ifChanged(resource, before, context);
    }

    Retry retry = retries.get(id);
    if (retry != null && retry.notBefore().isAfter(now)) {
      return StatusPatch.ifChanged(resource, before, context)
          .rescheduleAfter(Duration.between(now, retry.notBefore()));
    }

    if (!planOnly) {
      WindowGate.Decision gate = references.gate(resource, context, now);
      if (!gate.open()) {
        MigrationStatuses.waitingForWindow(status, gate.waitingFor(), generation, now);
        return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(WHILE_WAITING);
      }
    }

    DatabaseTargets.Target target;
    try {
      target = references.target(targets, resource, context);
    } catch (SpecException e) {
      return refuse(resource, context, before, e, generation, now);
    }
    MigrationRequest request = run.request();
    Optional<BackgroundWork.Job<Progress, Outcome>> started =
        work.start(
            key,
            run.key().value(),
            (Consumer<Progress> sink) -> {
              MigrationEngine engine = new MigrationEngine(target.dataSource());
              if (planOnly) {
                return new Outcome(engine.info(request), null);
              }
              return new Outcome(null, engine.migrate(request, listener(sink)));
            },
            () -> wakeups.propagateEvent(id));
    if (started.isEmpty()) {
      status.message = "waiting for a free worker to start";
      return StatusPatch.ifChanged(resource, before, context)
          .rescheduleAfter(Duration.ofSeconds(5));
    }
    MigrationStatuses.started(status, planOnly, target.settings().describe(), generation, now);
    if (!planOnly) {
      events.normal(
          resource,
          "MigrationStarted",
          "Applying migrations to "
              + target.settings().databaseName()
              + " (run "
              + run.key().value()
              + ")");
    }
    return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(WHILE_RUNNING);
  }

  private UpdateControl<DatabaseMigration> finished(
      DatabaseMigration resource,
      Context<DatabaseMigration> context,
      String before,
      BackgroundWork.Job<Progress, Outcome> job,
      Run run,
      Instant now) {
    DatabaseMigrationStatus status = resource.getStatus();
    long generation = resource.getMetadata().getGeneration();
    ResourceID id = ResourceID.fromResource(resource);
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    Duration took = Duration.between(job.startedAt(), now);
    try {
      Outcome outcome = job.result();
      retries.remove(id);
      if (outcome.plan() != null) {
        boolean awaitingApproval = !run.approved(resource) && resource.getSpec().requireApproval;
        MigrationStatuses.planned(
            status,
            outcome.plan(),
            awaitingApproval,
            "kubectl annotate dbm " + name + " " + Pitstop.APPROVE + "=" + generation,
            generation,
            now);
        events.normal(
            resource, awaitingApproval ? "WaitingForApproval" : "Planned", status.message);
      } else {
        MigrationStatuses.succeeded(status, outcome.result(), generation, now);
        outcome
            .result()
            .applied()
            .forEach(
                m ->
                    metrics.migrationApplied(
                        namespace, name, Duration.ofMillis(m.executionTimeMs())));
        metrics.runFinished(KIND, namespace, name, "Succeeded", took);
        events.normal(resource, "MigrationSucceeded", status.message);
      }
      return StatusPatch.ifChanged(resource, before, context);
    } catch (MigrationException e) {
      if (e.isTransient()) {
        return retryLater(resource, context, before, e.getMessage(), e.code().name(), now);
      }
      retries.remove(id);
      MigrationStatuses.failed(status, e, generation, now);
      metrics.runFinished(KIND, namespace, name, "Failed", took);
      events.warning(resource, "MigrationFailed", status.message);
      return StatusPatch.ifChanged(resource, before, context);
    } catch (Exception e) {
      // Pool or driver errors outside the engine (e.g. no connection available) are transient.
      return retryLater(
          resource, context, before, String.valueOf(e.getMessage()), "DatabaseError", now);
    }
  }

  private UpdateControl<DatabaseMigration> retryLater(
      DatabaseMigration resource,
      Context<DatabaseMigration> context,
      String before,
      String reason,
      String code,
      Instant now) {
    ResourceID id = ResourceID.fromResource(resource);
    int failures = retries.getOrDefault(id, new Retry(0, now)).failures() + 1;
    Duration delay = backoff.delay(failures);
    retries.put(id, new Retry(failures, now.plus(delay)));
    MigrationStatuses.retrying(
        resource.getStatus(), reason, code, delay, resource.getMetadata().getGeneration(), now);
    events.warning(resource, "RetryScheduled", resource.getStatus().message);
    return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(delay);
  }

  private UpdateControl<DatabaseMigration> refuse(
      DatabaseMigration resource,
      Context<DatabaseMigration> context,
      String before,
      SpecException e,
      long generation,
      Instant now) {
    DatabaseMigrationStatus status = resource.getStatus();
    events.refused(
        resource, status, e, () -> MigrationStatuses.refused(status, e, generation, now));
    return StatusPatch.ifChanged(resource, before, context);
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
    };
  }

  /** One run request: the spec validated, the scripts gathered, and what identifies the run. */
  record Run(RunKey key, MigrationRequest request) {
    static Run of(
        DatabaseMigration resource, java.util.function.Function<String, Optional<ConfigMap>> maps)
        throws SpecException {
      MigrationRequests prepared = MigrationRequests.prepare(resource, maps);
      String runRequest = MigrationRequests.annotation(resource, Pitstop.RUN_REQUESTED_AT);
      return new Run(
          new RunKey(resource.getMetadata().getGeneration(), runRequest, prepared.sourceDigest()),
          prepared.request());
    }

    boolean isNewRequest(DatabaseMigrationStatus status) {
      return !Objects.equals(status.observedGeneration, key.generation())
          || !Objects.equals(status.observedRunRequest, key.runRequest())
          || !Objects.equals(status.observedSourceDigest, key.sourceDigest());
    }

    boolean approved(DatabaseMigration resource) {
      return MigrationRequests.approved(resource);
    }

    boolean planOnly(DatabaseMigration resource) {
      return MigrationRequests.planOnly(resource.getSpec(), approved(resource));
    }
  }

  /** Identifies a run: generation, run request annotation and the sources' digest. */
  record RunKey(long generation, String runRequest, String sourceDigest) {
    String value() {
      return generation + "/" + (runRequest == null ? "" : runRequest) + "/" + sourceDigest;
    }
  }
}
