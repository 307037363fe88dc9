package dev.pitstop.reconciler.cleanupschedule;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.StatusPatch;
import dev.pitstop.reconciler.WindowGate;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupJob;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRequests;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRuns;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupStatuses;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupTrigger;
import dev.pitstop.reconciler.cleanupschedule.model.RunDecision;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
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

/**
 * Reconciles a CleanupSchedule: decides what is due ({@link RunDecision}), waits for the
 * maintenance window, runs the cleanup engine on a worker (then notifies the webhook there), and
 * publishes progress, results, history, Events and metrics. No SQL here.
 */
@ControllerConfiguration(name = "cleanupschedule", generationAwareEventProcessing = false)
public final class CleanupScheduleReconciler implements Reconciler<CleanupSchedule> {
  static final String KIND = "CleanupSchedule";
  private static final Duration WHILE_RUNNING = Duration.ofSeconds(10);
  private static final Duration WHILE_WAITING = Duration.ofMinutes(1);
  private static final Duration AT_MOST = Duration.ofHours(1);
  private static final Duration CONFIRM = Duration.ofSeconds(1);

  private final DatabaseTargets targets;
  private final BackgroundWork work;
  private final EventRecorder events;
  private final PitstopMetrics metrics;
  private final WebhookNotifier notifier;
  private final Clock clock;
  private final Map<ResourceID, RunTicket> tickets = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<CleanupSchedule> wakeups =
      new SimpleInboundEventSource<>("cleanup-work");
  private final OperationReferences<CleanupSchedule> references =
      new OperationReferences<>(
          r -> r.getSpec().database,
          CleanupScheduleReconciler::webhookSecret,
          null,
          r -> r.getSpec().maintenanceWindowRef);

  /**
   * What a run's start recorded in status, kept until its result is visible in status: status
   * patches can be lost (a conflict, a stale cache), and a lost one must not start the same run
   * again or drop its result.
   */
  private static final class RunTicket {
    final CleanupTrigger trigger;
    final Instant fire;
    final String runRequest;
    final String specDigest;
    volatile boolean announced;

    RunTicket(CleanupTrigger trigger, Instant fire, String runRequest, String specDigest) {
      this.trigger = trigger;
      this.fire = fire;
      this.runRequest = runRequest;
      this.specDigest = specDigest;
    }
  }

