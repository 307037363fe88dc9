package dev.pitstop.cleanup;

import java.util.List;

/**
 * The rules as checked against the database, before anything is deleted.
 *
 * @param rules one entry per rule, in request order
 */
public record CleanupPlan(List<PlannedRule> rules) {
  public CleanupPlan {
    rules = List.copyOf(rules);
  }

  /**
   * One checked rule.
   *
   * @param name the rule's name
   * @param table the table, schema-qualified as the catalog resolved it
   * @param deleteBy how batches pick rows: the primary key, or ctid when there is none
   * @param batchSql the statement a batch runs ({@code ?}: the cutoff if any (twice when by primary
   *     key), the previous batch's last key when walking in key order, the batch size)
   */
  public record PlannedRule(String name, String table, String deleteBy, String batchSql) {}
}
