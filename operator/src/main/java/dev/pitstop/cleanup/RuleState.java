package dev.pitstop.cleanup;

/** How a rule ended in a run. */
public enum RuleState {
  /** Dry run: matching rows were counted, nothing deleted. */
  COUNTED,
  /** No more matching rows that could be deleted (rows locked by others are left). */
  DONE,
  /** The run's maxDuration was reached before or while the rule ran. */
  MAX_DURATION,
  /** Batches kept hitting lock or statement timeouts, even shrunk; the rule was left for later. */
  BUSY,
  /** Another runner held the rule's advisory lock until maxDuration. */
  LOCK_HELD,
  /** The run was interrupted (e.g. the operator shut down); committed batches are kept. */
  INTERRUPTED,
  /** A batch failed for a reason retrying would not fix; committed batches are kept. */
  FAILED
}
