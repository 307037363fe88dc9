package dev.pitstop.cleanup;

import java.util.ArrayList;
import java.util.List;

/** Turns what the engine does into listener calls, remembering the rules already finished. */
final class RunReporter {
  private final CleanupListener listener;
  private final TimeBudget budget;
  private final int rulesTotal;
  private final List<RuleOutcome> finished = new ArrayList<>();

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

  void batch(BatchReport report) {
    listener.onBatch(report);
  }

  void finished(RuleOutcome outcome) {
    finished.add(outcome);
    listener.onRuleFinished(outcome);
  }
}
