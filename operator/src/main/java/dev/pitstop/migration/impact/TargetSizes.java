package dev.pitstop.migration.impact;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The target's tables as a plan sizes findings: estimated rows ({@code pg_class.reltuples}, else
 * {@code pg_stat_user_tables.n_live_tup}), bytes and activity, read from catalogs and statistics
 * only, so without a lock on any table.
 */
final class TargetSizes {

  /**
   * One table of the target.
   *
   * @param name schema-qualified, without quotes
   * @param rows estimated rows
   * @param bytes pages of the table, its TOAST table and their indexes, times the block size
   * @param pages pages of the table alone
   * @param liveTuples {@code n_live_tup}, 0 without statistics
   * @param writes rows inserted, updated and deleted since the statistics were reset
   * @param scans sequential and index scans since the statistics were reset
   */
  record Table(
      String name, long rows, long bytes, long pages, long liveTuples, long writes, long scans) {

    /** Whether the table has rows, as far as the catalogs and statistics tell. */
    boolean nonEmpty() {
      return rows > 0 || pages > 0 || liveTuples > 0;
    }

    /**
     * "12.4M rows, 3.1 GB", followed by the activity the statistics recorded when there is any:
     * "12.4M rows, 3.1 GB, 52.0k writes and 1.3M scans since statistics were reset".
     */
    String describe() {
      String size = format(rows, bytes);
      if (writes == 0 && scans == 0) {
        return size;
      }
      return size
          + ", "
          + count(writes)
          + (writes == 1 ? " write" : " writes")
          + " and "
          + count(scans)
          + (scans == 1 ? " scan" : " scans")
          + " since statistics were reset";
    }
  }

  // Catalogs and statistics functions only: pg_relation_size and friends would lock the relation.
  // The statistics are read with the functions behind pg_stat_user_tables, and the index pages
  // through pg_index by table, so the server looks at the user's tables and their indexes only.
  private static final String QUERY =
      "SELECT n.nspname, c.relname, c.reltuples::float8, GREATEST(c.relpages, 0)::int8,"
          + " (GREATEST(c.relpages, 0)::int8 + COALESCE(t.relpages, 0) + ix.pages + tix.pages)"
          + " * pg_catalog.current_setting('block_size')::int8,"
          + " pg_catalog.pg_stat_get_live_tuples(c.oid),"
          + " pg_catalog.pg_stat_get_tuples_inserted(c.oid)"
          + " + pg_catalog.pg_stat_get_tuples_updated(c.oid)"
          + " + pg_catalog.pg_stat_get_tuples_deleted(c.oid),"
          + " pg_catalog.pg_stat_get_numscans(c.oid) + ix.scans,"
          + " c.oid::int8, CASE WHEN c.relispartition THEN (SELECT h.inhparent::int8"
          + "  FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.oid) END"
          + " FROM pg_catalog.pg_class c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid"
          + " CROSS JOIN LATERAL (SELECT COALESCE(sum(GREATEST(i.relpages, 0)), 0)::int8 AS pages,"
          + "  COALESCE(sum(pg_catalog.pg_stat_get_numscans(x.indexrelid)), 0)::int8 AS scans"
          + "  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
          + "  WHERE x.indrelid = c.oid) ix"
          + " CROSS JOIN LATERAL (SELECT COALESCE(sum(GREATEST(i.relpages, 0)), 0)::int8 AS pages"
          + "  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
          + "  WHERE x.indrelid = c.reltoastrelid) tix"
          + " WHERE c.relkind IN ('r', 'p', 'm')"
          + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
          + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

  private final Map<String, Table> tables;

  TargetSizes(Map<String, Table> tables) {
    this.tables = Map.copyOf(tables);
  }

  static TargetSizes read(Connection target) throws SQLException {
    Map<Long, Table> byOid = new LinkedHashMap<>();
    Map<Long, Boolean> estimated = new HashMap<>();
    Map<Long, List<Long>> partitions = new HashMap<>();
    // Prepared so that a pooled session reuses the server's plan (see CatalogReader.query).
    try (PreparedStatement statement = target.prepareStatement(QUERY);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        String name = CatalogReader.qualified(rows.getString(1), rows.getString(2));
        double reltuples = rows.getDouble(3);
        long live = rows.getLong(6);
        long estimate = reltuples >= 0 ? Math.round(reltuples) : live;
        long oid = rows.getLong(9);
        long parent = rows.getLong(10);
        if (!rows.wasNull()) {
          partitions.computeIfAbsent(parent, k -> new ArrayList<>()).add(oid);
        }
        estimated.put(oid, reltuples >= 0);
        byOid.put(
            oid,
            new Table(
                name,
                estimate,
                rows.getLong(5),
                rows.getLong(4),
                live,
                rows.getLong(7),
                rows.getLong(8)));
      }
    }
    Map<String, Table> tables = new HashMap<>();
    for (long oid : byOid.keySet()) {
      Table t = withPartitions(oid, byOid, estimated, partitions);
      tables.put(t.name(), t);
    }
    return new TargetSizes(tables);
  }

  /**
   * A partitioned table holds no rows itself: its size is its partitions', its rows too unless it
   * was analyzed as a whole, and so is its activity.
   */
  private static Table withPartitions(
      long oid,
      Map<Long, Table> byOid,
      Map<Long, Boolean> estimated,
      Map<Long, List<Long>> partitions) {
    Table t = byOid.get(oid);
    List<Long> children = partitions.getOrDefault(oid, List.of());
    if (children.isEmpty()) {
      return t;
    }
    long rows = 0;
    long bytes = t.bytes();
    long pages = t.pages();
    long live = t.liveTuples();
    long writes = t.writes();
    long scans = t.scans();
    for (long child : children) {
      if (!byOid.containsKey(child)) {
        continue;
      }
      Table c = withPartitions(child, byOid, estimated, partitions);
      rows += c.rows();
      bytes += c.bytes();
      pages += c.pages();
      live += c.liveTuples();
      writes += c.writes();
      scans += c.scans();
    }
    return new Table(
        t.name(),
        Boolean.TRUE.equals(estimated.get(oid)) ? t.rows() : rows,
        bytes,
        pages,
        live,
        writes,
        scans);
  }

  /** The table of that schema-qualified name, or null when the target has none. */
  Table table(String name) {
    return name == null ? null : tables.get(name);
  }

  /** Every table read. */
  Map<String, Table> tables() {
    return tables;
  }

  /** Whether the target has this table and it is not empty. */
  boolean nonEmpty(String name) {
    Table t = table(name);
    return t != null && t.nonEmpty();
  }

  /** "12.4M rows, 3.1 GB", "1 row, 16 kB". */
  static String format(long rows, long bytes) {
    return formatRows(rows) + ", " + formatBytes(bytes);
  }

  static String formatRows(long rows) {
    return rows < 1000 ? rows + (rows == 1 ? " row" : " rows") : count(rows) + " rows";
  }

  /** 950, 12.4k, 3.1M. */
  static String count(long n) {
    if (n < 1000) {
      return Long.toString(n);
    }
    String[] units = {"k", "M", "B", "T"};
    double value = n;
    int unit = -1;
    while (value >= 999.95 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return decimal(value) + units[unit];
  }

  static String formatBytes(long bytes) {
    if (bytes < 1024) {
      return bytes + (bytes == 1 ? " byte" : " bytes");
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1023.95 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return decimal(value) + " " + units[unit];
  }

  private static String decimal(double value) {
    String text = String.format(Locale.ROOT, "%.1f", value);
    return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
  }
}
