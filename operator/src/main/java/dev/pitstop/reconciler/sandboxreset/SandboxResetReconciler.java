package dev.pitstop.reconciler.sandboxreset;

import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.database.Reachability;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.Operation;
import dev.pitstop.reconciler.Operation.Due;
import dev.pitstop.reconciler.Operation.Launch;
import dev.pitstop.reconciler.OperationPass;
import dev.pitstop.reconciler.OperationReferences;
import dev.pitstop.reconciler.OperationRuns;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reconciler.sandboxreset.SandboxResetReconciler.Outcome;
import dev.pitstop.reconciler.sandboxreset.SandboxResetReconciler.Progress;
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
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reconciles a SandboxReset: decides whether a run is due (generation, run request or schedule),
 * waits for the maintenance window, runs the reset engine on a worker thread, and publishes its
 * progress, result, history and next fire time in status. Runs go through the lifecycle of {@link
 * OperationRuns}; this class says what a reset run is and how its status reads. No SQL here.
 */
@ControllerConfiguration(name = "sandboxreset", generationAwareEventProcessing = false)
public final class SandboxResetReconciler
    implements Reconciler<SandboxReset>,
        Operation<SandboxReset, ResetRequests, Ticket, Progress, Outcome> {
  static final String KIND = "SandboxReset";

  private static final Duration LONGEST_SLEEP = Duration.ofHours(1);

  private final OperationReferences<SandboxReset> references =
      OperationReferences.withScripts(
          r -> r.getSpec().database, r -> r.getSpec().seed, r -> r.getSpec().maintenanceWindowRef);
  private final OperationRuns<SandboxReset, ResetRequests, Ticket, Progress, Outcome> runs;

  @Override
  public OperationRuns<SandboxReset, ResetRequests, Ticket, Progress, Outcome> runs() {
    return runs;
  }

  /** What a job reports while it runs: the latest step. */
  record Progress(ResetProgress step) {}

  /** What a job returns: a plan (dry run) or the result of a reset. */
  record Outcome(ResetPlan plan, ResetResult result) {}

  public SandboxResetReconciler(OperationRuns.Services services) {
    this.runs = new OperationRuns<>(KIND, SandboxResetStatus::new, this, references, services);
  }

  @Override
  public ResetRequests prepare(OperationPass<SandboxReset, Ticket> pass) throws SpecException {
    return ResetRequests.prepare(
        pass.resource(), name -> references.configMap(pass.context(), name));
  }

  /** Also records a fire time that passes while the run goes on as Skipped. */
  @Override
  public Duration observe(
      OperationPass<SandboxReset, Ticket> pass, BackgroundWork.Job<Progress, Outcome> job) {
    SandboxReset resource = pass.resource();
    SandboxResetStatus status = resource.getStatus();
    Instant now = pass.now();
    job.progress().ifPresent(p -> ResetStatuses.running(status, p.step(), pass.generation(), now));
    Instant next = null;
    try {
      SandboxResetSpec spec = resource.getSpec();
      ResetTriggers.Resource trigger =
          trigger(pass, ResetRequests.schedule(spec), ResetRequests.startingDeadline(spec), null);
      next = ResetTriggers.next(trigger, now);
      status.nextRunTime = next == null ? null : ResetStatuses.time(next);
      Ticket ticket = pass.ticket();
      Instant skipped = ticket == null ? null : ResetTriggers.skipped(trigger, status, ticket, now);
      if (skipped != null) {
        String why =
            "skipped: the run started at "
                + ResetStatuses.time(job.startedAt())
                + " was still going";
        notRun(pass, skipped, RunResult.Skipped, why, " ");
      }
    } catch (IllegalArgumentException e) {
      // the spec changed while the run goes on; it is refused once the run has finished
    }
    return lookAgain(next, OperationRuns.WHILE_RUNNING, now);
  }

  @Override
  public Due<Ticket> decide(OperationPass<SandboxReset, Ticket> pass, ResetRequests specs) {
    SandboxReset resource = pass.resource();
    SandboxResetStatus status = resource.getStatus();
    Instant now = pass.now();
    ResetTriggers.Resource trigger =
        trigger(pass, specs.schedule(), specs.startingDeadline(), specs.runDigest());
    ResetTriggers.adoptDigest(status, specs.earlierRunDigest(), specs.runDigest());
    ResetTriggers.adopt(trigger, status);
    ResetTriggers.observeSchedule(trigger, status, now);

    ResetTriggers.Decision decision = ResetTriggers.decide(trigger, status, now);
    if (decision.missed() != null) {
      missed(pass, decision.missed());
    }
    if (decision.newRequest()) {
      ResetStatuses.newRequest(status, decision.run());
    }
    Ticket run = decision.run();
    Instant next = decision.next();
    if (run == null) {
      if (specs.schedule() != null) {
        ResetStatuses.idle(status, next, trigger.suspended(), pass.generation(), now);
      } else {
        // A setting changed (or nothing): seen, and applied to the next run.
        status.observedGeneration = pass.generation();
      }
      return Due.nothing(lookAgain(next, null, now));
    }
    if (specs.schedule() != null) {
      status.nextRunTime = next == null ? null : ResetStatuses.time(next);
    }
    return Due.run(run, run.key(), !run.dryRun(), within -> lookAgain(next, within, now));
  }

  @Override
  public void waitingForWindow(OperationPass<SandboxReset, Ticket> pass, String waitingFor) {
    ResetStatuses.waitingForWindow(
        pass.resource().getStatus(), waitingFor, pass.generation(), pass.now());
  }

  @Override
  public Launch<Progress, Outcome> launch(
      OperationPass<SandboxReset, Ticket> pass, ResetRequests specs, Ticket run)
      throws SpecException {
    SandboxReset resource = pass.resource();
    DatabaseTargets.Target target = pass.target();
    WorkSessions sessions = new WorkSessions(target.dataSource());
    return new Launch<>(
        sink -> {
          ResetEngine engine = new ResetEngine(sessions);
          if (run.dryRun()) {
            return new Outcome(engine.plan(specs.request()), null);
          }
          return new Outcome(null, engine.reset(specs.request(), listener(sink)));
        },
        () -> {
          ResetStatuses.started(
              resource.getStatus(),
              run.dryRun(),
              target.settings().describe(),
              pass.generation(),
              pass.now());
          if (!run.dryRun()) {
            pass.events()
                .normal(
                    resource,
                    "ResetStarted",
                    "Resetting database "
                        + target.settings().databaseName()
                        + " ("
                        + run.cause()
                        + ", strategy "
                        + specs.request().strategy().name().toLowerCase(Locale.ROOT)
                        + ")");
          }
        },
        sessions);
  }

  /**
   * Publishes a finished job in status, unless status already shows it.
   *
   * @return true when the result went into {@code status.lastRun} and must be seen before the job
   *     is forgotten; false for dry runs and retries
   */
  @Override
  public boolean publish(
      OperationPass<SandboxReset, Ticket> pass,
      BackgroundWork.Job<Progress, Outcome> job,
      ResetRequests specs) {
    SandboxReset resource = pass.resource();
    SandboxResetStatus status = resource.getStatus();
    Ticket ticket = pass.ticket();
    if (ticket == null || ResetStatuses.shows(status, job.startedAt())) {
      return false;
    }
    long generation = pass.generation();
    Instant now = pass.now();
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    Duration took = Duration.between(job.startedAt(), now);
    String scheduleTime = ticket.fireTime() == null ? null : ResetStatuses.time(ticket.fireTime());
    String schedule = resource.getSpec() == null ? null : resource.getSpec().schedule;
    boolean scheduled = schedule != null && !schedule.isBlank();
    // A cancelled run is never retried.
    boolean mayRetry = !scheduled && !ticket.dryRun() && pass.cancelled().isEmpty();
    try {
      Outcome outcome = job.result();
      ResetStatuses.handled(status, ticket);
      if (outcome.plan() != null) {
        ResetStatuses.planned(status, outcome.plan(), generation, now);
        pass.events().normal(resource, "Planned", status.message);
        return false;
      }
      ResetResult result = outcome.result();
      ResetStatuses.succeeded(
          status, result, scheduled, scheduleTime, job.startedAt(), generation, now);
      if (pass.firstPublication()) {
        pass.metrics().resetFinished(namespace, name, "Succeeded", took, result.rowsDeleted());
        pass.metrics().runFinished(KIND, namespace, name, "Succeeded", took);
        pass.events().normal(resource, "ResetSucceeded", status.message);
        String warnings = ResetStatuses.warnings(result);
        if (warnings != null) {
          pass.events().warning(resource, "ResetWarnings", warnings);
        }
        notify(pass, RunNotify.Result.Success);
      }
      return true;
    } catch (ResetException e) {
      if (e.isTransient() && mayRetry) {
        if (e.code() == ResetErrorCode.DATABASE_ERROR) {
          unreachable(pass, e);
        } else {
          retryLater(pass, e.getMessage(), false);
        }
        return false;
      }
      ResetStatuses.handled(status, ticket);
      Reachability unreached =
          e.code() == ResetErrorCode.DATABASE_ERROR && pass.cancelled().isEmpty()
              ? pass.reachability(e)
              : null;
      if (unreached != null && unreached.connectionFailed()) {
        ResetStatuses.unreachable(
            status, unreached, scheduleTime, job.startedAt(), generation, now);
      } else {
        ResetStatuses.failed(status, e, scheduleTime, job.startedAt(), generation, now);
      }
      pass.cancelled().ifPresent(why -> RunStatuses.cancelled(status, why, generation, now));
      if (pass.firstPublication()) {
        pass.metrics().resetFinished(namespace, name, "Failed", took, 0);
        pass.metrics().runFinished(KIND, namespace, name, "Failed", took);
        pass.events()
            .warning(
                resource,
                pass.cancelled().isPresent() ? "ResetCancelled" : "ResetFailed",
                status.message);
        notify(
            pass,
            pass.cancelled().isPresent() ? RunNotify.Result.Cancelled : RunNotify.Result.Failure);
      }
      return !ticket.dryRun();
    } catch (Exception e) {
      // Pool or driver errors outside the engine (e.g. no connection available) are transient.
      String message = "The database failed: " + e.getMessage();
      if (mayRetry) {
        unreachable(pass, e);
        return false;
      }
      ResetStatuses.handled(status, ticket);
      Reachability unreached = pass.cancelled().isEmpty() ? pass.reachability(e) : null;
      if (unreached != null && unreached.connectionFailed()) {
        ResetStatuses.unreachable(
            status, unreached, scheduleTime, job.startedAt(), generation, now);
      } else {
        ResetStatuses.failed(
            status, message, "DatabaseError", null, scheduleTime, job.startedAt(), generation, now);
      }
      pass.cancelled().ifPresent(why -> RunStatuses.cancelled(status, why, generation, now));
      if (pass.firstPublication()) {
        pass.metrics().runFinished(KIND, namespace, name, "Failed", took);
        pass.events().warning(resource, "ResetFailed", status.message);
        notify(
            pass,
            pass.cancelled().isPresent() ? RunNotify.Result.Cancelled : RunNotify.Result.Failure);
      }
      return !ticket.dryRun();
    }
  }

  private void notify(OperationPass<SandboxReset, Ticket> pass, RunNotify.Result result) {
    SandboxReset resource = pass.resource();
    pass.notify(
        resource.getSpec().notify,
        result,
        resource.getStatus().message,
        n -> references.secret(pass.context(), n));
  }

  @Override
  public void refused(OperationPass<SandboxReset, Ticket> pass, SpecException e) {
    ResetStatuses.refused(pass.resource().getStatus(), e, pass.generation(), pass.now());
  }

  private static void missed(OperationPass<SandboxReset, Ticket> pass, Instant fire) {
    SandboxResetStatus status = pass.resource().getStatus();
    String why =
        status.phase == ResetPhase.WaitingForWindow
            ? "missed: " + status.message + " until startingDeadline passed"
            : "missed: it passed more than startingDeadline ago while no run could start (operator"
                + " down?)";
    notRun(pass, fire, RunResult.Missed, why, " was ");
  }

  /**
   * A fire time that did not run (Skipped or Missed): into history, metrics and an Event.
   *
   * @param between what the Event's message says between the fire time and {@code why}
   */
  private static void notRun(
      OperationPass<SandboxReset, Ticket> pass,
      Instant fire,
      RunResult result,
      String why,
      String between) {
    SandboxReset resource = pass.resource();
    ResetStatuses.notRun(resource.getStatus(), fire, result, why);
    pass.metrics()
        .resetNotRun(
            resource.getMetadata().getNamespace(), resource.getMetadata().getName(), result.name());
    pass.events()
        .warning(
            resource,
            "Schedule" + result.name(),
            "Fire time " + ResetStatuses.time(fire) + between + why);
  }

  /** The database could not be reached: its own reason, and a retry fitting it. */
  private static void unreachable(OperationPass<SandboxReset, Ticket> pass, Exception failure) {
    Reachability why = pass.reachability(failure);
    Duration delay = pass.retryLater(why);
    ResetStatuses.retrying(pass.resource().getStatus(), why, delay, pass.generation(), pass.now());
  }

  private static void retryLater(
      OperationPass<SandboxReset, Ticket> pass, String reason, boolean unreachable) {
    Duration delay = pass.retryLater();
    ResetStatuses.retrying(
        pass.resource().getStatus(), reason, unreachable, delay, pass.generation(), pass.now());
  }

  /** When to look again: after {@code within} or a little after the next fire time, if sooner. */
  private static Duration lookAgain(Instant next, Duration within, Instant now) {
    Duration delay = within;
    if (next != null) {
      Duration untilNext = Duration.between(now, next).plusMillis(200);
      delay = delay == null || untilNext.compareTo(delay) < 0 ? untilNext : delay;
    }
    if (delay == null) {
      return null;
    }
    if (delay.compareTo(LONGEST_SLEEP) > 0) {
      delay = LONGEST_SLEEP;
    }
    return delay.isNegative() ? Duration.ofMillis(200) : delay;
  }

  private static ResetTriggers.Resource trigger(
      OperationPass<SandboxReset, Ticket> pass,
      CronSchedule schedule,
      Duration startingDeadline,
      String runDigest) {
    SandboxReset resource = pass.resource();
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
        created == null ? pass.now() : Instant.parse(created),
        ResetRequests.isDryRun(resource),
        runDigest);
  }

  private static ResetListener listener(Consumer<Progress> sink) {
    return new ResetListener() {
      @Override
      public void onProgress(ResetProgress progress) {
        sink.accept(new Progress(progress));
      }
    };
  }
}
