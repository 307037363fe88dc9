package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a MaintenanceWindow.
 *
 * <ul>
 *   <li>{@link #Idle} → {@link #Scheduled}: a schedule is set; the next window start is known.
 *   <li>{@link #Idle}/{@link #Scheduled} → {@link #Draining}: {@code active: true}, or a scheduled
 *       window opened. Mode becomes waiting_for_maintenance.
 *   <li>{@link #Draining} → {@link #Active}: every drain step is done. Mode becomes maintenance.
 *   <li>{@link #Draining} → {@link #Failed}: drain.timeout passed; everything is restored.
 *   <li>{@link #Active} → {@link #Restoring}: the window ended ({@code active: false}, or its
 *       duration passed) and no holder is still running.
 *   <li>{@link #Restoring} → {@link #Idle}/{@link #Scheduled}: replicas, suspend flags and
 *       connection limits are back as recorded; mode running.
 *   <li>{@link #Failed} → {@link #Draining}: a new window opens.
 * </ul>
 */
public enum WindowPhase {
  Idle,
  Scheduled,
  Draining,
  Active,
  Restoring,
  Failed
}
