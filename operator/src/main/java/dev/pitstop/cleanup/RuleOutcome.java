package dev.pitstop.cleanup;

import java.time.Duration;
import java.util.List;

/**
 * What one rule did in a run.
 *
 * @param name the rule's name
 * @param table the table, schema-qualified
 * @param state how the rule ended
 * @param matched rows the rule matched: in a dry run the count, else deleted plus remaining; null
 *     if counting timed out or the rule never started
 * @param deleted rows deleted
 * @param remaining rows still matching when the rule ended (e.g. locked by the application, or left
 *     at maxDuration); null if not counted
 * @param batches batches committed
 * @param duration time spent on the rule
 * @param longestBatch the longest batch transaction
 * @param message why the rule stopped early or failed; null when it finished
 * @param cascades what the deleted rows deleted or changed in tables through foreign keys (in a dry
 *     run: would); empty when nothing
 */
public record RuleOutcome(
    String name,
    String table,
    RuleState state,
    Long matched,
    long deleted,
    Long remaining,
    int batches,
    Duration duration,
    Duration longestBatch,
    String message,
    List<CascadeCount> cascades) {

  public RuleOutcome {
    cascades = cascades == null ? List.of() : List.copyOf(cascades);
  }

  /** An outcome that reached no other table. */
  public RuleOutcome(
      String name,
      String table,
      RuleState state,
      Long matched,
      long deleted,
      Long remaining,
      int batches,
      Duration duration,
      Duration longestBatch,
      String message) {
    this(
        name,
        table,
        state,
        matched,
        deleted,
        remaining,
        batches,
        duration,
        longestBatch,
        message,
        List.of());
  }

  /** Whether rows that match are left behind. */
  public boolean leftRows() {
    boolean stoppedEarly = state != RuleState.DONE && state != RuleState.COUNTED;
    return stoppedEarly || (remaining != null && remaining > 0);
  }
}
