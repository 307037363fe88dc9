package dev.pitstop.reset;

import dev.pitstop.reset.ResetPlan.TableReference;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Foreign keys from kept tables (preserved ones, history tables, and tables of other schemas) into
 * emptied tables. Each is counted: how many kept rows reference a row that the reset deletes (rows
 * kept by preserveRows, and the rows they reference, do not count). Any such row refuses the reset
 * before anything is deleted, whatever the key's ON DELETE action: NO ACTION and RESTRICT would
 * make the delete fail, and CASCADE, SET NULL and SET DEFAULT would change the kept table. TRUNCATE
 * cannot empty a table any kept table references at all, whatever its rows.
 *
 * @param references every such key, counted
 */
record ReferencingTables(List<TableReference> references) {

  /**
   * Checks the references.
   *
   * @param emptied oids of emptied tables
   * @param truncated oids of tables emptied by TRUNCATE
   * @param keeping oids of emptied tables that may keep rows (marked in {@link KeptRows})
   * @throws ResetException {@link ResetErrorCode#PRESERVED_TABLE_REFERENCES} naming the constraint
   */
  static ReferencingTables check(
      Connection connection,
      ForeignKeyGraph graph,
      Set<Long> emptied,
      Set<Long> truncated,
      Set<Long> keeping)
      throws SQLException {
    List<TableReference> references = new ArrayList<>();
    for (ForeignKey key : graph.foreignKeys()) {
      if (emptied.contains(key.child()) || !emptied.contains(key.parent())) {
        continue;
      }
      CatalogTable from = graph.table(key.child());
      CatalogTable to = graph.table(key.parent());
      String kind = from.inSchemas() ? "Preserved table " : "Table ";
      if (truncated.contains(key.parent())) {
        throw new ResetException(
            ResetErrorCode.PRESERVED_TABLE_REFERENCES,
            key.name().toString(),
            kind
                + from.name()
                + " references "
                + to.name()
                + " through "
                + key.name()
                + ", so TRUNCATE cannot empty "
                + to.name()
                + "; use strategy Delete, or preserve "
                + to.name()
                + ". Nothing was deleted.");
      }
      long rows = countReferencing(connection, key, from, to, keeping.contains(to.oid()));
      TableReference reference =
          new TableReference(
              key.name().toString(),
              from.name().toString(),
              to.name().toString(),
              key.onDeleteText(),
              rows);
      references.add(reference);
      if (rows == 0) {
        continue;
      }
      String effect =
          switch (key.onDelete()) {
            case 'c' -> "would delete them";
            case 'n' -> "would set their key to NULL";
            case 'd' -> "would set their key to its default";
            default -> "would make the delete fail";
          };
      throw new ResetException(
          ResetErrorCode.PRESERVED_TABLE_REFERENCES,
          key.name().toString(),
          kind
              + from.name()
              + " has "
              + rows
              + " row(s) referencing rows of "
              + to.name()
              + " that the reset would delete, and "
              + key.name()
              + " (ON DELETE "
              + key.onDeleteText()
              + ") "
              + effect
              + (key.blocksDelete() ? "" : ", but a reset never changes a kept table")
              + "; keep the referenced rows with preserveRows, preserve "
              + to.name()
              + ", or empty "
              + from.name()
              + " too. Nothing was deleted.");
    }
    return new ReferencingTables(List.copyOf(references));
  }

  /** Rows of {@code from} referencing a row of {@code to} that is not kept. */
  private static long countReferencing(
      Connection connection, ForeignKey key, CatalogTable from, CatalogTable to, boolean keeping)
      throws SQLException {
    String join =
        IntStream.range(0, key.childColumns().size())
            .mapToObj(
                i ->
                    "p."
                        + SqlIdentifiers.quote(key.parentColumns().get(i))
                        + " = c."
                        + SqlIdentifiers.quote(key.childColumns().get(i)))
            .collect(Collectors.joining(" AND "));
    String sql =
        "SELECT count(*) FROM "
            + from.target()
            + " c WHERE EXISTS (SELECT 1 FROM "
            + to.target()
            + " p WHERE "
            + join
            + (keeping ? " AND NOT " + KeptRows.isKept("p") : "")
            + ")";
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }
}