  public CleanupScheduleReconciler(
      DatabaseTargets targets,
      BackgroundWork work,
      EventRecorder events,
      PitstopMetrics metrics,
      WebhookNotifier notifier,
      Clock clock) {
    this.targets = targets;
    this.work = work;
    this.events = events;
    this.metrics = metrics;
    this.notifier = notifier;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, CleanupSchedule>> prepareEventSources(
      EventSourceContext<CleanupSchedule> context) {
    return references.eventSources(context, wakeups);
  }

  @Override
  public UpdateControl<CleanupSchedule> reconcile(
      CleanupSchedule resource, Context<CleanupSchedule> context) {
    if (resource.getStatus() == null) {
      resource.setStatus(new CleanupScheduleStatus());
    }
    String before = StatusPatch.snapshot(resource);
    CleanupScheduleStatus status = resource.getStatus();
    BackgroundWork.Key key = BackgroundWork.Key.of(KIND, resource);
    long generation = resource.getMetadata().getGeneration();
    Instant now = clock.instant();
    Optional<BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome>> job = work.find(key);
    RunTicket ticket = tickets.get(key.resource());
    if (job.isPresent() && ticket != null) {
      CleanupStatuses.observe(
          status, ticket.trigger, ticket.fire, ticket.runRequest, ticket.specDigest);
    }
    boolean running = job.isPresent() && !job.get().isDone();

    CleanupRequests config;
    try {
      config = CleanupRequests.prepare(resource);
    } catch (SpecException e) {
      if (running) {
        CleanupStatuses.running(status, progress(job.get()), generation, now);
        return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(WHILE_RUNNING);
      }
      if (job.isPresent() && !published(resource, key, job.get(), 10, now)) {
        return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(CONFIRM);
      }
      events.refused(
          resource, status, e, () -> CleanupStatuses.refused(status, e, generation, now));
      return StatusPatch.ifChanged(resource, before, context);
    }
    status.observedGeneration = generation;
    if (status.observedSpecDigest == null) {
      CleanupStatuses.firstSeen(status, config.specDigest());
    }
    String runRequest = annotation(resource, Pitstop.RUN_REQUESTED_AT);
    RunDecision due = RunDecision.decide(config, status, runRequest, created(resource, now), now);

    if (running) {
      CleanupStatuses.running(status, progress(job.get()), generation, now);
      if (due.fire() != null) {
        CleanupStatuses.skipped(status, due.fire(), config.historyLimit());
        events.normal(
            resource,
            "RunSkipped",
            "Skipped the run due at "
                + CleanupRuns.time(due.fire())
                + ": the previous run is still going");
      }
      recordPassedFireTimes(resource, config, due);
      status.nextRunTime = due.next() == null ? null : CleanupRuns.time(due.next());
      return StatusPatch.ifChanged(resource, before, context)
          .rescheduleAfter(min(WHILE_RUNNING, untilNext(due, now)));
    }
    if (job.isPresent()) {
      if (!published(resource, key, job.get(), config.historyLimit(), now)) {
        // Nothing new starts before the result is visible in status.
        CleanupStatuses.idle(status, due.next(), config.suspended(), generation, now);
        return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(CONFIRM);
      }
      due = RunDecision.decide(config, status, runRequest, created(resource, now), now);
    } else if (status.phase == CleanupPhase.Running) {
      CleanupStatuses.interrupted(status, config.historyLimit(), generation, now);
      events.warning(resource, "RunInterrupted", status.message);
    }
    recordPassedFireTimes(resource, config, due);
    if (config.suspended()) {
      // Changes made while suspended take effect at the next run; they do not start one on resume.
      status.observedSpecDigest = config.specDigest();
    }

    if (due.trigger() == null) {
      CleanupStatuses.idle(status, due.next(), config.suspended(), generation, now);
      return StatusPatch.ifChanged(resource, before, context).rescheduleAfter(untilNext(due, now));
    }
    WindowGate.Decision gate = references.gate(resource, context, now);
    if (!gate.open()) {
      CleanupStatuses.waitingForWindow(status, gate.waitingFor(), generation, now);
      status.nextRunTime = due.next() == null ? null : CleanupRuns.time(due.next());
      return StatusPatch.ifChanged(resource, before, context)
          .rescheduleAfter(min(WHILE_WAITING, untilNext(due, now)));
    }
    return start(resource, context, key, config, due, runRequest, before, now);
  }

  private UpdateControl<CleanupSchedule> start(
      CleanupSchedule resource,
      Context<CleanupSchedule> context,
      BackgroundWork.Key key,
      CleanupRequests config,
      RunDecision due,
      String runRequest,
      String before,
      Instant now) {
    CleanupScheduleStatus status = resource.getStatus();
    CleanupScheduleSpec spec = resource.getSpec();
    long generation = resource.getMetadata().getGeneration();
    DatabaseTargets.Target target = null;
    String targetProblem = null;
    try {
      target = references.target(targets, resource, context);
    } catch (SpecException e) {
      targetProblem = e.getMessage();
    }
    CleanupJob job =
        new CleanupJob(
            target,
            targetProblem,
            config.request(),
            due.trigger().display(),
            due.fire(),
            now,
            clock,
            spec.notify,
            CleanupJob.webhook(spec.notify, n -> references.secret(context, n)),
            notifier,
            resource.getMetadata().getNamespace(),
            resource.getMetadata().getName());
    ResourceID id = key.resource();
    Optional<BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome>> started =
        work.start(
            key,
            due.trigger().display() + "/" + now,
            job::execute,
            () -> wakeups.propagateEvent(id));
    if (started.isEmpty()) {
      status.message = "a run is due; waiting for a free worker to start it";
      return StatusPatch.ifChanged(resource, before, context)
          .rescheduleAfter(Duration.ofSeconds(5));
    }
    tickets.put(id, new RunTicket(due.trigger(), due.fire(), runRequest, config.specDigest()));
    boolean dryRun = config.request().dryRun();
    CleanupStatuses.started(
        status,
        due.trigger(),
        due.fire(),
        config.specDigest(),
        runRequest,
        dryRun,
        target == null ? "the database" : target.settings().describe(),
        generation,
        now);
    status.nextRunTime = due.next() == null ? null : CleanupRuns.time(due.next());
    events.normal(
        resource,
        dryRun ? "DryRunStarted" : "CleanupStarted",
        (dryRun ? "Counting" : "Deleting")
            + " rows of "
            + config.request().rules().size()
            + " rule(s) ("
            + due.trigger().display()
            + (due.fire() == null ? "" : " " + CleanupRuns.time(due.fire()))
            + ")");
    return StatusPatch.ifChanged(resource, before, context)
        .rescheduleAfter(min(WHILE_RUNNING, untilNext(due, now)));
  }

  /**
   * Publishes a finished job's result: status (again, if an earlier patch was lost), and once only
   * its Events, metrics and notification condition.
   *
   * @return true once status shows the result; the job is then forgotten
   */
  private boolean published(
      CleanupSchedule resource,
      BackgroundWork.Key key,
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job,
      int historyLimit,
      Instant now) {
    CleanupScheduleStatus status = resource.getStatus();
    CleanupJob.Outcome outcome = outcome(job, now);
    CleanupRun run = outcome.run();
    if (CleanupStatuses.sameRun(status.lastRun, run)
        && Objects.equals(status.lastRun.completionTime, run.completionTime)) {
      work.forget(key);
      tickets.remove(key.resource());
      return true;
    }
    long generation = resource.getMetadata().getGeneration();
    CleanupStatuses.finished(
        status, run, outcome.reachable(), outcome.failureReason(), historyLimit, generation, now);
    CleanupStatuses.notification(status, outcome.delivery(), generation, now);
    RunTicket ticket = tickets.get(key.resource());
    if (ticket == null || !ticket.announced) {
      if (ticket != null) {
        ticket.announced = true;
      }
      announce(resource, outcome, now);
    }
    return false;
  }

  private static CleanupJob.Outcome outcome(
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job, Instant now) {
    try {
      return job.result();
    } catch (Exception e) {
      // The job catches everything it expects; this is a bug or an Error, shown as a failed run.
      CleanupRun run =
          CleanupRuns.failed(
              "the run failed unexpectedly: " + e,
              null,
              job.startedAt(),
              job.startedAt(),
              "Unknown",
              null,
              false);
      return new CleanupJob.Outcome(run, null, "InternalError", null);
    }
  }

  /** Events and metrics of a finished run. */
  private void announce(CleanupSchedule resource, CleanupJob.Outcome outcome, Instant now) {
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    CleanupRun run = outcome.run();
    Duration took = run.durationMs == null ? Duration.ZERO : Duration.ofMillis(run.durationMs);
    metrics.runFinished(KIND, namespace, name, run.result.name(), took);
    boolean dryRun = Boolean.TRUE.equals(run.dryRun);
    if (!dryRun) {
      run.rules.forEach(
          r ->
              metrics.cleanupRowsDeleted(
                  namespace, name, r.name, r.deleted == null ? 0 : r.deleted));
      if (run.result != RunResult.Failed) {
        metrics.cleanupSucceeded(namespace, name, now);
      }
    }
    String reason =
        switch (run.result) {
          case Succeeded -> dryRun ? "DryRunSucceeded" : "CleanupSucceeded";
          case Incomplete -> "CleanupIncomplete";
          default -> dryRun ? "DryRunFailed" : "CleanupFailed";
        };
    if (run.result == RunResult.Failed) {
      events.warning(resource, reason, run.message);
    } else {
      events.normal(resource, reason, run.message);
    }
    if (outcome.delivery() != null && !outcome.delivery().delivered()) {
      events.warning(
          resource, "NotificationFailed", "Could not notify: " + outcome.delivery().error());
    }
  }

  /** Missed fire times go to history; fire times passing while suspended are only marked. */
  private void recordPassedFireTimes(
      CleanupSchedule resource, CleanupRequests config, RunDecision due) {
    CleanupScheduleStatus status = resource.getStatus();
    if (due.missed() != null && !due.missed().equals(due.fire())) {
      CleanupStatuses.missed(
          status, due.missed(), config.startingDeadline(), config.historyLimit());
      events.warning(
          resource,
          "RunMissed",
          "Missed the run due at "
              + CleanupRuns.time(due.missed())
              + ": it is older than startingDeadline");
    }
    if (due.passed() != null) {
      status.lastScheduleTime = CleanupRuns.time(due.passed());
    }
  }

  private static CleanupRun progress(
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job) {
    return job.progress().map(CleanupJob.Progress::run).orElse(null);
  }

  private static Duration untilNext(RunDecision due, Instant now) {
    if (due.next() == null) {
      return AT_MOST;
    }
    // A little after the fire time, so the schedule's latest fire time is that one.
    Duration until = Duration.between(now, due.next()).plusMillis(500);
    return until.isNegative() ? Duration.ofSeconds(1) : min(until, AT_MOST);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Instant created(CleanupSchedule resource, Instant now) {
    String created = resource.getMetadata().getCreationTimestamp();
    return created == null ? now : Instant.parse(created);
  }

  private static String annotation(CleanupSchedule resource, String name) {
    Map<String, String> a = resource.getMetadata().getAnnotations();
    return a == null ? null : a.get(name);
  }

  private static List<String> webhookSecret(CleanupSchedule resource) {
    CleanupScheduleSpec.Notify notify = resource.getSpec().notify;
    return notify == null || notify.webhookSecretRef == null || notify.webhookSecretRef.name == null
        ? List.of()
        : List.of(notify.webhookSecretRef.name);
  }
}
