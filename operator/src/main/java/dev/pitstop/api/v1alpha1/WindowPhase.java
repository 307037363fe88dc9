package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a MaintenanceWindow. A window is <em>open</em> while {@code active: true}, or from a
 * scheduled start until {@code duration} later, and never while the resource is being deleted.
 *
 * <ul>
 *   <li>{@link #Idle} ↔ {@link #Scheduled}: a schedule is set (or removed); Scheduled shows that
 *       {@code nextWindowStart} is known.
 *   <li>{@link #Idle}/{@link #Scheduled} → {@link #Draining}: a window opened. The mode row becomes
 *       {@code waiting_for_maintenance} (after the database side was checked).
 *   <li>{@link #Idle}/{@link #Scheduled} → {@link #Failed}: the spec is invalid; nothing changed.
 *   <li>{@link #Draining} → {@link #Active}: every drain step is done (CronJobs suspended,
 *       workloads at 0 and their pods gone, no active Jobs, tasks query 0, no sessions left). The
 *       mode row becomes {@code maintenance}.
 *   <li>{@link #Draining} → {@link #Failed}: {@code drain.timeout} passed, the drain hit a
 *       deterministic error, or the spec (or input the database check rejects for good, such as a
 *       tasks query that does not return one number) is invalid. Whatever was changed is restored
 *       while the phase is Failed. (A start refused for something that may still appear — a table
 *       the tasks query names, a role, a privilege — stays Draining with nothing changed and the
 *       reason in status, checked again with backoff or at once after a spec change, until the
 *       timeout.)
 *   <li>{@link #Draining} → {@link #Restoring}: the window closed before it was drained ({@code
 *       active: false}, its scheduled end, or deletion).
 *   <li>{@link #Active} → {@link #Restoring}: the window closed ({@code active: false}, its end
 *       passed, or deletion), a short settle time passed in which no new holder can start, and no
 *       holder is still running: a running migration is never cut off.
 *   <li>{@link #Restoring} → {@link #Idle}/{@link #Scheduled}: connection limits, mode {@code
 *       running}, replicas and suspend flags are back exactly as recorded.
 *   <li>{@link #Failed} → {@link #Draining}: once restored, a new window opens (the next scheduled
 *       start, or a new generation or {@code pitstop.dev/run-requested-at} with {@code active:
 *       true}), or the spec that was invalid is fixed while the window is open.
 *   <li>{@link #Failed} → {@link #Idle}/{@link #Scheduled}: once restored, the failed window
 *       closed.
 * </ul>
 *
 * An operator restart in any phase continues from the phase and what status recorded.
 */
public enum WindowPhase {
  Idle,
  Scheduled,
  Draining,
  Active,
  Restoring,
  Failed
}
