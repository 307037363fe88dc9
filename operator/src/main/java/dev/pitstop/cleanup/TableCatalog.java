package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads what the rules need to know about tables from pg_catalog. */
final class TableCatalog {
  private final Connection connection;

  TableCatalog(Connection connection) {
    this.connection = connection;
  }

  /**
   * A table as the catalog knows it.
   *
   * @param name schema-qualified name
   * @param kind pg_class.relkind: r table, p partitioned table, v view, m materialized view, f
   *     foreign table
   * @param columns columns by name, in column order
   * @param primaryKey primary key columns in key order; empty when there is none
   * @param indexed columns that lead a valid index (an ordered walk over them is cheap)
   * @param hasChildren whether other tables inherit from it (ctids then repeat)
   * @param mayKeepRows whether a DELETE of a matching row may leave it in place: it or a table that
   *     inherits from it has an enabled row-level BEFORE DELETE trigger (which can return NULL), a
   *     DELETE rule, or row-level security (a DELETE policy may be narrower than the SELECT one)
   */
  record Table(
      QualifiedName name,
      char kind,
      Map<String, Column> columns,
      List<String> primaryKey,
      Set<String> indexed,
      boolean hasChildren,
      boolean mayKeepRows) {
    boolean isTable() {
      return kind == 'r' || kind == 'p';
    }

    String kindName() {
      return switch (kind) {
        case 'v' -> "a view";
        case 'm' -> "a materialized view";
        case 'f' -> "a foreign table";
        case 'S' -> "a sequence";
        case 'i', 'I' -> "an index";
        case 'c' -> "a composite type";
        default -> "not a table";
      };
    }

    /** The column as stored: an exact match, else the lower-case spelling. */
    Optional<String> column(String name) {
      if (columns.containsKey(name)) {
        return Optional.of(name);
      }
      String folded = name.toLowerCase(Locale.ROOT);
      return columns.containsKey(folded) ? Optional.of(folded) : Optional.empty();
    }
  }

  /**
   * A column.
   *
   * @param typeOid pg_type oid
   * @param type the type as SQL, from the server's {@code format_type}
   */
  record Column(long typeOid, String type) {}

