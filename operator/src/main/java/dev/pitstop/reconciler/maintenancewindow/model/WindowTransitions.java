package dev.pitstop.reconciler.maintenancewindow.model;

import dev.pitstop.api.v1alpha1.WindowPhase;

/**
 * The MaintenanceWindow state machine, exactly as {@link WindowPhase}'s Javadoc states it: the next
 * phase from the current one and what the reconciler observed. No I/O; the reconciler performs each
 * phase's work and the entry actions of a new phase.
 */
public final class WindowTransitions {
  private WindowTransitions() {}

  /**
   * What the reconciler observed.
   *
   * @param scheduled the spec has a schedule (the resting phase is Scheduled, else Idle)
   * @param open a window is open and the resource is not being deleted
   * @param mayStart a window is open that may start draining: it has not failed yet, or its start
   *     was refused and a retry is due
   * @param refused the spec or the database check refused the drain; nothing was changed
   * @param drained every drain step is done
   * @param failed the drain timed out or hit a deterministic error
   * @param holding holders are still running, or the settle time after closing has not passed
   * @param restored nothing recorded is left to put back
   */
  public record Facts(
      boolean scheduled,
      boolean open,
      boolean mayStart,
      boolean refused,
      boolean drained,
      boolean failed,
      boolean holding,
      boolean restored) {}

  /** The phase after {@code current} given {@code facts}; {@code null} counts as Idle. */
  public static WindowPhase next(WindowPhase current, Facts facts) {
    WindowPhase resting = facts.scheduled() ? WindowPhase.Scheduled : WindowPhase.Idle;
    if (current == null) {
      current = WindowPhase.Idle;
    }
    return switch (current) {
      case Idle, Scheduled -> {
        if (facts.refused()) {
          yield WindowPhase.Failed;
        }
        yield facts.mayStart() ? WindowPhase.Draining : resting;
      }
      case Draining -> {
        if (facts.refused() || facts.failed()) {
          yield WindowPhase.Failed;
        }
        if (!facts.open()) {
          yield WindowPhase.Restoring;
        }
        yield facts.drained() ? WindowPhase.Active : WindowPhase.Draining;
      }
      case Active -> !facts.open() && !facts.holding() ? WindowPhase.Restoring : WindowPhase.Active;
      case Restoring -> facts.restored() ? resting : WindowPhase.Restoring;
      case Failed -> {
        if (!facts.restored() || facts.refused()) {
          yield WindowPhase.Failed;
        }
        if (facts.mayStart()) {
          yield WindowPhase.Draining;
        }
        yield facts.open() ? WindowPhase.Failed : resting;
      }
    };
  }
}
