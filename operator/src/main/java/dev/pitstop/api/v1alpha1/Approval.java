package dev.pitstop.api.v1alpha1;

/** When a DatabaseMigration waits for the approval annotation before applying. */
public enum Approval {
  /** Never: apply as soon as the run is due. */
  Never,
  /**
   * Plan first, measuring each pending statement on a scratch copy of the schema; wait for approval
   * only when a finding at or above {@code approvalSeverity} is not allowed in the file, or when
   * the plan could not be measured.
   */
  OnRisk,
  /** Always wait for approval of the plan. */
  Always;

  /**
   * The mode a spec asks for: {@code approval} when set, else {@link #Always} for the older {@code
   * requireApproval: true}, else {@link #Never}.
   */
  public static Approval effective(Approval approval, Boolean requireApproval) {
    if (approval != null) {
      return approval;
    }
    return Boolean.TRUE.equals(requireApproval) ? Always : Never;
  }
}
