package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place where DatabaseMigration, SandboxReset and CleanupSchedule ask "may I start?" when
 * they reference a MaintenanceWindow ({@code spec.maintenanceWindowRef}). Open only while the
 * window's phase is Active (drained), its {@code windowEnd} (if any) has not passed and it is not
 * being deleted. A window that closes sets {@code windowEnd} first, so no operation starts while it
 * waits for running ones (its {@code status.holders}) to finish before restoring.
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
   * @param now the time to judge {@code windowEnd} against
   */
  public static Decision check(
      LocalObjectRef ref, Function<String, Optional<MaintenanceWindow>> windows, Instant now) {
    if (ref == null || ref.name == null) {
      return Decision.opened();
    }
    Optional<MaintenanceWindow> window = windows.apply(ref.name);
    if (window.isEmpty()) {
      return Decision.closed(
          "MaintenanceWindow '" + ref.name + "' to be created (it does not exist)");
    }
    if (window.get().getMetadata().getDeletionTimestamp() != null) {
      return Decision.closed(
          "MaintenanceWindow '" + ref.name + "' to be created again (it is being deleted)");
    }
    MaintenanceWindowStatus status = window.get().getStatus();
    WindowPhase phase = status == null ? null : status.phase;
    if (phase != WindowPhase.Active) {
      return Decision.closed(
          "MaintenanceWindow '"
              + ref.name
              + "' to be Active (it is "
              + (phase == null ? "not yet reconciled" : phase.name())
              + ")");
    }
    Instant end = parse(status.windowEnd);
    if (end != null && !now.isBefore(end)) {
      return Decision.closed(
          "the next window of MaintenanceWindow '"
              + ref.name
              + "' (this one ended at "
              + status.windowEnd
              + ")");
    }
    return Decision.opened();
  }

  private static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
