package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;

/**
 * A table as the catalog shows it. Partitions are not listed: their partitioned table stands for
 * them.
 *
 * @param oid the table's oid
 * @param name schema and name
 * @param partitioned whether it is a partitioned table (emptied together with its partitions)
 * @param history why it is kept by default: a migration tool's history ({@link HistoryTables}) or a
 *     table of an extension; or {@code null}
 * @param inSchemas whether it lies in one of the request's schemas (else it only references one)
 */
record CatalogTable(
    long oid, QualifiedName name, boolean partitioned, String history, boolean inSchemas) {

  /**
   * The table as a DELETE or TRUNCATE target: without its inheritance children unless partitioned.
   */
  String target() {
    return partitioned ? name.sql() : "ONLY " + name.sql();
  }

  @Override
  public String toString() {
    return name.toString();
  }
}
