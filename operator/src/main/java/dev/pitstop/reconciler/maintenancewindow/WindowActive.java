package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.reconciler.EventRecorder;
import java.time.Duration;
import java.time.Instant;

/**
 * The work of phase Active: keeps the selected workloads at 0 while the window is open, carries on
 * into the next window when it opens before this one was restored, and after the window closes
 * waits for the operations running inside ({@code status.holders}) before the restore begins.
 * Meanwhile it renews its holder in the mode table.
 */
final class WindowActive {
  /**
   * After a window closes, how long an operation that passed the gate just before has to show up in
   * {@code status.holders} before the restore begins.
   */
  static final Duration SETTLE = Duration.ofSeconds(2);

  private final WindowDraining draining;
  private final EventRecorder events;

  WindowActive(WindowDraining draining, EventRecorder events) {
    this.draining = draining;
    this.events = events;
  }

  /**
   * The work of phase Active; returns whether the window stays Active (open, or closed with holders
   * still running inside or a moment to settle).
   */
  boolean work(WindowPass pass) {
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
      draining.renew(pass, Mode.MAINTENANCE);
      Instant end = WindowPass.parse(status.windowEnd);
      if (end != null) {
        pass.lookAgainAt(end);
      }
      if (pass.repointed != null) {
        return true; // the message says where spec.database points now and what to do
      }
      status.message =
          "drained: mode maintenance"
              + (end == null ? "" : " until " + status.windowEnd)
              + (pass.holders.isEmpty()
                  ? ""
                  : "; running inside: " + String.join(", ", pass.holders))
              + draining.leaseNotRenewed(pass);
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
      draining.renew(pass, Mode.MAINTENANCE);
      pass.lookAgainIn(Duration.ofSeconds(15));
      if (pass.repointed != null) {
        return true;
      }
      status.message =
          "window closed; waiting for "
              + String.join(", ", pass.holders)
              + " to finish before restoring";
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
}
