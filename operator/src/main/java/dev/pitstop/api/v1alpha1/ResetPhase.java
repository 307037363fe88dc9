package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a SandboxReset.
 *
 * <ul>
 *   <li>{@link #Pending} → {@link #Planned}: {@code dryRun} is set and the plan was computed.
 *   <li>{@link #Pending}/{@link #Scheduled} → {@link #WaitingForWindow}: a run is due, a {@code
 *       maintenanceWindowRef} is set and that window is not Active.
 *   <li>{@link #Pending}/{@link #Scheduled}/{@link #WaitingForWindow} → {@link #Resetting}: a run
 *       starts (new generation, run request, or fire time of the schedule).
 *   <li>{@link #Resetting} → {@link #Seeding}: every table is emptied; seeds run in the same
 *       transaction.
 *   <li>{@link #Resetting}/{@link #Seeding} → {@link #Succeeded}: the transaction committed (no
 *       schedule) — or → {@link #Scheduled} when a schedule is set.
 *   <li>{@link #Resetting}/{@link #Seeding} → {@link #Failed}: refused or rolled back; nothing
 *       changed. A schedule still fires later.
 *   <li>any → {@link #Pending}: a new generation or run request.
 * </ul>
 */
public enum ResetPhase {
  Pending,
  Planned,
  WaitingForWindow,
  Resetting,
  Seeding,
  Succeeded,
  Failed,
  Scheduled
}
