package dev.pitstop.api.v1alpha1;

/** Outcome of one run of a SandboxReset or CleanupSchedule. */
public enum RunResult {
  Succeeded,
  Failed,
  /** Stopped cleanly at maxDuration with rows remaining; not a failure. */
  Incomplete,
  /** A fire time that passed while the operator was down, older than startingDeadline. */
  Missed,
  /** A fire time that came while the previous run was still going. */
  Skipped
}
