package dev.pitstop.reset;

import java.util.List;

/**
 * What a committed reset did.
 *
 * @param plan the plan it followed
 * @param tables per emptied table, in deletion order: rows deleted and kept
 * @param rowsDeleted rows deleted in total
 * @param seeds seed scripts run, in order
 * @param durationMs time from the call to the commit
 * @param afterReset what ran after the commit (VACUUM (ANALYZE), REFRESH MATERIALIZED VIEW), one
 *     line each
 * @param afterResetWarnings what failed after the commit, one sentence each: the reset itself had
 *     succeeded
 */
public record ResetResult(
    ResetPlan plan,
    List<TableResult> tables,
    long rowsDeleted,
    List<String> seeds,
    long durationMs,
    List<String> afterReset,
    List<String> afterResetWarnings) {

  public ResetResult {
    tables = List.copyOf(tables);
    seeds = List.copyOf(seeds);
    afterReset = List.copyOf(afterReset);
    afterResetWarnings = List.copyOf(afterResetWarnings);
  }

  /** Every warning of the run: the plan's, then those of the work after the commit. */
  public List<String> warnings() {
    List<String> all = new java.util.ArrayList<>(plan.warnings());
    all.addAll(afterResetWarnings);
    return List.copyOf(all);
  }

  /**
   * One emptied table.
   *
   * @param name {@code schema.table}
   * @param rowsDeleted rows deleted (for TRUNCATE: counted just before it)
   * @param rowsKept rows that survived
   */
  public record TableResult(String name, long rowsDeleted, long rowsKept) {}
}