  /**
   * Relations whose name is {@code name} but for case (at most two; without a schema, those
   * search_path makes visible): for a hint when {@link #find} finds none, since a name without
   * double quotes is folded to lower case.
   */
  List<QualifiedName> spelledInOtherCase(QualifiedName name) throws SQLException {
    String sql =
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE lower(c.relname) = lower(?) AND c.relname <> ?"
            + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            + (name.schema() == null
                ? " AND pg_catalog.pg_table_is_visible(c.oid)"
                : " AND lower(n.nspname) = lower(?)")
            + " ORDER BY n.nspname, c.relname LIMIT 2";
    List<QualifiedName> found = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name.name());
      statement.setString(2, name.name());
      if (name.schema() != null) {
        statement.setString(3, name.schema());
      }
      try (ResultSet row = statement.executeQuery()) {
        while (row.next()) {
          found.add(new QualifiedName(row.getString(1), row.getString(2)));
        }
      }
    }
    return found;
  }

  /** Finds a table-like relation; without a schema, the one search_path makes visible. */
  Optional<Table> find(QualifiedName name) throws SQLException {
    String sql =
        "SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ?"
            + (name.schema() == null
                ? " AND pg_catalog.pg_table_is_visible(c.oid)"
                : " AND n.nspname = ?");
    long oid;
    QualifiedName resolved;
    char kind;
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name.name());
      if (name.schema() != null) {
        statement.setString(2, name.schema());
      }
      try (ResultSet row = statement.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        oid = row.getLong(1);
        resolved = new QualifiedName(row.getString(2), row.getString(3));
        kind = row.getString(4).charAt(0);
      }
    }
    return Optional.of(
        new Table(
            resolved,
            kind,
            columns(oid),
            primaryKey(oid),
            indexedColumns(oid),
            hasChildren(oid),
            mayKeepRows(oid)));
  }

  /**
   * The foreign keys that deleting rows of {@code root} acts through, followed from table to table
   * along {@code ON DELETE CASCADE} keys.
   *
   * @param withChildren whether the rule's batches delete from {@code root}'s inheritance children
   *     and partitions too
   */
  CascadeGraph cascades(QualifiedName root, boolean withChildren) throws SQLException {
    long rootOid;
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_catalog.to_regclass(?)::oid")) {
      statement.setString(1, root.sql());
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        rootOid = row.getLong(1);
      }
    }
    List<Long> oids = new ArrayList<>(List.of(rootOid));
    List<CascadeGraph.Node> nodes = new ArrayList<>();
    nodes.add(
        new CascadeGraph.Node(
            root,
            relations(rootOid, withChildren),
            withChildren ? root.sql() : "ONLY " + root.sql()));
    List<CascadeGraph.Edge> edges = new ArrayList<>();
    String sql =
        "SELECT c.conrelid, n.nspname, r.relname, r.relkind, c.confdeltype,"
            + " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, i)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num"
            + " ORDER BY k.i)::text[],"
            + " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, i)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num"
            + " ORDER BY k.i)::text[],"
            + " ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)"
            + " FROM unnest(c.confkey) WITH ORDINALITY k(num, i)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num"
            + " ORDER BY k.i)::text[]"
            + " FROM pg_catalog.pg_constraint c"
            + " JOIN pg_catalog.pg_class r ON r.oid = c.conrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
            + " WHERE c.contype = 'f' AND c.confrelid = ? AND c.confdeltype IN ('c', 'n', 'd')"
            // a partition's copy of its partitioned table's key acts through that key
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p"
            + " WHERE p.oid = c.conparentid AND p.confrelid = c.confrelid)"
            + " ORDER BY n.nspname, r.relname, c.conname";
    java.util.Deque<Integer> todo = new java.util.ArrayDeque<>(List.of(0));
    Set<Integer> expanded = new HashSet<>(List.of(0));
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      while (!todo.isEmpty()) {
        int from = todo.removeFirst();
        statement.setLong(1, oids.get(from));
        List<Object[]> found = new ArrayList<>();
        try (ResultSet row = statement.executeQuery()) {
          while (row.next()) {
            found.add(
                new Object[] {
                  row.getLong(1),
                  new QualifiedName(row.getString(2), row.getString(3)),
                  row.getString(4).charAt(0),
                  row.getString(5).charAt(0),
                  List.of((String[]) row.getArray(6).getArray()),
                  List.of((String[]) row.getArray(7).getArray()),
                  List.of((String[]) row.getArray(8).getArray())
                });
          }
        }
        for (Object[] f : found) {
          long oid = (Long) f[0];
          QualifiedName name = (QualifiedName) f[1];
          char kind = (Character) f[2];
          char action = (Character) f[3];
          int to = oids.indexOf(oid);
          if (to < 0) {
            to = oids.size();
            oids.add(oid);
            boolean partitioned = kind == 'p';
            nodes.add(
                new CascadeGraph.Node(
                    name,
                    relations(oid, partitioned),
                    partitioned ? name.sql() : "ONLY " + name.sql()));
          }
          @SuppressWarnings("unchecked")
          CascadeGraph.Edge edge =
              new CascadeGraph.Edge(
                  from, to, action, (List<String>) f[4], (List<String>) f[5], (List<String>) f[6]);
          edges.add(edge);
          if (edge.deletes() && expanded.add(to)) {
            todo.addLast(to);
          }
        }
      }
    }
    return edges.isEmpty() ? CascadeGraph.NONE : new CascadeGraph(nodes, edges);
  }

  /**
   * The relation and, when {@code withChildren}, all that inherit from it or are its partitions.
   */
  private List<Long> relations(long oid, boolean withChildren) throws SQLException {
    if (!withChildren) {
      return List.of(oid);
    }
    List<Long> relations = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "WITH RECURSIVE t(oid) AS (SELECT ?::oid UNION SELECT i.inhrelid"
                + " FROM pg_catalog.pg_inherits i JOIN t ON i.inhparent = t.oid) SELECT oid FROM t")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        while (row.next()) {
          relations.add(row.getLong(1));
        }
      }
    }
    return relations;
  }

  private Map<String, Column> columns(long oid) throws SQLException {
    Map<String, Column> columns = new LinkedHashMap<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT attname, atttypid, pg_catalog.format_type(atttypid, atttypmod)"
                + " FROM pg_catalog.pg_attribute"
                + " WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        while (row.next()) {
          columns.put(row.getString(1), new Column(row.getLong(2), row.getString(3)));
        }
      }
    }
    return columns;
  }

  private Set<String> indexedColumns(long oid) throws SQLException {
    Set<String> indexed = new HashSet<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                + " WHERE i.indrelid = ? AND i.indisvalid AND i.indpred IS NULL")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        while (row.next()) {
          indexed.add(row.getString(1));
        }
      }
    }
    return indexed;
  }

  private boolean hasChildren(long oid) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhparent = ?)")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  private boolean mayKeepRows(long oid) throws SQLException {
    // tgtype bits: 1 row, 2 before, 8 delete
    try (PreparedStatement statement =
        connection.prepareStatement(
            "WITH RECURSIVE t(oid) AS (SELECT ?::oid UNION SELECT i.inhrelid"
                + " FROM pg_catalog.pg_inherits i JOIN t ON i.inhparent = t.oid)"
                + " SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g JOIN t ON g.tgrelid = t.oid"
                + "  WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND g.tgtype & 11 = 11)"
                + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r JOIN t ON r.ev_class = t.oid"
                + "  WHERE r.ev_type = '4')"
                + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN t ON c.oid = t.oid"
                + "  WHERE c.relrowsecurity)")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  private List<String> primaryKey(long oid) throws SQLException {
    List<String> key = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_catalog.pg_index i"
                + " JOIN pg_catalog.pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = ? AND i.indisprimary"
                + " ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        while (row.next()) {
          key.add(row.getString(1));
        }
      }
    }
    return key;
  }
}
