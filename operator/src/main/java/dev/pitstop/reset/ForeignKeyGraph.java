package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables of some schemas and every foreign key that touches them, read from pg_catalog: keys
 * between them, keys from them to other schemas, and keys from tables of other schemas that point
 * into them (those tables are listed too, with {@code inSchemas} false). A foreign key of a
 * partition is attributed to its partitioned table. A table that belongs to an extension ({@code
 * CREATE EXTENSION}, or {@code ALTER EXTENSION ... ADD TABLE}, such as PostGIS's {@code
 * spatial_ref_sys}) is the extension's, not user data: it is marked to be kept, like a history
 * table.
 */
final class ForeignKeyGraph {
  private final Map<Long, CatalogTable> tables;
  private final List<ForeignKey> foreignKeys;
  private final List<Partition> partitions;

  /**
   * A partition in the schemas, or of a partitioned table in the schemas: it is emptied or kept
   * with the table at the root of its tree, whatever its own schema.
   *
   * @param name schema and name
   * @param root the partitioned table at the root of its tree
   * @param rootOid that table's oid
   * @param inSchemas whether the partition itself lies in one of the request's schemas
   */
  record Partition(QualifiedName name, QualifiedName root, long rootOid, boolean inSchemas) {}

  private static final String PARTITIONS =
      "SELECT n.nspname, c.relname, rn.nspname, r.relname, r.oid, n.nspname = ANY (?)"
          + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_catalog.pg_class r ON r.oid = pg_catalog.pg_partition_root(c.oid)"
          + " JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace"
          + " WHERE c.relispartition AND c.relkind IN ('r', 'p')"
          + " AND (n.nspname = ANY (?) OR rn.nspname = ANY (?))"
          + " ORDER BY n.nspname, c.relname";

  private static final String TABLES =
      "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p',"
          + " ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid"
          + "  AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname COLLATE \"C\"),"
          + " n.nspname = ANY (?),"
          + " (SELECT e.extname FROM pg_catalog.pg_depend d"
          + "  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid"
          + "  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid"
          + "  AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'"
          + "  ORDER BY e.extname LIMIT 1)"
          + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
          + " AND (n.nspname = ANY (?) OR c.oid IN (SELECT coalesce(pg_partition_root(f.conrelid),"
          + "  f.conrelid)::oid FROM pg_catalog.pg_constraint f"
          + "  JOIN pg_catalog.pg_class p ON p.oid = f.confrelid"
          + "  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace"
          + "  WHERE f.contype = 'f' AND pn.nspname = ANY (?)))"
          + " ORDER BY n.nspname, c.relname";

  private static final String FOREIGN_KEYS =
      "SELECT n.nspname, f.conname,"
          + " coalesce(pg_partition_root(f.conrelid), f.conrelid)::oid,"
          + " coalesce(pg_partition_root(f.confrelid), f.confrelid)::oid,"
          + " ARRAY(SELECT a.attname::text FROM unnest(f.conkey) WITH ORDINALITY k(num, ord)"
          + "  JOIN pg_catalog.pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.num"
          + "  ORDER BY k.ord),"
          + " ARRAY(SELECT a.attname::text FROM unnest(f.confkey) WITH ORDINALITY k(num, ord)"
          + "  JOIN pg_catalog.pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.num"
          + "  ORDER BY k.ord),"
          + " ARRAY(SELECT NOT a.attnotnull FROM unnest(f.conkey) WITH ORDINALITY k(num, ord)"
          + "  JOIN pg_catalog.pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.num"
          + "  ORDER BY k.ord),"
          + " f.condeferrable, f.confdeltype, f.confmatchtype = 'f'"
          + " FROM pg_catalog.pg_constraint f"
          + " JOIN pg_catalog.pg_class c ON c.oid = f.conrelid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_catalog.pg_class p ON p.oid = f.confrelid"
          + " JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace"
          + " WHERE f.contype = 'f' AND f.conparentid = 0"
          + " AND (n.nspname = ANY (?) OR pn.nspname = ANY (?))"
          + " ORDER BY n.nspname, f.conname";

  ForeignKeyGraph(
      Map<Long, CatalogTable> tables, List<ForeignKey> foreignKeys, List<Partition> partitions) {
    this.tables = new LinkedHashMap<>(tables);
    this.foreignKeys = List.copyOf(foreignKeys);
    this.partitions = List.copyOf(partitions);
  }

  /** Reads the graph of {@code schemas}; takes no locks beyond catalog reads. */
  static ForeignKeyGraph read(Connection connection, List<String> schemas) throws SQLException {
    return read(connection, schemas, true);
  }

  /**
   * Reads the graph of {@code schemas}; {@code keepHistoryTables} false marks only Pitstop's own
   * tables as history tables.
   */
  static ForeignKeyGraph read(
      Connection connection, List<String> schemas, boolean keepHistoryTables) throws SQLException {
    Array names = connection.createArrayOf("text", schemas.toArray());
    Map<Long, CatalogTable> tables = new LinkedHashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(TABLES)) {
      statement.setArray(1, names);
      statement.setArray(2, names);
      statement.setArray(3, names);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          long oid = rows.getLong(1);
          tables.put(
              oid,
              new CatalogTable(
                  oid,
                  new QualifiedName(rows.getString(2), rows.getString(3)),
                  rows.getBoolean(4),
                  rows.getString(7) != null
                      ? "belongs to extension " + rows.getString(7)
                      : HistoryTables.reason(
                          rows.getString(2),
                          rows.getString(3),
                          texts(rows.getArray(5)),
                          keepHistoryTables),
                  rows.getBoolean(6)));
        }
      }
    }
    List<ForeignKey> keys = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(FOREIGN_KEYS)) {
      statement.setArray(1, names);
      statement.setArray(2, names);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          long child = rows.getLong(3);
          long parent = rows.getLong(4);
          if (!tables.containsKey(child) || !tables.containsKey(parent)) {
            continue; // e.g. a key between two tables of other schemas through a partition
          }
          keys.add(
              new ForeignKey(
                  new QualifiedName(rows.getString(1), rows.getString(2)),
                  child,
                  parent,
                  texts(rows.getArray(5)),
                  texts(rows.getArray(6)),
                  booleans(rows.getArray(7)),
                  rows.getBoolean(8),
                  rows.getString(9).charAt(0),
                  rows.getBoolean(10)));
        }
      }
    }
    List<Partition> partitions = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(PARTITIONS)) {
      statement.setArray(1, names);
      statement.setArray(2, names);
      statement.setArray(3, names);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          partitions.add(
              new Partition(
                  new QualifiedName(rows.getString(1), rows.getString(2)),
                  new QualifiedName(rows.getString(3), rows.getString(4)),
                  rows.getLong(5),
                  rows.getBoolean(6)));
        }
      }
    }
    return new ForeignKeyGraph(tables, keys, partitions);
  }

  /** Every table read, those of the schemas and those referencing them from elsewhere. */
  List<CatalogTable> tables() {
    return List.copyOf(tables.values());
  }

  /** The partitions in the schemas and those of partitioned tables in the schemas. */
  List<Partition> partitions() {
    return partitions;
  }

  CatalogTable table(long oid) {
    return tables.get(oid);
  }

  List<ForeignKey> foreignKeys() {
    return foreignKeys;
  }

  private static List<String> texts(Array array) throws SQLException {
    return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
  }

  private static List<Boolean> booleans(Array array) throws SQLException {
    return Arrays.stream((Object[]) array.getArray()).map(b -> (Boolean) b).toList();
  }
}
