package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds INVALID indexes that a failed {@code CREATE INDEX CONCURRENTLY} leaves behind, to report
 * them with the failure ({@link InterruptedIndexWork} drops them before the statement runs again).
 * The index name and table are read from the statement's leading tokens; an unnamed concurrent
 * index is reported after a failure but cannot be matched to a statement later.
 */
final class InvalidIndexes {

  private InvalidIndexes() {}

  /** The index and table named by a concurrent index build, as SQL text. */
  record Target(String indexName, String tableText) {}

  /**
   * The index and table of {@code CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] [name] ON
   * [ONLY] table}, as {@link InterruptedIndexWork#parse} reads them; the name is {@code null} when
   * PostgreSQL chooses it, the target {@code null} if not understood.
   */
  static Target target(SqlStatement statement) {
    InterruptedIndexWork.Build build = InterruptedIndexWork.parse(statement);
    return build == null ? null : new Target(build.indexName(), build.tableText());
  }

  /** Returns the INVALID indexes on the target's table (only the named one if it has a name). */
  static List<QualifiedName> onTable(Connection connection, Target target) throws SQLException {
    List<QualifiedName> names = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_index i"
                + " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE NOT i.indisvalid AND i.indrelid = to_regclass(?)"
                + " AND (?::text IS NULL OR c.relname = ?) ORDER BY 1, 2")) {
      statement.setString(1, target.tableText());
      statement.setString(2, target.indexName());
      statement.setString(3, target.indexName());
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          names.add(new QualifiedName(rows.getString(1), rows.getString(2)));
        }
      }
    }
    return names;
  }
}
