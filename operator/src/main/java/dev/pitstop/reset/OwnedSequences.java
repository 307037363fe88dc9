package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Sequences owned by emptied tables (serial and identity columns), restarted so that seeds get the
 * same ids every time. {@code ALTER SEQUENCE ... RESTART} is transactional, unlike {@code setval}
 * alone, so a failed reset leaves every sequence at its old value. A table that keeps rows gets its
 * sequence moved past the highest kept value instead, so seeds do not collide with kept rows.
 */
final class OwnedSequences {
  private static final String OWNED =
      "SELECT d.refobjid, n.nspname, s.relname, a.attname, q.seqstart, q.seqincrement"
          + " FROM pg_catalog.pg_depend d"
          + " JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace"
          + " JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid"
          + " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid"
          + "  AND a.attnum = d.refobjsubid"
          + " WHERE d.classid = 'pg_catalog.pg_class'::regclass"
          + " AND d.refclassid = 'pg_catalog.pg_class'::regclass"
          + " AND d.deptype IN ('a', 'i') AND d.refobjid = ANY (?)"
          + " ORDER BY n.nspname, s.relname";

  /** A sequence and the column it feeds. */
  record Owned(long table, QualifiedName sequence, String column, long start, long increment) {}

  private OwnedSequences() {}

  /** Lists the sequences owned by these tables. */
  static List<Owned> of(Connection connection, List<CatalogTable> tables) throws SQLException {
    Array oids =
        connection.createArrayOf("int8", tables.stream().map(t -> (Object) t.oid()).toArray());
    List<Owned> owned = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(OWNED)) {
      statement.setArray(1, oids);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          owned.add(
              new Owned(
                  rows.getLong(1),
                  new QualifiedName(rows.getString(2), rows.getString(3)),
                  rows.getString(4),
                  rows.getLong(5),
                  rows.getLong(6)));
        }
      }
    }
    return owned;
  }

  /** Restarts each sequence; for tables in {@code keeping}, moves it past the kept rows' values. */
  static void restart(
      Connection connection, List<Owned> sequences, ForeignKeyGraph graph, Set<Long> keeping)
      throws SQLException {
    try (Statement statement = connection.createStatement();
        PreparedStatement setval =
            connection.prepareStatement("SELECT setval(CAST(? AS regclass), ?, true)")) {
      for (Owned owned : sequences) {
        statement.execute("ALTER SEQUENCE " + owned.sequence().sql() + " RESTART");
        if (!keeping.contains(owned.table())) {
          continue;
        }
        String extreme = owned.increment() > 0 ? "max" : "min";
        try (ResultSet row =
            statement.executeQuery(
                "SELECT "
                    + extreme
                    + "("
                    + SqlIdentifiers.quote(owned.column())
                    + ")::bigint FROM "
                    + graph.table(owned.table()).target())) {
          row.next();
          long value = row.getLong(1);
          boolean beyondStart =
              owned.increment() > 0 ? value >= owned.start() : value <= owned.start();
          if (!row.wasNull() && beyondStart) {
            setval.setString(1, owned.sequence().sql());
            setval.setLong(2, value);
            setval.executeQuery().close();
          }
        }
      }
    }
  }
}
