package dev.pitstop.cleanup;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a running cleanup.
 *
 * @param activity what the engine is doing
 * @param rule the rule being worked on; null while vacuuming
 * @param ruleIndex 1-based index of that rule
 * @param rulesTotal number of rules
 * @param matched while deleting, the planner's estimate of the rule's rows; in a dry run, the
 *     count; null if not known
 * @param deleted rows the rule deleted so far
 * @param batches batches the rule committed so far
 * @param batchSize the current batch size (shrinks while the table is busy)
 * @param elapsed time since the run started
 * @param detail one sentence about the activity, e.g. who holds the lock; may be null
 * @param finished rules already finished, in order
 */
public record CleanupProgress(
    Activity activity,
    String rule,
    int ruleIndex,
    int rulesTotal,
    Long matched,
    long deleted,
    int batches,
    int batchSize,
    Duration elapsed,
    String detail,
    List<RuleOutcome> finished) {

  public CleanupProgress {
    finished = List.copyOf(finished);
  }

  /** What the engine is doing. */
  public enum Activity {
    /** Checking rules against the catalog and the server. */
    VALIDATING,
    /** Counting a rule's matching rows. */
    COUNTING,
    /** Deleting batches. */
    DELETING,
    /** A batch hit a lock or statement timeout; waiting to retry it smaller. */
    BUSY,
    /** Another runner holds the rule's advisory lock. */
    WAITING_FOR_LOCK,
    /** Running VACUUM (ANALYZE) on tables that lost rows. */
    VACUUMING
  }
}
