package dev.pitstop.reconciler.sandboxreset;

import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.StatusPatch;
import dev.pitstop.reconciler.WindowGate;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reconciler.sandboxreset.model.ResetRequests;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import dev.pitstop.reconciler.sandboxreset.model.ResetTriggers;
import dev.pitstop.reconciler.sandboxreset.model.ResetTriggers.Ticket;
import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetErrorCode;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetListener;
import dev.pitstop.reset.ResetPlan;
import dev.pitstop.reset.ResetProgress;
import dev.pitstop.reset.ResetResult;
import dev.pitstop.time.CronSchedule;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reconciles a SandboxReset: decides whether a run is due (generation, run request or schedule),
 * waits for the maintenance window, runs the reset engine on a worker thread, and publishes its
 * progress, result, history and next fire time in status. No SQL here.
 */
@ControllerConfiguration(name = "sandboxreset", generationAwareEventProcessing = false)
public final class SandboxResetReconciler implements Reconciler<SandboxReset> {
  static final String KIND = "SandboxReset";

  /**
   * A running reset's progress and end come by BackgroundWork's wake-ups; this only looks again in
   * case one was lost, as the other kinds do.
   */
  private static final Duration WHILE_RUNNING = Duration.ofSeconds(15);

  private static final Duration WHILE_WAITING = Duration.ofMinutes(1);
  private static final Duration LONGEST_SLEEP = Duration.ofHours(1);
  private static final Duration UNTIL_CONFIRMED = Duration.ofSeconds(1);

  private final DatabaseTargets targets;
  private final BackgroundWork work;
  private final EventRecorder events;
  private final PitstopMetrics metrics;
  private final ExponentialBackoff backoff;
  private final Clock clock;
  private final Map<ResourceID, Retry> retries = new ConcurrentHashMap<>();
  private final Map<ResourceID, Ticket> tickets = new ConcurrentHashMap<>();
  private final Set<BackgroundWork.Job<?, ?>> announced = ConcurrentHashMap.newKeySet();
  private final SimpleInboundEventSource<SandboxReset> wakeups =
      new SimpleInboundEventSource<>("reset-work");
  private final OperationReferences<SandboxReset> references =
      OperationReferences.withScripts(
          r -> r.getSpec().database, r -> r.getSpec().seed, r -> r.getSpec().maintenanceWindowRef);

  private record Retry(String runKey, int failures, Instant notBefore) {}

  /** What a job reports while it runs: the latest step. */
  record Progress(ResetProgress step) {}

  /** What a job returns: a plan (dry run) or the result of a reset. */
  record Outcome(ResetPlan plan, ResetResult result) {}

