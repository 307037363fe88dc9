package dev.pitstop.migration.impact;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the probe compares before and after each statement, for user relations only: name,
 * kind, {@code relfilenode}, columns, constraints and, for an index, its table and validity. Reads
 * only the catalogs, in one query for the whole schema or for a set of relations.
 */
final class CatalogState {

  /** A column, as {@code pg_attribute} has it. */
  record Column(
      int attnum,
      String name,
      long typeId,
      int typeMod,
      boolean notNull,
      boolean dropped,
      boolean hasDefault) {}

  /** A constraint; {@code checkDefinition} only for validated CHECK constraints. */
  record Constraint(long oid, String name, char type, boolean validated, String checkDefinition) {}

  /** A relation. {@code table} is the indexed table of an index, else 0. */
  record Relation(
      long oid,
      String schema,
      String name,
      char kind,
      long fileNode,
      long table,
      boolean valid,
      Map<Integer, Column> columns,
      Map<Long, Constraint> constraints) {

    String qualified() {
      return schema + "." + name;
    }

    boolean isIndex() {
      return kind == 'i' || kind == 'I';
    }

    boolean isTable() {
      return kind == 'r' || kind == 'p' || kind == 'm' || kind == 'f';
    }

    /** Whether a validated CHECK constraint proves {@code column IS NOT NULL}. */
    boolean checkProvesNotNull(String column) {
      for (Constraint c : constraints.values()) {
        if (c.checkDefinition() == null || c.checkDefinition().contains(" OR ")) {
          continue;
        }
        String d = c.checkDefinition();
        if (d.contains("(" + column + " IS NOT NULL)")
            || d.contains("(\"" + column.replace("\"", "\"\"") + "\" IS NOT NULL)")) {
          return true;
        }
      }
      return false;
    }
  }

  private static final String SELECT =
      "SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relfilenode::int8,"
          + " COALESCE(x.indrelid, 0)::int8, COALESCE(x.indisvalid, true),"
          + " ARRAY(SELECT a.attnum || ',' || a.atttypid::int8 || ',' || a.atttypmod || ','"
          + " || a.attnotnull::int || a.attisdropped::int || a.atthasdef::int || ',' || a.attname"
          + " FROM pg_catalog.pg_attribute a"
          + " WHERE a.attrelid = c.oid AND a.attnum > 0 AND c.relkind IN ('r', 'p', 'm', 'f')"
          + " ORDER BY a.attnum),"
          + " ARRAY(SELECT o.oid::int8 || ',' || o.contype::text || ',' || o.convalidated::int || ','"
          + " || CASE WHEN o.contype = 'c' AND o.convalidated"
          + " THEN length(o.conname) || ',' || o.conname"
          + " || pg_catalog.pg_get_constraintdef(o.oid)"
          + " ELSE length(o.conname) || ',' || o.conname END"
          + " FROM pg_catalog.pg_constraint o WHERE o.conrelid = c.oid)"
          + " FROM pg_catalog.pg_class c";

  private static final String USER_RELATIONS =
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid"
          + " WHERE c.relkind IN ('r', 'p', 'i', 'I', 'm', 'v', 'f', 'S')"
          + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
          + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

  /** Looked up by oid through the catalogs' indexes, not by scanning pg_class. */
  private static final String SOME =
      SELECT.replace(
              " FROM pg_catalog.pg_class c",
              " FROM (SELECT unnest(?::int8[]::oid[]) AS oid UNION SELECT i.indexrelid"
                  + " FROM pg_catalog.pg_index i WHERE i.indrelid = ANY(?::int8[]::oid[])) w"
                  + " JOIN pg_catalog.pg_class c ON c.oid = w.oid")
          + USER_RELATIONS;

  // Only pg_locks: which of the locked relations are user relations is told by the query above.
  private static final String LOCKS =
      "SELECT l.relation::int8, l.mode, pg_catalog.current_setting('lock_timeout')"
          + " FROM pg_catalog.pg_locks l"
          + " WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
          + " AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d"
          + " WHERE d.datname = pg_catalog.current_database())";

  /** The session's relation locks, and its lock_timeout. */
  record Locks(Map<Long, List<String>> modes, String lockTimeout) {}

  private final Connection connection;
  private PreparedStatement some;
  private PreparedStatement locks;

  CatalogState(Connection connection) {
    this.connection = connection;
  }

  /** Every user relation of the database. */
  Map<Long, Relation> all() throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(SELECT + USER_RELATIONS)) {
      return read(rows);
    }
  }

  /** These relations and the indexes of those that are tables, as far as they exist. */
  Map<Long, Relation> of(Collection<Long> oids) throws SQLException {
    if (oids.isEmpty()) {
      return Map.of();
    }
    if (some == null) {
      some = connection.prepareStatement(SOME);
    }
    Array array = connection.createArrayOf("int8", oids.toArray());
    some.setArray(1, array);
    some.setArray(2, array);
    try (ResultSet rows = some.executeQuery()) {
      return read(rows);
    }
  }

  /** The relation locks the session holds, granted, in this database (system ones included). */
  Locks locks() throws SQLException {
    if (locks == null) {
      locks = connection.prepareStatement(LOCKS);
    }
    Map<Long, List<String>> modes = new LinkedHashMap<>();
    String timeout = null;
    try (ResultSet rows = locks.executeQuery()) {
      while (rows.next()) {
        modes.computeIfAbsent(rows.getLong(1), k -> new ArrayList<>()).add(rows.getString(2));
        timeout = rows.getString(3);
      }
    }
    return new Locks(modes, timeout);
  }

  void close() {
    for (PreparedStatement s : new PreparedStatement[] {some, locks}) {
      if (s != null) {
        try {
          s.close();
        } catch (SQLException e) {
          // the session is going away with the scratch database
        }
      }
    }
  }

  private static Map<Long, Relation> read(ResultSet rows) throws SQLException {
    Map<Long, Relation> result = new HashMap<>();
    while (rows.next()) {
      long oid = rows.getLong(1);
      Map<Integer, Column> columns = new LinkedHashMap<>();
      for (String a : strings(rows.getArray(8))) {
        String[] p = a.split(",", 5);
        columns.put(
            Integer.parseInt(p[0]),
            new Column(
                Integer.parseInt(p[0]),
                p[4],
                Long.parseLong(p[1]),
                Integer.parseInt(p[2]),
                p[3].charAt(0) == '1',
                p[3].charAt(1) == '1',
                p[3].charAt(2) == '1'));
      }
      Map<Long, Constraint> constraints = new LinkedHashMap<>();
      for (String c : strings(rows.getArray(9))) {
        String[] p = c.split(",", 5);
        int length = Integer.parseInt(p[3]);
        String name = p[4].substring(0, length);
        String definition = p[4].length() > length ? p[4].substring(length) : null;
        constraints.put(
            Long.parseLong(p[0]),
            new Constraint(
                Long.parseLong(p[0]), name, p[1].charAt(0), p[2].equals("1"), definition));
      }
      result.put(
          oid,
          new Relation(
              oid,
              rows.getString(2),
              rows.getString(3),
              rows.getString(4).charAt(0),
              rows.getLong(5),
              rows.getLong(6),
              rows.getBoolean(7),
              columns,
              constraints));
    }
    return result;
  }

  private static String[] strings(Array array) throws SQLException {
    return array == null ? new String[0] : (String[]) array.getArray();
  }
}
