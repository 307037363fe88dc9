package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a CleanupSchedule.
 *
 * <ul>
 *   <li>{@link #Scheduled} → {@link #WaitingForWindow}: a run is due, a {@code
 *       maintenanceWindowRef} is set and that window is not Active.
 *   <li>{@link #Scheduled}/{@link #WaitingForWindow} → {@link #Running}: a fire time came (or a run
 *       was requested) and no run of this resource is going.
 *   <li>{@link #Running} → {@link #Succeeded}: every rule finished, or stopped at maxDuration
 *       (result Incomplete); then back to {@link #Scheduled} for the next fire time.
 *   <li>{@link #Running} → {@link #Failed}: a rule was refused or a batch failed for good.
 * </ul>
 */
public enum CleanupPhase {
  Scheduled,
  WaitingForWindow,
  Running,
  Succeeded,
  Failed
}
