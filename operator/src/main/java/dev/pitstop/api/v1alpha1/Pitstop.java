package dev.pitstop.api.v1alpha1;

/** Names shared by all Pitstop resources. */
public final class Pitstop {
  public static final String GROUP = "pitstop.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CATEGORY = "pitstop";

  /** Annotation: any new value requests another run without a spec change. */
  public static final String RUN_REQUESTED_AT = "pitstop.dev/run-requested-at";

  /**
   * Annotation: the digest of the plan the user approves ({@code approval} Always or OnRisk), as
   * shown in {@code status.plan.digest}.
   */
  public static final String APPROVE = "pitstop.dev/approve";

  /**
   * Annotation: a new value cancels the run that is going (DatabaseMigration, SandboxReset,
   * CleanupSchedule): its statement is cancelled on the server, its transaction rolls back, and
   * nothing further starts.
   */
  public static final String CANCEL = "pitstop.dev/cancel";

  private Pitstop() {}
}
