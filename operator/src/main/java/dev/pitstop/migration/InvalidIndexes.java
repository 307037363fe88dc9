package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
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
   * Parses {@code CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] [name] ON [ONLY] table}; the
   * name is {@code null} when PostgreSQL chooses it, the target {@code null} if not understood.
   */
  static Target target(SqlStatement statement) {
    try {
      return parseTarget(statement);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Target parseTarget(SqlStatement statement) {
    List<String> t = statement.leadingTokens();
    int i = statement.startsWith("CREATE", "UNIQUE") ? 4 : 3;
    if (i + 3 <= t.size()
        && t.get(i).equalsIgnoreCase("IF")
        && t.get(i + 1).equalsIgnoreCase("NOT")
        && t.get(i + 2).equalsIgnoreCase("EXISTS")) {
      i += 3;
    }
    String name = null;
    if (i < t.size() && !t.get(i).equalsIgnoreCase("ON")) {
      name = unquote(t.get(i++));
    }
    if (i >= t.size() || !t.get(i++).equalsIgnoreCase("ON")) {
      return null;
    }
    if (i < t.size() && t.get(i).equalsIgnoreCase("ONLY")) {
      i++;
    }
    StringBuilder table = new StringBuilder();
    while (i < t.size()) {
      table.append(t.get(i++));
      if (i < t.size() && t.get(i).equals(".")) {
        table.append(t.get(i++));
      } else {
        break;
      }
    }
    return table.isEmpty() ? null : new Target(name, table.toString());
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

  private static String unquote(String token) {
    if (token.length() >= 2 && token.startsWith("\"") && token.endsWith("\"")) {
      return token.substring(1, token.length() - 1).replace("\"\"", "\"");
    }
    return SqlIdentifiers.qualified(token).name();
  }
}
