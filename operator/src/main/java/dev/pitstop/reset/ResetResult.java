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
 */
public record ResetResult(
    ResetPlan plan,
    List<TableResult> tables,
    long rowsDeleted,
    List<String> seeds,
    long durationMs) {

  public ResetResult {
    tables = List.copyOf(tables);
    seeds = List.copyOf(seeds);
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
