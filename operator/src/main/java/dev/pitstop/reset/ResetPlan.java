package dev.pitstop.reset;

import java.util.List;

/**
 * What a reset does, computed from the live catalog: which tables it empties in which order, which
 * it keeps and why, how it gets through foreign-key cycles, and what it affects beyond the emptied
 * tables.
 *
 * @param database current_database() of the target
 * @param strategy how tables are emptied
 * @param tables emptied tables in deletion order, children before parents
 * @param partitions for each emptied partitioned table, one line naming its partitions, e.g. {@code
 *     public.events (partitioned: public.events_2024, public.events_2025)}; they are emptied with
 *     it
 * @param preserved tables of the schemas that are kept, with the reason
 * @param references foreign keys from kept tables (preserved, or in other schemas) into emptied
 *     ones
 * @param deferredConstraints constraints deferred to commit to get through a cycle
 * @param nulledForeignKeys foreign keys whose nullable columns are set to NULL first to break a
 *     cycle
 * @param sequences sequences feeding emptied tables' columns (owned, identity, or called by a
 *     column default), restarted at their start value; one a kept table uses too is left alone with
 *     a warning
 * @param seeds seed scripts, in the order they run
 * @param warnings effects worth knowing before running it, one sentence each
 * @param privileges the privileges checked (all granted, else the plan is refused), one line each
 */
public record ResetPlan(
    String database,
    DeletionStrategy strategy,
    List<PlannedTable> tables,
    List<String> partitions,
    List<PreservedTable> preserved,
    List<TableReference> references,
    List<String> deferredConstraints,
    List<String> nulledForeignKeys,
    List<String> sequences,
    List<String> seeds,
    List<String> warnings,
    List<String> privileges) {

  public ResetPlan {
    tables = List.copyOf(tables);
    partitions = List.copyOf(partitions);
    preserved = List.copyOf(preserved);
    references = List.copyOf(references);
    deferredConstraints = List.copyOf(deferredConstraints);
    nulledForeignKeys = List.copyOf(nulledForeignKeys);
    sequences = List.copyOf(sequences);
    seeds = List.copyOf(seeds);
    warnings = List.copyOf(warnings);
    privileges = List.copyOf(privileges);
  }

  /** The emptied tables' names in deletion order. */
  public List<String> order() {
    return tables.stream().map(PlannedTable::name).toList();
  }

  /**
   * An emptied table.
   *
   * @param name {@code schema.table}
   * @param rows rows it held when planned, or -1 when not counted (a run counts while deleting)
   * @param keptRows rows that survive ({@code preserveRows} and what they reference), -1 if not
   *     counted
   * @param truncated whether it is emptied by TRUNCATE (else DELETE)
   * @param checksSkipped whether its DELETE skips PostgreSQL's per-row foreign-key checks, because
   *     every table referencing it is emptied before it (see the engine's documentation)
   */
  public record PlannedTable(
      String name, long rows, long keptRows, boolean truncated, boolean checksSkipped) {}

  /**
   * A table of the schemas that is kept.
   *
   * @param name {@code schema.table}
   * @param reason why, e.g. {@code preserveTables[0] (payload_*)} or {@code Flyway history}
   */
  public record PreservedTable(String name, String reason) {}

  /**
   * A foreign key from a kept table into an emptied one.
   *
   * @param constraint {@code schema.constraint}
   * @param from the kept, referencing table
   * @param to the emptied, referenced table
   * @param onDelete its ON DELETE action, e.g. {@code NO ACTION} or {@code CASCADE}
   * @param affectedRows rows of {@code from} that reference rows being deleted, -1 if not counted
   */
  public record TableReference(
      String constraint, String from, String to, String onDelete, long affectedRows) {

    /** One line for plans and status. */
    public String describe() {
      return from
          + " references "
          + to
          + " ("
          + constraint
          + ", ON DELETE "
          + onDelete
          + (affectedRows > 0 ? ", " + affectedRows + " row(s) affected" : "")
          + ")";
    }
  }
}
