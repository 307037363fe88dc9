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
import java.util.concurrent.ThreadLocalRandom;

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
      boolean hasDefault,
      boolean generated,
      boolean identity) {}

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

    /** {@code schema.name} as shown to users, each part quoted when it needs it. */
    String qualified() {
      return CatalogReader.qualified(schema, name);
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
          + " || a.attnotnull::int || a.attisdropped::int || a.atthasdef::int"
          + " || (a.attgenerated <> '')::int || (a.attidentity <> '')::int"
          + " || ',' || a.attname"
          + " FROM pg_catalog.pg_attribute a"
          + " WHERE a.attrelid = c.oid AND a.attnum > 0"
          + " AND c.relkind IN ('r', 'p', 'm', 'f', 'i', 'I')"
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
  private static final String SESSION_LOCKS =
      " FROM pg_catalog.pg_locks l"
          + " WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
          // Below 16384 (FirstNormalObjectId) are the system catalogs that DDL always locks.
          + " AND l.relation >= 16384"
          + " AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d"
          + " WHERE d.datname = pg_catalog.current_database())";

  private static final String LOCKS =
      "SELECT l.relation::int8, l.mode, pg_catalog.current_setting('lock_timeout')" + SESSION_LOCKS;

  /**
   * The session's locks and, in the same round trip, the locked relations and the indexes of those
   * that are tables: lock rows carry the relation and mode in the last two columns, relation rows
   * the columns of {@link #SELECT} and nulls there.
   */
  private static final String LOCKED =
      "WITH l AS (SELECT l.relation, l.mode"
          + SESSION_LOCKS
          + ") SELECT NULL::int8, NULL::name, NULL::name, NULL::text, NULL::int8, NULL::int8,"
          + " NULL::bool, NULL::text[], NULL::text[], l.relation::int8, l.mode,"
          + " pg_catalog.current_setting('lock_timeout') FROM l UNION ALL "
          + SELECT.replace(
              " FROM pg_catalog.pg_class c",
              ", NULL::int8, NULL::text, NULL::text FROM (SELECT l.relation AS oid FROM l UNION"
                  + " SELECT i.indexrelid FROM pg_catalog.pg_index i"
                  + " WHERE i.indrelid IN (SELECT l.relation FROM l)) w"
                  + " JOIN pg_catalog.pg_class c ON c.oid = w.oid")
          + USER_RELATIONS;

  /** The session's relation locks, and its lock_timeout. */
  record Locks(Map<Long, List<String>> modes, String lockTimeout) {}

  /**
   * The session's locks and the state of the relations it has locked; {@code relations} is null
   * when only the locks were read.
   */
  record Locked(Locks locks, Map<Long, Relation> relations) {}

  private final Connection connection;
  private PreparedStatement some;
  private PreparedStatement renumber;

  /** Suffix of this reader's server-side prepared statements (PREPARE is not transactional). */
  private final String prepareSuffix =
      Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);

  private boolean prepared;

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

  /**
   * The oids the relations of these names have now, by the oid each had when read: a relation
   * created again under the same name (a migration applied again) has a new oid. Those that no
   * longer exist are left out.
   */
  Map<Long, Long> renumbered(Collection<Relation> relations) throws SQLException {
    if (relations.isEmpty()) {
      return Map.of();
    }
    List<Long> oids = new ArrayList<>();
    List<String> schemas = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Relation r : relations) {
      oids.add(r.oid());
      schemas.add(r.schema());
      names.add(r.name());
    }
    if (renumber == null) {
      renumber =
          connection.prepareStatement(
              "SELECT w.was, c.oid::int8 FROM unnest(?::int8[], ?::text[], ?::text[])"
                  + " AS w(was, nspname, relname)"
                  + " JOIN pg_catalog.pg_namespace n ON n.nspname = w.nspname"
                  + " JOIN pg_catalog.pg_class c"
                  + " ON c.relnamespace = n.oid AND c.relname = w.relname");
    }
    renumber.setArray(1, connection.createArrayOf("int8", oids.toArray()));
    renumber.setArray(2, connection.createArrayOf("text", schemas.toArray()));
    renumber.setArray(3, connection.createArrayOf("text", names.toArray()));
    Map<Long, Long> now = new LinkedHashMap<>();
    try (ResultSet rows = renumber.executeQuery()) {
      while (rows.next()) {
        now.put(rows.getLong(1), rows.getLong(2));
      }
    }
    return now;
  }

  private static Locks readLocks(ResultSet rows) throws SQLException {
    Map<Long, List<String>> modes = new LinkedHashMap<>();
    String timeout = null;
    while (rows.next()) {
      modes.computeIfAbsent(rows.getLong(1), k -> new ArrayList<>()).add(rows.getString(2));
      timeout = rows.getString(3);
    }
    return new Locks(modes, timeout);
  }

  /**
   * Runs {@code sql} (one statement or several) and then, in the same round trip, reads the
   * session's relation locks (granted, in this database, not on system catalogs) and, unless {@code
   * locksOnly}, the locked relations and the indexes of those that are tables, in one snapshot of
   * the catalogs, as they are right after it. A statement that fails throws before anything is
   * read.
   */
  Locked executeThenRead(Statement statement, String sql, boolean locksOnly) throws SQLException {
    return readAfter(statement, sql + "\n;\n", locksOnly);
  }

  /** As {@link #executeThenRead}, after a statement that had to run on its own. */
  Locked read(Statement statement, boolean locksOnly) throws SQLException {
    return readAfter(statement, "", locksOnly);
  }

  private Locked readAfter(Statement statement, String before, boolean locksOnly)
      throws SQLException {
    if (!prepared) {
      prepare(statement);
    }
    boolean isResult =
        statement.execute(before + "EXECUTE " + name(locksOnly ? "locks" : "locked"));
    ResultSet last = null;
    while (true) {
      if (isResult) {
        last = statement.getResultSet();
      } else if (statement.getUpdateCount() == -1) {
        // The end of the results, or the result of a CALL, which the driver reports the same
        // way: one more look tells them apart.
        isResult = statement.getMoreResults(Statement.KEEP_CURRENT_RESULT);
        if (!isResult && statement.getUpdateCount() == -1) {
          break;
        }
        continue;
      }
      isResult = statement.getMoreResults(Statement.KEEP_CURRENT_RESULT);
    }
    if (last == null) {
      throw new SQLException("the catalog read after the statement returned no rows");
    }
    try (ResultSet rows = last) {
      return locksOnly ? new Locked(readLocks(rows), null) : readLocked(rows);
    }
  }

  private static Locked readLocked(ResultSet rows) throws SQLException {
    Map<Long, List<String>> modes = new LinkedHashMap<>();
    Map<Long, Relation> relations = new HashMap<>();
    String timeout = null;
    while (rows.next()) {
      long lockedOid = rows.getLong(10);
      if (rows.wasNull()) {
        Relation r = relation(rows);
        relations.put(r.oid(), r);
      } else {
        modes.computeIfAbsent(lockedOid, k -> new ArrayList<>()).add(rows.getString(11));
        timeout = rows.getString(12);
      }
    }
    return new Locked(new Locks(modes, timeout), relations);
  }

  /**
   * Prepares the reads on the server, once, so the read appended to each statement is not planned
   * again; those a DEALLOCATE or DISCARD left in place are kept.
   */
  private void prepare(Statement statement) throws SQLException {
    List<String> existing = new ArrayList<>();
    try (ResultSet rows =
        statement.executeQuery(
            "SELECT name FROM pg_catalog.pg_prepared_statements WHERE name IN ('"
                + name("locks")
                + "', '"
                + name("locked")
                + "')")) {
      while (rows.next()) {
        existing.add(rows.getString(1));
      }
    }
    if (!existing.contains(name("locks"))) {
      statement.execute("PREPARE " + name("locks") + " AS " + LOCKS);
    }
    if (!existing.contains(name("locked"))) {
      statement.execute("PREPARE " + name("locked") + " AS " + LOCKED);
    }
    prepared = true;
  }

  /** After DISCARD or DEALLOCATE: the server-side reads may be gone; checked before the next. */
  void forgetPrepared() {
    prepared = false;
  }

  private String name(String what) {
    return "pitstop_impact_" + what + "_" + prepareSuffix;
  }

  void close() {
    if (prepared) {
      try (Statement s = connection.createStatement()) {
        s.execute("DEALLOCATE " + name("locks") + ";\nDEALLOCATE " + name("locked"));
      } catch (SQLException e) {
        // the session is going away with the scratch database
      }
    }
    for (PreparedStatement statement : new PreparedStatement[] {some, renumber}) {
      if (statement != null) {
        try {
          statement.close();
        } catch (SQLException e) {
          // the session is going away with the scratch database
        }
      }
    }
  }

  private static Map<Long, Relation> read(ResultSet rows) throws SQLException {
    Map<Long, Relation> result = new HashMap<>();
    while (rows.next()) {
      Relation r = relation(rows);
      result.put(r.oid(), r);
    }
    return result;
  }

  /** The relation of the current row, in the columns of {@link #SELECT}. */
  private static Relation relation(ResultSet rows) throws SQLException {
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
              p[3].charAt(2) == '1',
              p[3].charAt(3) == '1',
              p[3].charAt(4) == '1'));
    }
    Map<Long, Constraint> constraints = new LinkedHashMap<>();
    for (String c : strings(rows.getArray(9))) {
      String[] p = c.split(",", 5);
      int length = Integer.parseInt(p[3]);
      String name = p[4].substring(0, length);
      String definition = p[4].length() > length ? p[4].substring(length) : null;
      constraints.put(
          Long.parseLong(p[0]),
          new Constraint(Long.parseLong(p[0]), name, p[1].charAt(0), p[2].equals("1"), definition));
    }
    return new Relation(
        oid,
        rows.getString(2),
        rows.getString(3),
        rows.getString(4).charAt(0),
        rows.getLong(5),
        rows.getLong(6),
        rows.getBoolean(7),
        columns,
        constraints);
  }

  private static String[] strings(Array array) throws SQLException {
    return array == null ? new String[0] : (String[]) array.getArray();
  }
}
