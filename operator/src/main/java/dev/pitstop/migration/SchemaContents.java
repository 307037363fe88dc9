package dev.pitstop.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a schema holds, as Flyway decides whether a schema is empty on PostgreSQL: tables, views,
 * sequences, types (other than arrays and row types) and functions or procedures, not counting
 * objects that belong to an extension. Unlike Flyway, Pitstop's own bookkeeping does not count:
 * history tables (Flyway's columns) and maintenance mode tables (the mode table's, the holders
 * table's and the blocked roles table's columns), whatever their names.
 *
 * @param count how many objects the schema holds
 * @param first the first few of them, e.g. {@code table items}, by kind and name
 */
record SchemaContents(int count, List<String> first) {

  /** How many objects {@link #first} names at most. */
  static final int SHOWN = 5;

  private static final String COLUMNS_OF =
      "(SELECT array_agg(a.attname::text) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid"
          + " AND a.attnum > 0 AND NOT a.attisdropped)";

  private static final String BOOKKEEPING =
      COLUMNS_OF
          + " @> ARRAY['installed_rank', 'version', 'description', 'type', 'script', 'checksum',"
          + " 'installed_by', 'installed_on', 'execution_time', 'success']"
          + " OR "
          + COLUMNS_OF
          + " @> ARRAY['mode', 'pending_tasks_count', 'running_tasks_count', 'mode_changed_at']"
          + " OR "
          + COLUMNS_OF
          + " <@ ARRAY['holder', 'state', 'expires_at', 'since'] AND "
          + COLUMNS_OF
          + " @> ARRAY['holder', 'state', 'expires_at', 'since']"
          + " OR "
          + COLUMNS_OF
          + " <@ ARRAY['role', 'holder', 'original_connection_limit', 'blocked_at'] AND "
          + COLUMNS_OF
          + " @> ARRAY['role', 'holder', 'original_connection_limit', 'blocked_at']";

  private static final String QUERY =
      "SELECT kind, name, count(*) OVER () FROM ("
          + " SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END"
          + " AS kind, c.relname::text AS name"
          + " FROM pg_catalog.pg_class c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " LEFT JOIN pg_catalog.pg_depend d ON d.objid = c.oid AND d.deptype = 'e'"
          + " WHERE n.nspname = ? AND d.objid IS NULL AND c.relkind IN ('r', 'v', 'S', 't')"
          + " AND NOT (c.relkind = 'r' AND coalesce("
          + BOOKKEEPING
          + ", false))"
          + " UNION ALL"
          + " SELECT 'type', t.typname::text FROM pg_catalog.pg_type t"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
          + " LEFT JOIN pg_catalog.pg_depend d ON d.objid = t.oid AND d.deptype = 'e'"
          + " WHERE n.nspname = ? AND d.objid IS NULL AND t.typcategory NOT IN ('A', 'C')"
          + " UNION ALL"
          + " SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,"
          + " p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'"
          + " FROM pg_catalog.pg_proc p"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
          + " LEFT JOIN pg_catalog.pg_depend d ON d.objid = p.oid AND d.deptype = 'e'"
          + " WHERE n.nspname = ? AND d.objid IS NULL"
          + ") o ORDER BY kind <> 'table', kind, name LIMIT "
          + SHOWN;

  /** Reads what {@code schema} holds; a schema that does not exist holds nothing. */
  static SchemaContents of(Connection connection, String schema) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
      statement.setString(1, schema);
      statement.setString(2, schema);
      statement.setString(3, schema);
      int count = 0;
      List<String> first = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          first.add(rows.getString(1) + " " + rows.getString(2));
          count = rows.getInt(3);
        }
      }
      return new SchemaContents(count, first);
    }
  }

  boolean empty() {
    return count == 0;
  }

  /** The objects as a phrase: {@code table a, view b and 3 more}. */
  String describe() {
    String named = String.join(", ", first);
    return count > first.size() ? named + " and " + (count - first.size()) + " more" : named;
  }
}
