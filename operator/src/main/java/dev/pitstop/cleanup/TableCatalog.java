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
   */
  record Table(
      QualifiedName name,
      char kind,
      Map<String, Column> columns,
      List<String> primaryKey,
      Set<String> indexed,
      boolean hasChildren) {
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
            resolved, kind, columns(oid), primaryKey(oid), indexedColumns(oid), hasChildren(oid)));
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
