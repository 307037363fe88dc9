package dev.pitstop.cleanup;

/**
 * Receives progress of a run on the calling thread. Called after every batch, so implementations
 * must be cheap (e.g. keep the latest snapshot for a status patch elsewhere).
 */
public interface CleanupListener {
  /** A listener that ignores everything. */
  CleanupListener NONE = new CleanupListener() {};

  /** The run moved on: a new rule, a batch, a busy table, a lock wait, vacuuming. */
  default void onProgress(CleanupProgress progress) {}

  /** A batch was committed. */
  default void onBatch(BatchReport batch) {}

  /** A rule finished, in whatever state. */
  default void onRuleFinished(RuleOutcome outcome) {}
}
