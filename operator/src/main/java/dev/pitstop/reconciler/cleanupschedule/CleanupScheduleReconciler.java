package dev.pitstop.reconciler.cleanupschedule;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.cleanup.CleanupEngine;
import dev.pitstop.cleanup.CleanupException;
import dev.pitstop.cleanup.DeletionRule;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.Operation;
import dev.pitstop.reconciler.Operation.Due;
import dev.pitstop.reconciler.Operation.Launch;
import dev.pitstop.reconciler.OperationPass;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.OperationRuns;
import dev.pitstop.reconciler.cleanupschedule.CleanupScheduleReconciler.RunTicket;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupJob;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupNotices;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRequests;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRuns;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupStatuses;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupTriggers;
import dev.pitstop.reconciler.cleanupschedule.model.UnmarkedRuns;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.ScheduleStart;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reconciles a CleanupSchedule: decides what is due ({@link CleanupTriggers}), waits for the
 * maintenance window, runs the cleanup engine on a worker (then notifies the webhook there), and
 * publishes progress, results, history, Events and metrics. Runs go through the lifecycle of {@link
 * OperationRuns}; this class says what a cleanup run is and how its status reads. No SQL here.
 */
@ControllerConfiguration(name = "cleanupschedule", generationAwareEventProcessing = false)
public final class CleanupScheduleReconciler
    implements Reconciler<CleanupSchedule>,
        Operation<
            CleanupSchedule, CleanupRequests, RunTicket, CleanupJob.Progress, CleanupJob.Outcome> {
  static final String KIND = "CleanupSchedule";
  private static final Duration AT_MOST = Duration.ofHours(1);

  /** How long a run in status must go unmarked on the database before it counts as stopped. */
  static final Duration MARK_GRACE = Duration.ofSeconds(3);

  /**
   * The same for a run whose progress shows no work yet: its job may still be starting in the other
   * operator (a login on a new pool, a busy machine).
   */
  static final Duration START_GRACE = Duration.ofSeconds(15);

  private final WebhookNotifier notifier;
  private final UnmarkedRuns unmarked = new UnmarkedRuns(MARK_GRACE, START_GRACE, System::nanoTime);
  private final OperationReferences<CleanupSchedule> references =
      new OperationReferences<>(
          r -> r.getSpec().database,
          CleanupScheduleReconciler::webhookSecret,
          null,
          r -> r.getSpec().maintenanceWindowRef);
  private final OperationRuns<
          CleanupSchedule, CleanupRequests, RunTicket, CleanupJob.Progress, CleanupJob.Outcome>
      runs;

  @Override
  public OperationRuns<
          CleanupSchedule, CleanupRequests, RunTicket, CleanupJob.Progress, CleanupJob.Outcome>
      runs() {
    return runs;
  }

  /**
   * What a run's start recorded in status, applied again while its job is known ({@link
   * CleanupStatuses#observe}): status patches can be lost (a conflict, a stale cache), and a lost
   * one must not start the same run again or drop its result.
   */
  record RunTicket(
      CleanupTriggers.Trigger trigger, Instant fire, String runRequest, String runRequestId) {}

  /** A failed run is not retried: the next fire time runs the rules again. */
  public CleanupScheduleReconciler(OperationRuns.Services services, WebhookNotifier notifier) {
    this.notifier = notifier;
    this.runs = new OperationRuns<>(KIND, CleanupScheduleStatus::new, this, references, services);
  }

  @Override
  public CleanupRequests prepare(OperationPass<CleanupSchedule, RunTicket> pass)
      throws SpecException {
    CleanupScheduleStatus status = pass.resource().getStatus();
    RunTicket ticket = pass.ticket();
    if (ticket != null) {
      CleanupStatuses.observe(
          status, ticket.trigger(), ticket.fire(), ticket.runRequest(), ticket.runRequestId());
    }
    if (status.observedGeneration == null || status.observedSpecDigest != null) {
      CleanupScheduleSpec spec = pass.resource().getSpec();
      CleanupStatuses.firstSeen(
          status,
          annotation(pass.resource(), Pitstop.RUN_REQUESTED_AT),
          spec == null ? null : spec.runRequestId);
    }
    CleanupRequests config = CleanupRequests.prepare(pass.resource());
    pass.metrics()
        .cleanupRules(
            pass.resource().getMetadata().getNamespace(),
            pass.resource().getMetadata().getName(),
            config.request().rules().stream().map(DeletionRule::name).toList());
    pass.events()
        .warningOnChange(
            pass.resource(),
            "DeprecatedField",
            CleanupNotices.deprecation(pass.resource().getSpec().notify));
    status.observedGeneration = pass.generation();
    return config;
  }

  /** Also records fire times that pass while the run goes on as Skipped or Missed. */
  @Override
  public Duration observe(
      OperationPass<CleanupSchedule, RunTicket> pass,
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job) {
    CleanupSchedule resource = pass.resource();
    CleanupScheduleStatus status = resource.getStatus();
    Instant now = pass.now();
    CleanupRun progress = job.progress().map(CleanupJob.Progress::run).orElse(null);
    CleanupRequests config;
    try {
      config = prepare(pass);
    } catch (SpecException e) {
      CleanupStatuses.running(status, progress, pass.generation(), now);
      return OperationRuns.WHILE_RUNNING;
    }
    CleanupTriggers due = due(pass, config);
    CleanupStatuses.running(status, progress, pass.generation(), now);
    if (due.fire() != null) {
      CleanupStatuses.skipped(status, due.fire(), config.historyLimit());
      pass.events()
          .normal(
              resource,
              "RunSkipped",
              "Skipped the run due at "
                  + CleanupRuns.time(due.fire())
                  + ": the previous run is still going");
    }
    recordPassedFireTimes(pass, config, due);
    status.nextRunTime = due.next() == null ? null : CleanupRuns.time(due.next());
    return min(OperationRuns.WHILE_RUNNING, untilNext(due, now));
  }

  @Override
  public Due<RunTicket> decide(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupRequests config) {
    CleanupSchedule resource = pass.resource();
    CleanupScheduleStatus status = resource.getStatus();
    Instant now = pass.now();
    CleanupTriggers due = due(pass, config);
    if (status.phase == CleanupPhase.Running) {
      Duration goingElsewhere = runningElsewhere(pass, config);
      if (goingElsewhere != null) {
        return Due.nothing(goingElsewhere);
      }
      // Running without a job here or a run marked on the database: the operator stopped during
      // the run.
      CleanupStatuses.interrupted(status, config.historyLimit(), pass.generation(), now);
      pass.events().warning(resource, "RunInterrupted", status.message);
    } else {
      unmarked.forget(resource.getMetadata().getUid());
    }
    recordPassedFireTimes(pass, config, due);
    if (due.trigger() == null) {
      CleanupStatuses.idle(status, due.next(), config.suspended(), pass.generation(), now);
      return Due.nothing(untilNext(due, now));
    }
    status.nextRunTime = due.next() == null ? null : CleanupRuns.time(due.next());
    RunTicket run =
        new RunTicket(
            due.trigger(),
            due.fire(),
            annotation(resource, Pitstop.RUN_REQUESTED_AT),
            config.runRequestId());
    return Due.run(
        run, due.trigger().display() + "/" + now, true, within -> min(within, untilNext(due, now)));
  }

  /**
   * Status says Running but this operator runs nothing for the resource: another operator may be
   * running it (two replicas without leader election), or the operator that ran it stopped. A run's
   * session marks it on the database while it goes ({@link CleanupEngine#runGoing}); the run counts
   * as stopped only when no mark has been seen for {@link #MARK_GRACE} while its progress stayed as
   * it was ({@link UnmarkedRuns}), or for {@link #START_GRACE} while its progress shows no work
   * yet, which covers the moment between an operator writing Running and its run's session taking
   * the mark, and the moment between the run's end and its operator writing the result.
   *
   * @return when to look again while the run may still be going; null once it has stopped
   */
  private Duration runningElsewhere(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupRequests config) {
    CleanupSchedule resource = pass.resource();
    String uid = resource.getMetadata().getUid();
    CleanupRun progress = resource.getStatus().progress;
    boolean marked;
    try {
      marked = new CleanupEngine(pass.target().dataSource()).runGoing(config.request().lockScope());
    } catch (SpecException | CleanupException e) {
      marked = false; // cannot tell: the grace decides
    }
    if (marked) {
      unmarked.forget(uid);
      return MARK_GRACE;
    }
    boolean workShown =
        progress != null
            && ((progress.rowsDeleted != null && progress.rowsDeleted > 0)
                || (progress.rules != null && !progress.rules.isEmpty()));
    return unmarked.noMark(uid, progress == null ? "" : Serialization.asJson(progress), workShown);
  }

  @Override
  public void waitingForWindow(OperationPass<CleanupSchedule, RunTicket> pass, String waitingFor) {
    CleanupStatuses.waitingForWindow(
        pass.resource().getStatus(), waitingFor, pass.generation(), pass.now());
  }

  /**
   * A database Secret that is missing or incomplete starts nothing: the run stays due (a request
   * stays pending, a fire time until startingDeadline) and starts when the Secret is there.
   */
  @Override
  public Launch<CleanupJob.Progress, CleanupJob.Outcome> launch(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupRequests config, RunTicket run)
      throws SpecException {
    CleanupSchedule resource = pass.resource();
    CleanupScheduleSpec spec = resource.getSpec();
    Instant now = pass.now();
    DatabaseTargets.Target target = pass.target();
    WorkSessions sessions = new WorkSessions(target.dataSource());
    CleanupJob job =
        new CleanupJob(
                sessions,
                config.request(),
                run.trigger().display(),
                run.fire(),
                now,
                pass.clock(),
                spec.notify,
                CleanupJob.webhook(spec.notify, n -> references.secret(pass.context(), n)),
                notifier,
                resource.getMetadata().getNamespace(),
                resource.getMetadata().getName())
            .explainingUnreachable(pass::reachability);
    String database = target.settings().describe();
    boolean dryRun = config.request().dryRun();
    return new Launch<>(
        job::execute,
        () -> {
          CleanupStatuses.started(
              resource.getStatus(),
              run.trigger(),
              run.fire(),
              run.runRequestId(),
              run.runRequest(),
              dryRun,
              database,
              pass.generation(),
              now);
          pass.events()
              .normal(
                  resource,
                  dryRun ? "DryRunStarted" : "CleanupStarted",
                  (dryRun ? "Counting" : "Deleting")
                      + " rows of "
                      + config.request().rules().size()
                      + " rule(s) ("
                      + run.trigger().display()
                      + (run.fire() == null ? "" : " " + CleanupRuns.time(run.fire()))
                      + ")");
        },
        sessions);
  }

  /**
   * Publishes a finished job's result: status (again, if an earlier patch was lost), and once only
   * its Events, metrics and notification condition.
   *
   * @return false once status shows the result; the job is then forgotten
   */
  @Override
  public boolean publish(
      OperationPass<CleanupSchedule, RunTicket> pass,
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job,
      CleanupRequests config) {
    CleanupSchedule resource = pass.resource();
    CleanupScheduleStatus status = resource.getStatus();
    Instant now = pass.now();
    CleanupJob.Outcome outcome = outcome(job);
    CleanupRun run = outcome.run();
    if (pass.cancelled().isPresent() && !String.valueOf(run.message).startsWith("cancelled by ")) {
      // What the run did before it stopped (batches committed are kept) follows.
      run.message = "cancelled by " + pass.cancelled().get() + ": " + run.message;
    }
    if (CleanupStatuses.sameRun(status.lastRun, run)
        && Objects.equals(status.lastRun.completionTime, run.completionTime)) {
      return false;
    }
    long generation = pass.generation();
    int historyLimit = config == null ? 10 : config.historyLimit();
    CleanupStatuses.finished(
        status, run, outcome.reachable(), outcome.failureReason(), historyLimit, generation, now);
    CleanupStatuses.notification(status, outcome.delivery(), generation, now);
    if (pass.firstPublication()) {
      announce(pass, outcome);
      pass.cancelled()
          .ifPresent(why -> pass.events().warning(resource, "CleanupCancelled", run.message));
    }
    if (config != null) {
      // Nothing new starts before the result is visible in status.
      CleanupTriggers due = due(pass, config);
      CleanupStatuses.idle(status, due.next(), config.suspended(), generation, now);
    }
    return true;
  }

  @Override
  public void refused(OperationPass<CleanupSchedule, RunTicket> pass, SpecException e) {
    CleanupStatuses.refused(pass.resource().getStatus(), e, pass.generation(), pass.now());
  }

  private static CleanupTriggers due(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupRequests config) {
    CleanupSchedule resource = pass.resource();
    String created = resource.getMetadata().getCreationTimestamp();
    // a CleanupSchedule always has its schedule: one is never added
    ScheduleStart.observe(
        resource.getStatus(), config.schedule(), config.suspended(), false, pass.now());
    return CleanupTriggers.decide(
        config,
        resource.getStatus(),
        annotation(resource, Pitstop.RUN_REQUESTED_AT),
        created == null ? pass.now() : Instant.parse(created),
        pass.now());
  }

  private static CleanupJob.Outcome outcome(
      BackgroundWork.Job<CleanupJob.Progress, CleanupJob.Outcome> job) {
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
  private static void announce(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupJob.Outcome outcome) {
    CleanupSchedule resource = pass.resource();
    Instant now = pass.now();
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    CleanupRun run = outcome.run();
    Duration took = run.durationMs == null ? Duration.ZERO : Duration.ofMillis(run.durationMs);
    pass.metrics().runFinished(KIND, namespace, name, run.result.name(), took);
    boolean dryRun = Boolean.TRUE.equals(run.dryRun);
    if (!dryRun) {
      run.rules.forEach(
          r ->
              pass.metrics()
                  .cleanupRowsDeleted(namespace, name, r.name, r.deleted == null ? 0 : r.deleted));
      if (run.result != RunResult.Failed) {
        pass.metrics().cleanupSucceeded(namespace, name, now);
      }
    }
    String reason =
        switch (run.result) {
          case Succeeded -> dryRun ? "DryRunSucceeded" : "CleanupSucceeded";
          case Incomplete -> "CleanupIncomplete";
          default -> dryRun ? "DryRunFailed" : "CleanupFailed";
        };
    if (run.result == RunResult.Failed) {
      pass.events().warning(resource, reason, run.message);
    } else {
      pass.events().normal(resource, reason, run.message);
    }
    if (outcome.delivery() != null && !outcome.delivery().delivered()) {
      pass.events()
          .warning(
              resource, "NotificationFailed", "Could not notify: " + outcome.delivery().error());
    }
  }

  /** Missed fire times go to history; fire times passing while suspended are only marked. */
  private static void recordPassedFireTimes(
      OperationPass<CleanupSchedule, RunTicket> pass, CleanupRequests config, CleanupTriggers due) {
    CleanupSchedule resource = pass.resource();
    CleanupScheduleStatus status = resource.getStatus();
    if (due.missed() != null && !due.missed().equals(due.fire())) {
      CleanupStatuses.missed(
          status, due.missed(), config.startingDeadline(), config.historyLimit());
      pass.events()
          .warning(
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

  private static Duration untilNext(CleanupTriggers due, Instant now) {
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
