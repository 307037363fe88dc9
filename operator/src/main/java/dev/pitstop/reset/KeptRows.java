package dev.pitstop.reset;

import dev.pitstop.sql.SqlCondition;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The rows a reset keeps, marked by (table oid, ctid) in a temporary table that disappears with the
 * transaction: rows matching a {@code preserveRows} expression, then, until nothing changes, every
 * row a kept row references. While resetting, marked rows are locked FOR SHARE so that a concurrent
 * update cannot move them (and so unmark them) before the deletes.
 */
final class KeptRows {
  /** Where marked rows live; {@code rel} is the partition holding the row. */
  static final String TABLE = "pg_temp.pitstop_reset_keep";

  private final Connection connection;
  private final boolean lock;

  private KeptRows(Connection connection, boolean lock) {
    this.connection = connection;
    this.lock = lock;
  }

  /**
   * Creates the table and marks the rows to keep.
   *
   * @param lock whether to lock kept rows FOR SHARE (a plan does not)
   * @param keys foreign keys; those between two {@code keeping} tables are followed
   */
  static KeptRows mark(
      Connection connection,
      Map<KeepRows, CatalogTable> keep,
      Set<Long> keeping,
      ForeignKeyGraph graph,
      boolean lock)
      throws SQLException {
    KeptRows kept = new KeptRows(connection, lock);
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TEMPORARY TABLE pitstop_reset_keep (rel oid NOT NULL, tid tid NOT NULL,"
              + " PRIMARY KEY (rel, tid)) ON COMMIT DROP");
      statement.setEscapeProcessing(false);
      for (Map.Entry<KeepRows, CatalogTable> entry : keep.entrySet()) {
        statement.executeUpdate(
            "INSERT INTO "
                + TABLE
                + " (rel, tid) SELECT tableoid, ctid FROM "
                + entry.getValue().target()
                + " WHERE "
                + SqlCondition.parenthesized(entry.getKey().where())
                + kept.lockClause(null)
                + " ON CONFLICT DO NOTHING");
      }
      List<ForeignKey> followed =
          graph.foreignKeys().stream()
              .filter(k -> keeping.contains(k.child()) && keeping.contains(k.parent()))
              .toList();
      int added;
      do {
        added = 0;
        for (ForeignKey key : followed) {
          added += statement.executeUpdate(kept.followSql(key, graph));
        }
      } while (added > 0);
    }
    return kept;
  }

  /** Rows of {@code table} that are kept. */
  long count(CatalogTable table) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT count(*) FROM " + table.target() + " t WHERE " + isKept("t"))) {
      row.next();
      return row.getLong(1);
    }
  }

  /** A condition on the row alias {@code alias}: the row is marked as kept. */
  static String isKept(String alias) {
    return "EXISTS (SELECT 1 FROM "
        + TABLE
        + " k WHERE k.rel = "
        + alias
        + ".tableoid AND k.tid = "
        + alias
        + ".ctid)";
  }

  /** Marks the parent rows referenced by kept rows of the key's child table. */
  private String followSql(ForeignKey key, ForeignKeyGraph graph) {
    String join =
        IntStream.range(0, key.childColumns().size())
            .mapToObj(
                i ->
                    "p."
                        + SqlIdentifiers.quote(key.parentColumns().get(i))
                        + " = c."
                        + SqlIdentifiers.quote(key.childColumns().get(i)))
            .collect(Collectors.joining(" AND "));
    return "INSERT INTO "
        + TABLE
        + " (rel, tid) SELECT p.tableoid, p.ctid FROM "
        + TABLE
        + " k JOIN "
        + graph.table(key.child()).target()
        + " c ON c.tableoid = k.rel AND c.ctid = k.tid JOIN "
        + graph.table(key.parent()).target()
        + " p ON "
        + join
        + lockClause("p")
        + " ON CONFLICT DO NOTHING";
  }

  private String lockClause(String alias) {
    if (!lock) {
      return "";
    }
    return alias == null ? " FOR SHARE" : " FOR SHARE OF " + alias;
  }
}
