package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.WindowPhase;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides whether an operation that references a MaintenanceWindow ({@code
 * spec.maintenanceWindowRef}) may start: only while that window's phase is Active.
 */
public final class WindowGate {
  private WindowGate() {}

  /** The gate's answer: open, or closed with a sentence saying what it waits for. */
  public record Decision(boolean open, String waitingFor) {
    static Decision opened() {
      return new Decision(true, null);
    }

    static Decision closed(String waitingFor) {
      return new Decision(false, waitingFor);
    }
  }

  /**
   * @param ref the operation's {@code spec.maintenanceWindowRef} (null: no window needed)
   * @param windows looks up a MaintenanceWindow of the operation's namespace from the cache
   */
  public static Decision check(
      LocalObjectRef ref, Function<String, Optional<MaintenanceWindow>> windows) {
    if (ref == null || ref.name == null) {
      return Decision.opened();
    }
    Optional<MaintenanceWindow> window = windows.apply(ref.name);
    if (window.isEmpty()) {
      return Decision.closed("MaintenanceWindow '" + ref.name + "' does not exist yet");
    }
    WindowPhase phase = window.get().getStatus() == null ? null : window.get().getStatus().phase;
    if (phase != WindowPhase.Active) {
      return Decision.closed(
          "MaintenanceWindow '"
              + ref.name
              + "' to be Active (it is "
              + (phase == null ? "not yet reconciled" : phase.name())
              + ")");
    }
    return Decision.opened();
  }
}
