package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Optional work after a reset has committed: {@code VACUUM (ANALYZE)} of the emptied tables, so the
 * planner's statistics describe the (nearly) empty tables and their space is reusable, and {@code
 * REFRESH MATERIALIZED VIEW} of the materialized views of the reset's schemas, referenced ones
 * before those built on them, so they stop showing the deleted data. The data reset is done by
 * then, so a statement that fails (a role that does not own the table or view, a lock timeout) is a
 * warning, never a failed reset. Each REFRESH runs in its own transaction with the request's {@code
 * lock_timeout}; VACUUM cannot run in a transaction.
 *
 * @param done what ran, one line each
 * @param warnings what failed, one sentence each
 */
record AfterReset(List<String> done, List<String> warnings) {

  static final AfterReset NOTHING = new AfterReset(List.of(), List.of());

  /** Runs what the request asks for on a connection in autocommit. */
  static AfterReset run(Connection connection, ResetRequest request, List<CatalogTable> emptied) {
    if (!request.vacuumAnalyze() && !request.refreshMaterializedViews()) {
      return NOTHING;
    }
    List<String> done = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try {
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      return new AfterReset(List.of(), List.of(failed("Work after the reset", e)));
    }
    if (request.vacuumAnalyze()) {
      for (CatalogTable table : emptied) {
        String sql = "VACUUM (ANALYZE) " + table.name().sql();
        try (Statement statement = connection.createStatement()) {
          statement.execute(sql);
          // A role that may not vacuum a table gets a WARNING and the table is skipped.
          List<String> skipped = new ArrayList<>();
          for (SQLWarning w = statement.getWarnings(); w != null; w = w.getNextWarning()) {
            skipped.add(w.getMessage());
          }
          if (skipped.isEmpty()) {
            done.add("VACUUM (ANALYZE) " + table.name());
          } else {
            warnings.add(
                "VACUUM (ANALYZE) of "
                    + table.name()
                    + " did not run after the reset had committed: "
                    + String.join("; ", skipped)
                    + "; the reset itself succeeded.");
          }
        } catch (SQLException e) {
          warnings.add(failed("VACUUM (ANALYZE) of " + table.name(), e));
        }
      }
    }
    if (request.refreshMaterializedViews()) {
      List<QualifiedName> views;
      try {
        views = materializedViews(connection, request.schemas());
      } catch (SQLException e) {
        warnings.add(failed("Listing the materialized views", e));
        views = List.of();
      }
      for (QualifiedName view : views) {
        try {
          refresh(connection, view, request);
          done.add("REFRESH MATERIALIZED VIEW " + view);
        } catch (SQLException e) {
          warnings.add(failed("REFRESH MATERIALIZED VIEW " + view, e));
        }
      }
    }
    return new AfterReset(List.copyOf(done), List.copyOf(warnings));
  }

  private static void refresh(Connection connection, QualifiedName view, ResetRequest request)
      throws SQLException {
    connection.setAutoCommit(false);
    try {
      try (PreparedStatement statement =
          connection.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
        statement.setString(1, Long.toString(request.lockTimeout().toMillis()));
        statement.executeQuery().close();
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("REFRESH MATERIALIZED VIEW " + view.sql());
      }
      connection.commit();
    } catch (SQLException e) {
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // the connection is broken; the server rolled back
      }
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /**
   * The materialized views of {@code schemas}, every view after the materialized views it reads
   * (ties by name).
   */
  private static List<QualifiedName> materializedViews(Connection connection, List<String> schemas)
      throws SQLException {
    Array names = connection.createArrayOf("text", schemas.toArray());
    Map<Long, QualifiedName> views = new LinkedHashMap<>();
    Map<Long, Set<Long>> reads = new HashMap<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT c.oid::bigint, n.nspname, c.relname,"
                + " ARRAY(SELECT DISTINCT d.refobjid::bigint FROM pg_catalog.pg_rewrite r"
                + "  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass"
                + "  AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass"
                + "  WHERE r.ev_class = c.oid AND d.refobjid <> c.oid)"
                + " FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind = 'm' AND n.nspname = ANY (?) ORDER BY n.nspname, c.relname")) {
      statement.setArray(1, names);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          long oid = rows.getLong(1);
          views.put(oid, new QualifiedName(rows.getString(2), rows.getString(3)));
          Set<Long> referenced = new HashSet<>();
          for (Object o : (Object[]) rows.getArray(4).getArray()) {
            referenced.add(((Number) o).longValue());
          }
          reads.put(oid, referenced);
        }
      }
    }
    List<QualifiedName> order = new ArrayList<>();
    Set<Long> placed = new HashSet<>();
    while (placed.size() < views.size()) {
      List<Long> ready =
          views.keySet().stream()
              .filter(v -> !placed.contains(v))
              .filter(
                  v ->
                      reads.get(v).stream()
                          .noneMatch(r -> views.containsKey(r) && !placed.contains(r)))
              .sorted(Comparator.comparing(v -> views.get(v).toString()))
              .toList();
      if (ready.isEmpty()) {
        views.forEach((v, name) -> order.add(placed.contains(v) ? null : name));
        order.removeIf(java.util.Objects::isNull);
        break;
      }
      Long next = ready.get(0);
      placed.add(next);
      order.add(views.get(next));
    }
    return order;
  }

  private static String failed(String what, SQLException e) {
    return what
        + " failed after the reset had committed: "
        + ServerError.of(e).describe()
        + "; the reset itself succeeded.";
  }
}
