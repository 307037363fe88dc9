package dev.pitstop.cleanup;

import java.util.ArrayList;
import java.util.List;

/** Turns what the engine does into listener calls, remembering the rules already finished. */
final class RunReporter {
  private final CleanupListener listener;
  private final TimeBudget budget;
  private final int rulesTotal;
  private final List<RuleOutcome> finished = new ArrayList<>();
  private ResolvedRule current;
  private long currentStart;
  private long currentDeleted;
  private int currentBatches;
  private java.time.Duration currentLongest = java.time.Duration.ZERO;
  private List<CascadeCount> currentCascades = List.of();

  RunReporter(CleanupListener listener, TimeBudget budget, int rulesTotal) {
    this.listener = listener;
    this.budget = budget;
    this.rulesTotal = rulesTotal;
  }

  /** Rules finished so far, in order. */
  List<RuleOutcome> finished() {
    return List.copyOf(finished);
  }

  void progress(
      CleanupProgress.Activity activity,
      String rule,
      Long matched,
      long deleted,
      int batches,
      int batchSize,
      String detail) {
    listener.onProgress(
        new CleanupProgress(
            activity,
            rule,
            rule == null ? finished.size() : finished.size() + 1,
            rulesTotal,
            matched,
            deleted,
            batches,
            batchSize,
            budget.elapsed(),
            detail,
            finished));
  }

  /** The engine starts working on {@code rule}: its committed batches are counted from here. */
  void starting(ResolvedRule rule) {
    current = rule;
    currentStart = System.nanoTime();
    currentDeleted = 0;
    currentBatches = 0;
    currentLongest = java.time.Duration.ZERO;
    currentCascades = List.of();
  }

  /** What the running rule's committed batches deleted or changed through foreign keys so far. */
  void cascades(List<CascadeCount> counts) {
    currentCascades = counts;
  }

  /** A batch was committed: counted at once, so a lost connection later cannot lose it. */
  void batch(BatchReport report) {
    currentDeleted += report.deleted();
    currentBatches++;
    if (report.took().compareTo(currentLongest) > 0) {
      currentLongest = report.took();
    }
    listener.onBatch(report);
  }

  void finished(RuleOutcome outcome) {
    current = null;
    finished.add(outcome);
    listener.onRuleFinished(outcome);
  }

  /**
   * The connection was lost while a rule ran: the rule ends failed with the batches it had
   * committed, which stay deleted. Nothing happens when no rule was running.
   */
  void lost(String why) {
    if (current != null) {
      finished(stopped(why));
    }
  }

  /** The running rule, failed for {@code why}, with the batches it had committed. */
  RuleOutcome stopped(String why) {
    String committed =
        currentDeleted == 0
            ? "nothing of this rule had been deleted"
            : currentDeleted
                + " row(s) of this rule were deleted in "
                + currentBatches
                + " committed batch(es) before; they stay deleted";
    String cascaded = CascadeCount.describe(currentCascades, false);
    if (!cascaded.isEmpty()) {
      committed += " (" + cascaded + ")";
    }
    return new RuleOutcome(
        current.name(),
        current.table().toString(),
        RuleState.FAILED,
        null,
        currentDeleted,
        null,
        currentBatches,
        java.time.Duration.ofNanos(System.nanoTime() - currentStart),
        currentLongest,
        why + "; " + committed,
        currentCascades);
  }
}
