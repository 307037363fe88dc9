package dev.pitstop.api.v1alpha1;

/**
 * Lifecycle of a DatabaseMigration, once per generation (or run request).
 *
 * <ul>
 *   <li>{@link #Pending} → {@link #Planned}: {@code validateOnly} is set and the plan was read.
 *   <li>{@link #Pending} → {@link #WaitingForApproval}: the annotation {@code pitstop.dev/approve}
 *       does not carry the digest of the current plan, and {@code approval} is {@code Always} (or
 *       the older {@code requireApproval} is set), or {@code approval} is {@code OnRisk} and the
 *       measured plan has a finding at or above {@code approvalSeverity} not allowed in the file,
 *       or could not be measured. An {@code OnRisk} plan without such a finding goes on to {@link
 *       #Migrating} in the same run.
 *   <li>{@link #Pending}/{@link #WaitingForApproval} → {@link #WaitingForWindow}: a {@code
 *       maintenanceWindowRef} is set and that window is not Active.
 *   <li>{@link #Pending}/{@link #WaitingForApproval}/{@link #WaitingForWindow} → {@link
 *       #Migrating}: approved (if asked) and the window (if any) is Active; work starts.
 *   <li>{@link #Migrating} → {@link #Succeeded}: every pending migration up to the target applied.
 *   <li>{@link #Migrating} → {@link #Failed}: a deterministic error (SQL error, checksum mismatch,
 *       missing file); not retried until the spec or a source ConfigMap changes. Transient errors
 *       (connection lost, lock timeout) stay in Migrating and are retried with backoff.
 *   <li>any → {@link #Pending}: a new generation or run request.
 * </ul>
 */
public enum MigrationPhase {
  Pending,
  Planned,
  WaitingForApproval,
  WaitingForWindow,
  Migrating,
  Succeeded,
  Failed
}