  public SandboxResetReconciler(
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
  public List<EventSource<?, SandboxReset>> prepareEventSources(
      EventSourceContext<SandboxReset> context) {
    return references.eventSources(context, wakeups);
  }

  @Override
  public UpdateControl<SandboxReset> reconcile(
      SandboxReset resource, Context<SandboxReset> context) {
    if (resource.getStatus() == null) {
      resource.setStatus(new SandboxResetStatus());
    }
    String before = StatusPatch.snapshot(resource);
    SandboxResetStatus status = resource.getStatus();
    ResourceID id = ResourceID.fromResource(resource);
    BackgroundWork.Key key = BackgroundWork.Key.of(KIND, resource);
    long generation = resource.getMetadata().getGeneration();
    Instant now = clock.instant();

    Optional<BackgroundWork.Job<Progress, Outcome>> job = work.find(key);
    Ticket ticket = tickets.get(id);
    if (job.isPresent() && !job.get().isDone()) {
      return running(resource, context, before, job.get(), ticket, now);
    }
    if (job.isPresent()) {
      BackgroundWork.Job<Progress, Outcome> done = job.get();
      if (ticket != null && !ResetStatuses.shows(status, done.startedAt())) {
        // Keep the job until a reconcile sees its result in status: if the status patch fails
        // (say, a conflict), the next attempt publishes it again instead of losing the run or,
        // worse, starting it again.
        boolean first = announced.add(done);
        if (finished(resource, done, ticket, now, first)) {
          return reschedule(resource, context, before, null, UNTIL_CONFIRMED, now);
        }
      }
      work.forget(key);
      tickets.remove(id);
      announced.remove(done);
    }

    ResetRequests specs;
    try {
      specs = ResetRequests.prepare(resource, name -> references.configMap(context, name));
    } catch (SpecException e) {
      return refuse(resource, context, before, e, generation, now);
    }
    ResetTriggers.Resource trigger = trigger(resource, specs.schedule(), specs.startingDeadline());
    ResetTriggers.adopt(trigger, status);

    ResetTriggers.Decision decision = ResetTriggers.decide(trigger, status, now);
    if (decision.missed() != null) {
      missed(resource, decision.missed(), now);
    }
    if (decision.newRequest()) {
      ResetStatuses.newRequest(status, decision.run());
    }
    Ticket run = decision.run();
    if (run == null) {
      if (specs.schedule() != null) {
        ResetStatuses.idle(status, decision.next(), trigger.suspended(), generation, now);
      }
      return reschedule(resource, context, before, decision.next(), null, now);
    }
    if (specs.schedule() != null) {
      status.nextRunTime = decision.next() == null ? null : ResetStatuses.time(decision.next());
    }

    Retry retry = retries.get(id);
    if (retry != null && !retry.runKey().equals(run.key())) {
      retries.remove(id);
      retry = null;
    }
    if (retry != null && retry.notBefore().isAfter(now)) {
      return reschedule(
          resource,
          context,
          before,
          decision.next(),
          Duration.between(now, retry.notBefore()),
          now);
    }

    if (!run.dryRun()) {
      WindowGate.Decision gate = references.gate(resource, context, now);
      if (!gate.open()) {
        ResetStatuses.waitingForWindow(status, gate.waitingFor(), generation, now);
        return reschedule(resource, context, before, decision.next(), WHILE_WAITING, now);
      }
    }

    DatabaseTargets.Target target;
    try {
      target = references.target(targets, resource, context);
    } catch (SpecException e) {
      return refuse(resource, context, before, e, generation, now);
    }
    Optional<BackgroundWork.Job<Progress, Outcome>> started =
        work.start(
            key,
            run.key(),
            (Consumer<Progress> sink) -> {
              ResetEngine engine = new ResetEngine(target.dataSource());
              if (run.dryRun()) {
                return new Outcome(engine.plan(specs.request()), null);
              }
              return new Outcome(null, engine.reset(specs.request(), listener(sink)));
            },
            () -> wakeups.propagateEvent(id));
    if (started.isEmpty()) {
      status.message = "waiting for a free worker to start";
      return reschedule(resource, context, before, decision.next(), Duration.ofSeconds(5), now);
    }
    tickets.put(id, run);
    ResetStatuses.started(status, run.dryRun(), target.settings().describe(), generation, now);
    if (!run.dryRun()) {
      events.normal(
          resource,
          "ResetStarted",
          "Resetting database "
              + target.settings().databaseName()
              + " ("
              + describe(run)
              + ", strategy "
              + specs.request().strategy().name().toLowerCase(java.util.Locale.ROOT)
              + ")");
    }
    return reschedule(resource, context, before, decision.next(), WHILE_RUNNING, now);
  }

  private UpdateControl<SandboxReset> running(
      SandboxReset resource,
      Context<SandboxReset> context,
      String before,
      BackgroundWork.Job<Progress, Outcome> job,
      Ticket ticket,
      Instant now) {
    SandboxResetStatus status = resource.getStatus();
    long generation = resource.getMetadata().getGeneration();
    Progress progress = job.progress().orElse(null);
    if (progress != null) {
      ResetStatuses.running(status, progress.step(), generation, now);
    }
    Instant next = null;
    try {
      SandboxResetSpec spec = resource.getSpec();
      ResetTriggers.Resource trigger =
          trigger(resource, ResetRequests.schedule(spec), ResetRequests.startingDeadline(spec));
      next = ResetTriggers.next(trigger, now);
      status.nextRunTime = next == null ? null : ResetStatuses.time(next);
      Instant skipped = ticket == null ? null : ResetTriggers.skipped(trigger, status, ticket, now);
      if (skipped != null) {
        String why =
            "skipped: the run started at "
                + ResetStatuses.time(job.startedAt())
                + " was still going";
        ResetStatuses.notRun(status, skipped, RunResult.Skipped, why);
        metrics.resetNotRun(
            resource.getMetadata().getNamespace(), resource.getMetadata().getName(), "Skipped");
        events.warning(
            resource, "ScheduleSkipped", "Fire time " + ResetStatuses.time(skipped) + " " + why);
      }
    } catch (IllegalArgumentException e) {
      // the spec changed while the run goes on; it is refused once the run has finished
    }
    return reschedule(resource, context, before, next, WHILE_RUNNING, now);
  }

  /**
   * Publishes a finished job in status.
   *
   * @param first whether this is the first time (metrics and Events are recorded once)
   * @return true when the result went into {@code status.lastRun} and must be seen before the job
   *     is forgotten; false for dry runs and retries
   */
  private boolean finished(
      SandboxReset resource,
      BackgroundWork.Job<Progress, Outcome> job,
      Ticket ticket,
      Instant now,
      boolean first) {
    SandboxResetStatus status = resource.getStatus();
    long generation = resource.getMetadata().getGeneration();
    ResourceID id = ResourceID.fromResource(resource);
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    Duration took = Duration.between(job.startedAt(), now);
    String scheduleTime = ticket.fireTime() == null ? null : ResetStatuses.time(ticket.fireTime());
    String schedule = resource.getSpec() == null ? null : resource.getSpec().schedule;
    boolean scheduled = schedule != null && !schedule.isBlank();
    try {
      Outcome outcome = job.result();
      retries.remove(id);
      ResetStatuses.handled(status, ticket);
      if (outcome.plan() != null) {
        ResetStatuses.planned(status, outcome.plan(), generation, now);
        events.normal(resource, "Planned", status.message);
        return false;
      }
      ResetResult result = outcome.result();
      ResetStatuses.succeeded(
          status, result, scheduled, scheduleTime, job.startedAt(), generation, now);
      if (first) {
        metrics.resetFinished(namespace, name, "Succeeded", took, result.rowsDeleted());
        metrics.runFinished(KIND, namespace, name, "Succeeded", took);
        events.normal(resource, "ResetSucceeded", status.message);
      }
      return true;
    } catch (ResetException e) {
      if (e.isTransient() && !scheduled && !ticket.dryRun()) {
        retryLater(
            resource, ticket, e.getMessage(), e.code() == ResetErrorCode.DATABASE_ERROR, now);
        return false;
      }
      retries.remove(id);
      ResetStatuses.handled(status, ticket);
      ResetStatuses.failed(status, e, scheduleTime, job.startedAt(), generation, now);
      if (first) {
        metrics.resetFinished(namespace, name, "Failed", took, 0);
        metrics.runFinished(KIND, namespace, name, "Failed", took);
        events.warning(resource, "ResetFailed", status.message);
      }
      return !ticket.dryRun();
    } catch (Exception e) {
      // Pool or driver errors outside the engine (e.g. no connection available) are transient.
      String message = "The database failed: " + e.getMessage();
      if (!scheduled && !ticket.dryRun()) {
        retryLater(resource, ticket, message, true, now);
        return false;
      }
      retries.remove(id);
      ResetStatuses.handled(status, ticket);
      ResetStatuses.failed(
          status, message, "DatabaseError", null, scheduleTime, job.startedAt(), generation, now);
      if (first) {
        metrics.runFinished(KIND, namespace, name, "Failed", took);
        events.warning(resource, "ResetFailed", status.message);
      }
      return !ticket.dryRun();
    }
  }

  private void missed(SandboxReset resource, Instant fire, Instant now) {
    SandboxResetStatus status = resource.getStatus();
    String why =
        status.phase == ResetPhase.WaitingForWindow
            ? "missed: " + status.message + " until startingDeadline passed"
            : "missed: it passed more than startingDeadline ago while no run could start (operator"
                + " down?)";
    ResetStatuses.notRun(status, fire, RunResult.Missed, why);
    metrics.resetNotRun(
        resource.getMetadata().getNamespace(), resource.getMetadata().getName(), "Missed");
    events.warning(
        resource, "ScheduleMissed", "Fire time " + ResetStatuses.time(fire) + " was " + why);
  }

  private void retryLater(
      SandboxReset resource, Ticket ticket, String reason, boolean unreachable, Instant now) {
    ResourceID id = ResourceID.fromResource(resource);
    Retry previous = retries.get(id);
    int failures =
        previous != null && previous.runKey().equals(ticket.key()) ? previous.failures() + 1 : 1;
    Duration delay = backoff.delay(failures);
    retries.put(id, new Retry(ticket.key(), failures, now.plus(delay)));
    ResetStatuses.retrying(
        resource.getStatus(),
        reason,
        unreachable,
        delay,
        resource.getMetadata().getGeneration(),
        now);
    events.warning(resource, "RetryScheduled", resource.getStatus().message);
  }

  private UpdateControl<SandboxReset> refuse(
      SandboxReset resource,
      Context<SandboxReset> context,
      String before,
      SpecException e,
      long generation,
      Instant now) {
    SandboxResetStatus status = resource.getStatus();
    events.refused(resource, status, e, () -> ResetStatuses.refused(status, e, generation, now));
    return StatusPatch.ifChanged(resource, before, context);
  }

  /** Patches status if it changed and comes back at the next fire time or after {@code within}. */
  private static UpdateControl<SandboxReset> reschedule(
      SandboxReset resource,
      Context<SandboxReset> context,
      String before,
      Instant next,
      Duration within,
      Instant now) {
    UpdateControl<SandboxReset> control = StatusPatch.ifChanged(resource, before, context);
    Duration delay = within;
    if (next != null) {
      Duration untilNext = Duration.between(now, next).plusMillis(200);
      delay = delay == null || untilNext.compareTo(delay) < 0 ? untilNext : delay;
    }
    if (delay == null) {
      return control;
    }
    if (delay.compareTo(LONGEST_SLEEP) > 0) {
      delay = LONGEST_SLEEP;
    }
    return control.rescheduleAfter(delay.isNegative() ? Duration.ofMillis(200) : delay);
  }

  private ResetTriggers.Resource trigger(
      SandboxReset resource, CronSchedule schedule, Duration startingDeadline) {
    SandboxResetSpec spec = resource.getSpec();
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    String created = resource.getMetadata().getCreationTimestamp();
    return new ResetTriggers.Resource(
        resource.getMetadata().getGeneration(),
        annotations == null ? null : annotations.get(Pitstop.RUN_REQUESTED_AT),
        spec.runRequestId,
        schedule,
        Boolean.TRUE.equals(spec.suspend),
        startingDeadline,
        created == null ? clock.instant() : Instant.parse(created),
        ResetRequests.isDryRun(resource));
  }

  private static ResetListener listener(Consumer<Progress> sink) {
    return new ResetListener() {
      @Override
      public void onProgress(ResetProgress progress) {
        sink.accept(new Progress(progress));
      }
    };
  }

  private static String describe(Ticket run) {
    return switch (run.trigger()) {
      case REQUEST ->
          run.runRequest() == null
              ? "generation " + run.generation()
              : "run request " + run.runRequest();
      case MANUAL ->
          "run request " + (run.runRequest() == null ? run.runRequestId() : run.runRequest());
      case SCHEDULE -> "scheduled for " + ResetStatuses.time(run.fireTime());
    };
  }
}
