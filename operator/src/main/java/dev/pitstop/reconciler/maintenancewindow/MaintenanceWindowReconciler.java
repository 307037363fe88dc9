package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.MaintenanceMode;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.ReferencedObjects;
import dev.pitstop.reconciler.maintenancewindow.model.WindowCalendar;
import dev.pitstop.reconciler.maintenancewindow.model.WindowRequests;
import dev.pitstop.reconciler.maintenancewindow.model.WindowStatuses;
import dev.pitstop.reconciler.maintenancewindow.model.WindowTransitions;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reconciles a MaintenanceWindow through {@link WindowPhase}'s state machine ({@link
 * WindowTransitions}): opens windows on demand or on schedule, drains ({@link WindowDraining}),
 * lists the operations running inside ({@code status.holders}), and restores ({@link
 * WindowRestoring}) when the window closes, fails or is deleted (finalizer). Workloads, Jobs and
 * Pods are watched through informers; the database side runs on worker threads. No SQL here.
 */
@ControllerConfiguration(name = "maintenancewindow", generationAwareEventProcessing = false)
public final class MaintenanceWindowReconciler
    implements Reconciler<MaintenanceWindow>, Cleaner<MaintenanceWindow> {
  static final String KIND = "MaintenanceWindow";

  /**
   * After a window closes, how long an operation that passed the gate just before has to show up in
   * {@code status.holders} before the restore begins.
   */
  static final Duration SETTLE = Duration.ofSeconds(2);

  private static final Duration LONG = Duration.ofMinutes(10);
  private static final int MAX_STEPS = 5;

  private final EventRecorder events;
  private final PitstopMetrics metrics;
  private final Clock clock;
  private final WindowDatabase database;
  private final WindowDraining draining;
  private final WindowRestoring restoring;
  private final SimpleInboundEventSource<MaintenanceWindow> wakeups =
      new SimpleInboundEventSource<>("window-work");
  private final ReferencedObjects<Secret, MaintenanceWindow> secrets =
      new ReferencedObjects<>(Secret.class, "window-secrets", WindowDatabase::secretNames);

  public MaintenanceWindowReconciler(
      KubernetesClient client,
      DatabaseTargets targets,
      BackgroundWork work,
      EventRecorder events,
      PitstopMetrics metrics,
      ExponentialBackoff backoff,
      Clock clock) {
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.database = new WindowDatabase(targets, backoff, wakeups, secrets);
    WindowDatabaseJobs jobs = new WindowDatabaseJobs(work);
    WorkloadDrain workloads = new WorkloadDrain(client);
    this.draining = new WindowDraining(database, jobs, workloads, events);
    this.restoring = new WindowRestoring(database, jobs, workloads, events);
  }

  @Override
  public List<EventSource<?, MaintenanceWindow>> prepareEventSources(
      EventSourceContext<MaintenanceWindow> context) {
    List<EventSource<?, MaintenanceWindow>> sources =
        new ArrayList<>(WindowSources.eventSources(context));
    sources.add(secrets.eventSource(context));
    sources.add(wakeups);
    return sources;
  }

  @Override
  public UpdateControl<MaintenanceWindow> reconcile(
      MaintenanceWindow window, Context<MaintenanceWindow> context) {
    WindowPass pass = run(window, context, false);
    metrics.windowPhase(
        window.getMetadata().getNamespace(),
        window.getMetadata().getName(),
        window.getStatus().phase);
    return UpdateControl.<MaintenanceWindow>noUpdate().rescheduleAfter(pass.after(LONG));
  }

  @Override
  public DeleteControl cleanup(MaintenanceWindow window, Context<MaintenanceWindow> context) {
    WindowPass pass = run(window, context, true);
    WindowPhase phase = window.getStatus().phase;
    boolean settled =
        phase != WindowPhase.Draining
            && phase != WindowPhase.Active
            && phase != WindowPhase.Restoring
            && !WindowRestoring.pending(window.getStatus(), usesDatabase(window));
    if (settled) {
      database.forget(pass.key);
      return DeleteControl.defaultDelete();
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(pass.after(Duration.ofSeconds(15)));
  }

  private WindowPass run(
      MaintenanceWindow window, Context<MaintenanceWindow> context, boolean deleting) {
    if (window.getStatus() == null) {
      window.setStatus(new MaintenanceWindowStatus());
    }
    MaintenanceWindowStatus status = window.getStatus();
    if (status.drain == null) {
      status.drain = new DrainStatus();
    }
    Instant now = clock.instant();
    WindowRequests plan = null;
    SpecException invalid = null;
    try {
      plan = WindowRequests.prepare(window);
    } catch (SpecException e) {
      invalid = e;
    }
    WindowCalendar.Window calendar =
        plan == null
            ? new WindowCalendar.Window(false, null, null, null, null)
            : WindowCalendar.at(
                now,
                plan.schedule(),
                plan.duration(),
                plan.active(),
                window.getMetadata().getGeneration() == null
                    ? 0
                    : window.getMetadata().getGeneration(),
                WindowPass.runRequest(window));
    WindowPass pass =
        new WindowPass(
            window,
            context,
            now,
            deleting,
            plan,
            invalid,
            calendar,
            WindowSources.holders(context, window));
    status.observedGeneration = pass.generation;
    status.holders = pass.holders;
    status.nextWindowStart = WindowPass.time(calendar.nextStart());

    for (int step = 0; step < MAX_STEPS; step++) {
      WindowPhase phase = status.phase == null ? WindowPhase.Idle : status.phase;
      boolean holding = work(pass, phase);
      WindowTransitions.Facts facts =
          new WindowTransitions.Facts(
              plan != null && plan.schedule() != null,
              pass.open(),
              mayStart(pass, phase),
              pass.refused,
              pass.drained,
              pass.failed,
              holding,
              pass.restored);
      WindowPhase next = WindowTransitions.next(status.phase, facts);
      if (next == status.phase) {
        break;
      }
      enter(pass, phase, next);
      pass.drained = false;
      pass.failed = false;
      pass.refused = false;
      pass.restored = false;
    }
    pass.persist();
    return pass;
  }

  /** The current phase's work; returns whether holders keep an Active window open. */
  private boolean work(WindowPass pass, WindowPhase phase) {
    MaintenanceWindowStatus status = pass.status;
    switch (phase) {
      case Idle, Scheduled -> {
        refuseInvalid(pass);
        if (!pass.refused) {
          resting(pass, phase);
        }
      }
      case Draining -> {
        if (pass.invalid != null) {
          refuseInvalid(pass);
        } else if (pass.open()) {
          draining.work(pass);
        }
      }
      case Active -> {
        return active(pass);
      }
      case Restoring -> restoring.work(pass);
      case Failed -> {
        if (WindowRestoring.pending(status, usesDatabase(pass.window))) {
          // The failure stays the message; the restore's own progress would hide it.
          String failure =
              Conditions.find(status, Condition.FAILED)
                  .map(c -> c.message)
                  .orElse("the drain failed")
                  .replaceFirst("; restoring$", "");
          restoring.work(pass);
          WindowStatuses.set(
              status,
              WindowPhase.Failed,
              WindowStatuses.failureReason(status),
              failure + (pass.restored ? "; everything was restored" : "; restoring"),
              !pass.restored,
              pass.generation,
              pass.now);
        } else {
          pass.restored = true;
        }
        refuseInvalid(pass);
      }
    }
    return false;
  }

  private boolean active(WindowPass pass) {
    MaintenanceWindowStatus status = pass.status;
    if (pass.open()) {
      Instant ended = WindowPass.parse(status.windowEnd);
      if (ended != null && !ended.isAfter(pass.now)) {
        // The next window opened while this one waited for its holders: carry on drained.
        status.windowId = pass.calendar.id();
        status.windowStart =
            WindowPass.time(pass.calendar.start() == null ? pass.now : pass.calendar.start());
        status.windowEnd = WindowPass.time(pass.calendar.end());
        pass.persist();
        events.normal(
            pass.window,
            "WindowContinued",
            "window "
                + status.windowId
                + " opened before the last one was restored; staying drained");
      }
      draining.keepDrained(pass);
      Instant end = WindowPass.parse(status.windowEnd);
      if (end != null) {
        pass.lookAgainAt(end);
      }
      status.message =
          "drained: mode maintenance"
              + (end == null ? "" : " until " + status.windowEnd)
              + (pass.holders.isEmpty()
                  ? ""
                  : "; running inside: " + String.join(", ", pass.holders));
      return true;
    }
    Instant end = WindowPass.parse(status.windowEnd);
    if (end == null || end.isAfter(pass.now)) {
      end = pass.now;
      status.windowEnd = WindowPass.time(end); // closes the gate before anything else happens
      pass.persist();
    }
    Instant settled = end.plus(SETTLE);
    if (!pass.holders.isEmpty()) {
      status.message =
          "window closed; waiting for "
              + String.join(", ", pass.holders)
              + " to finish before restoring";
      pass.lookAgainIn(Duration.ofSeconds(15));
      return true;
    }
    // The settle time only matters if something could have passed the gate at the last moment.
    if (pass.now.isBefore(settled) && WindowSources.referenced(pass.context, pass.window)) {
      status.message = "window closed; restoring shortly";
      pass.lookAgainAt(settled);
      return true;
    }
    return false;
  }

  private void enter(WindowPass pass, WindowPhase from, WindowPhase to) {
    MaintenanceWindowStatus status = pass.status;
    switch (to) {
      case Draining -> startDrain(pass);
      case Active -> {
        status.mode = MaintenanceMode.MAINTENANCE;
        status.drain.step = null;
        Instant started = WindowPass.parse(status.drain.startedAt);
        Duration took = started == null ? Duration.ZERO : Duration.between(started, pass.now);
        WindowStatuses.set(
            status,
            WindowPhase.Active,
            "Drained",
            "drained in " + Durations.format(took.truncatedTo(ChronoUnit.MILLIS)),
            false,
            pass.generation,
            pass.now);
        metrics.runFinished(
            KIND, pass.window.getMetadata().getNamespace(), pass.name(), "Drained", took);
        events.normal(pass.window, "Drained", status.message + "; mode maintenance");
      }
      case Restoring -> {
        Instant end = WindowPass.parse(status.windowEnd);
        if (end == null || end.isAfter(pass.now)) {
          status.windowEnd = WindowPass.time(pass.now);
        }
        status.drain.step = "restore";
        String why =
            pass.deleting
                ? "the MaintenanceWindow is being deleted"
                : from == WindowPhase.Draining
                    ? "the window closed before it was drained"
                    : "the window closed";
        WindowStatuses.set(
            status,
            WindowPhase.Restoring,
            "Restoring",
            why + "; restoring",
            true,
            pass.generation,
            pass.now);
        events.normal(pass.window, "RestoreStarted", status.message);
      }
      case Failed -> {
        String reason = pass.failureReason == null ? "Failed" : pass.failureReason;
        boolean restore = WindowRestoring.pending(status, usesDatabase(pass.window));
        status.drain.step = restore ? "restore" : null;
        WindowStatuses.set(
            status,
            WindowPhase.Failed,
            reason,
            pass.failureMessage + (restore ? "; restoring" : ""),
            restore,
            pass.generation,
            pass.now);
        if (from == WindowPhase.Draining) {
          Instant started = WindowPass.parse(status.drain.startedAt);
          metrics.runFinished(
              KIND,
              pass.window.getMetadata().getNamespace(),
              pass.name(),
              "Failed",
              started == null ? Duration.ZERO : Duration.between(started, pass.now));
        }
        events.warning(pass.window, reason, pass.failureMessage);
      }
      case Idle, Scheduled -> {
        status.mode = MaintenanceMode.RUNNING;
        status.drain = new DrainStatus();
        if (from == WindowPhase.Restoring) {
          events.normal(
              pass.window,
              "Restored",
              "connection limits, mode, replicas and suspend flags are back as recorded");
        }
        status.phase = to;
        resting(pass, to);
      }
    }
    pass.persist();
  }

  private void startDrain(WindowPass pass) {
    MaintenanceWindowStatus status = pass.status;
    WindowCalendar.Window calendar = pass.calendar;
    status.windowId = calendar.id();
    status.windowStart = WindowPass.time(calendar.start() == null ? pass.now : calendar.start());
    status.windowEnd = WindowPass.time(calendar.end());
    DrainStatus drain = new DrainStatus();
    drain.startedAt = WindowPass.time(pass.now);
    drain.stepStartedAt = drain.startedAt;
    drain.step = WindowDraining.firstStep(pass.plan);
    status.drain = drain;
    if (!pass.plan.usesDatabase()) {
      status.mode = MaintenanceMode.WAITING_FOR_MAINTENANCE;
    }
    WindowStatuses.set(
        status,
        WindowPhase.Draining,
        "Draining",
        "draining for window " + calendar.id(),
        true,
        pass.generation,
        pass.now);
    events.normal(
        pass.window,
        "DrainStarted",
        "window "
            + calendar.id()
            + " opened"
            + (calendar.end() == null ? "" : " until " + status.windowEnd)
            + "; draining (timeout "
            + Durations.format(pass.plan.timeout())
            + ")");
  }

  private void resting(WindowPass pass, WindowPhase phase) {
    MaintenanceWindowStatus status = pass.status;
    if (status.phase == WindowPhase.Failed || status.phase == WindowPhase.Draining) {
      return; // only Idle and Scheduled rest
    }
    boolean scheduled = pass.plan != null && pass.plan.schedule() != null;
    WindowPhase resting = scheduled ? WindowPhase.Scheduled : WindowPhase.Idle;
    String message =
        status.nextWindowStart != null
            ? "next window opens at " + status.nextWindowStart
            : "no window open; set spec.active to true to open one";
    if (status.phase == null
        || status.phase == WindowPhase.Idle
        || status.phase == WindowPhase.Scheduled) {
      status.mode = status.mode == null ? MaintenanceMode.RUNNING : status.mode;
      WindowStatuses.set(
          status, resting, resting.name(), message, false, pass.generation, pass.now);
    }
    Instant next = WindowPass.parse(status.nextWindowStart);
    if (next != null) {
      pass.lookAgainAt(next);
    }
  }

  private void refuseInvalid(WindowPass pass) {
    if (pass.invalid != null) {
      pass.refused = true;
      pass.failureReason = pass.invalid.reason();
      pass.failureMessage = pass.invalid.getMessage();
    }
  }

  /**
   * A window is open that may start draining: not the one that failed, unless it failed only
   * because the spec was invalid (nothing was changed) and the spec is valid now.
   */
  private static boolean mayStart(WindowPass pass, WindowPhase phase) {
    if (!pass.open()) {
      return false;
    }
    return phase != WindowPhase.Failed
        || !Objects.equals(pass.calendar.id(), pass.status.windowId)
        || "InvalidSpec".equals(WindowStatuses.failureReason(pass.status));
  }

  private static boolean usesDatabase(MaintenanceWindow window) {
    return window.getSpec() != null && window.getSpec().database != null;
  }
}
