package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.MaintenanceMode;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.maintenancewindow.model.WindowCalendar;
import dev.pitstop.reconciler.maintenancewindow.model.WindowStatuses;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What entering each {@link WindowPhase} records, once per transition: the phase, its condition and
 * message, the window's times, Events and run metrics. {@link WindowTransitions} decides the
 * transition; {@link MaintenanceWindowReconciler} runs it.
 */
final class WindowPhases {
  private final EventRecorder events;
  private final PitstopMetrics metrics;

  /** Sends the chat message spec.notify asks for about a window's result. */
  interface Notices {
    void send(WindowPass pass, RunNotify.Result result, String message);
  }

  private final Notices notices;

  WindowPhases(EventRecorder events, PitstopMetrics metrics, Notices notices) {
    this.notices = notices;
    this.events = events;
    this.metrics = metrics;
  }

  /** Records entering phase {@code to} from {@code from}: status, Events and metrics. */
  void enter(WindowPass pass, WindowPhase from, WindowPhase to) {
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
            MaintenanceWindowReconciler.KIND,
            pass.window.getMetadata().getNamespace(),
            pass.name(),
            "Drained",
            took);
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
              MaintenanceWindowReconciler.KIND,
              pass.window.getMetadata().getNamespace(),
              pass.name(),
              "Failed",
              started == null ? Duration.ZERO : Duration.between(started, pass.now));
        }
        events.warning(pass.window, reason, pass.failureMessage);
        notices.send(pass, RunNotify.Result.Failure, status.message);
      }
      case Idle, Scheduled -> {
        status.mode = MaintenanceMode.RUNNING;
        status.drain = new DrainStatus();
        status.database = null; // restored: the next window records its database anew
        if (from == WindowPhase.Restoring) {
          String restored =
              "connection limits, mode, replicas and suspend flags are back as recorded";
          events.normal(pass.window, "Restored", restored);
          notices.send(pass, RunNotify.Result.Success, "the window ended; " + restored);
        }
        status.phase = to;
        rest(pass, to);
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
    status.database = null; // recorded when the drain first needs the database
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

  /** Idle or Scheduled: says when the next window opens and looks again then. */
  void rest(WindowPass pass, WindowPhase phase) {
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

  static boolean usesDatabase(MaintenanceWindow window) {
    return window.getSpec() != null && window.getSpec().database != null;
  }
}
