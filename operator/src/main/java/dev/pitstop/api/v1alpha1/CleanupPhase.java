package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a CleanupSchedule. The phase between runs shows how the last run ended; {@code
 * status.lastRun.result} tells Succeeded from Incomplete, and {@code status.nextRunTime} when the
 * next run comes.
 *
 * <ul>
 *   <li>(new) → {@link #Scheduled}: the spec is valid; nothing has run yet.
 *   <li>{@link #Scheduled}/{@link #Succeeded}/{@link #Failed} → {@link #WaitingForWindow}: a run is
 *       due, a {@code maintenanceWindowRef} is set and that window is not Active.
 *   <li>{@link #Scheduled}/{@link #Succeeded}/{@link #Failed}/{@link #WaitingForWindow} → {@link
 *       #Running}: a fire time came, a run was requested (annotation) or the spec changed, and no
 *       run of this resource is going.
 *   <li>{@link #WaitingForWindow} → back to the phase before: the due fire time became older than
 *       startingDeadline (recorded as Missed).
 *   <li>{@link #Running} → {@link #Succeeded}: every rule finished (result Succeeded), or the run
 *       stopped cleanly with rows left, e.g. at maxDuration (result Incomplete).
 *   <li>{@link #Running} → {@link #Failed}: a rule was refused (nothing deleted), a batch failed
 *       for good, or the database could not be used.
 *   <li>any → {@link #Failed}: the spec is invalid (nothing is scheduled); fixing it goes back to
 *       the phase of the last run, or {@link #Scheduled}.
 * </ul>
 */
public enum CleanupPhase {
  Scheduled,
  WaitingForWindow,
  Running,
  Succeeded,
  Failed
}
