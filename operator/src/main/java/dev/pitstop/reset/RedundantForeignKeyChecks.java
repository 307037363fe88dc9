package dev.pitstop.reset;

import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Tables whose deletes need no per-row foreign-key checks: every table referencing them has been
 * emptied completely earlier in the same transaction, so each check PostgreSQL would run (two index
 * probes per deleted row and referencing key, most of a DELETE reset's time) can only find nothing.
 * Such tables are deleted with {@code session_replication_role = replica}, which skips those
 * checks; it is used only when the role may set it (superuser, or granted SET on the parameter) and
 * only for tables without DELETE rules, which it would skip too, and without DELETE triggers whose
 * firing it would change (unless the caller says so: triggers it may skip under {@link
 * TriggerMode#DISABLE}). Triggers on other events do not matter to a DELETE. No lock is taken.
 *
 * <p>A row a concurrent session inserted and committed in between would escape the skipped check,
 * so {@link #verify} looks for rows referencing deleted ones before the transaction goes on; a row
 * inserted later waits for the reset's row locks and then fails its own check.
 *
 * @param tables oids of the tables deleted without checks
 * @param skipped the foreign keys whose checks are skipped
 */
record RedundantForeignKeyChecks(Set<Long> tables, List<ForeignKey> skipped) {

  static RedundantForeignKeyChecks none() {
    return new RedundantForeignKeyChecks(Set.of(), List.of());
  }

  /**
   * Finds the tables of {@code order} that qualify.
   *
   * @param keeping tables that may keep rows (never qualify, nor do tables they reference)
   * @param triggered tables whose DELETE triggers replica mode would change (never qualify)
   */
  static RedundantForeignKeyChecks find(
      Connection connection,
      ForeignKeyGraph graph,
      DeletionPlanner.Order order,
      Set<Long> keeping,
      Set<Long> triggered)
      throws SQLException {
    if (order.order().isEmpty() || !maySkipTriggers(connection)) {
      return none();
    }
    Map<Long, Integer> position = new HashMap<>();
    for (int i = 0; i < order.order().size(); i++) {
      position.put(order.order().get(i).oid(), i);
    }
    Set<Long> withUserCode = new HashSet<>(withDeleteRules(connection, position.keySet()));
    withUserCode.addAll(triggered);
    Set<Long> tables = new HashSet<>();
    List<ForeignKey> skipped = new ArrayList<>();
    for (CatalogTable table : order.order()) {
      long oid = table.oid();
      if (keeping.contains(oid) || withUserCode.contains(oid)) {
        continue;
      }
      List<ForeignKey> referencing =
          graph.foreignKeys().stream().filter(k -> k.parent() == oid).toList();
      boolean redundant =
          referencing.stream()
              .allMatch(
                  k ->
                      position.containsKey(k.child())
                          && !keeping.contains(k.child())
                          && (k.child() == oid
                              || position.get(k.child()) < position.get(oid)
                              || order.nulled().contains(k)));
      if (redundant) {
        tables.add(oid);
        skipped.addAll(referencing);
      }
    }
    return new RedundantForeignKeyChecks(Set.copyOf(tables), List.copyOf(skipped));
  }

  /**
   * Fails the reset if a row references a row deleted without its check: one scan per referencing
   * table, which the reset emptied, so only rows others inserted meanwhile are seen.
   *
   * @throws ResetException {@link ResetErrorCode#DELETE_FAILED} (transient) naming the constraint
   */
  void verify(Connection connection, ForeignKeyGraph graph) throws SQLException {
    Map<Long, List<ForeignKey>> byChild = new LinkedHashMap<>();
    skipped.forEach(k -> byChild.computeIfAbsent(k.child(), c -> new ArrayList<>()).add(k));
    try (Statement statement = connection.createStatement()) {
      for (Map.Entry<Long, List<ForeignKey>> entry : byChild.entrySet()) {
        CatalogTable child = graph.table(entry.getKey());
        String anyDangling =
            entry.getValue().stream()
                .map(k -> dangling(k, graph))
                .collect(Collectors.joining(" OR "));
        if (!exists(statement, child, anyDangling)) {
          continue;
        }
        for (ForeignKey key : entry.getValue()) {
          if (exists(statement, child, dangling(key, graph))) {
            throw new ResetException(
                ResetErrorCode.DELETE_FAILED,
                child.name().toString(),
                "A row of "
                    + child.name()
                    + " referencing "
                    + graph.table(key.parent()).name()
                    + " ("
                    + key.name()
                    + ") was inserted by another session while the reset ran; the reset was"
                    + " rolled back and nothing changed. Retry when writes have stopped.",
                true,
                new ResetFailure(
                    child.name().toString(),
                    null,
                    0,
                    key.name().toString(),
                    null,
                    "concurrent insert"),
                null);
          }
        }
      }
    }
  }

  private static boolean exists(Statement statement, CatalogTable child, String condition)
      throws SQLException {
    try (ResultSet row =
        statement.executeQuery(
            "SELECT EXISTS (SELECT 1 FROM " + child.target() + " c WHERE " + condition + ")")) {
      row.next();
      return row.getBoolean(1);
    }
  }

  /** A condition on row {@code c}: it references a row of the key's table that is not there. */
  private static String dangling(ForeignKey key, ForeignKeyGraph graph) {
    List<String> notNull = new ArrayList<>();
    List<String> join = new ArrayList<>();
    for (int i = 0; i < key.childColumns().size(); i++) {
      String child = "c." + SqlIdentifiers.quote(key.childColumns().get(i));
      notNull.add(child + " IS NOT NULL");
      join.add("p." + SqlIdentifiers.quote(key.parentColumns().get(i)) + " = " + child);
    }
    return "("
        + String.join(" AND ", notNull)
        + " AND NOT EXISTS (SELECT 1 FROM "
        + graph.table(key.parent()).target()
        + " p WHERE "
        + String.join(" AND ", join)
        + "))";
  }

  /** Whether the role may set session_replication_role (superuser, or SET on PostgreSQL 15+). */
  static boolean maySkipTriggers(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT current_setting('is_superuser') = 'on',"
                    + " current_setting('server_version_num')::int >= 150000")) {
      row.next();
      if (row.getBoolean(1)) {
        return true;
      }
      if (!row.getBoolean(2)) {
        return false;
      }
    }
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT has_parameter_privilege('session_replication_role', 'SET')")) {
      row.next();
      return row.getBoolean(1);
    }
  }

  /** Tables with DELETE rules, which {@code replica} mode would skip or fire differently. */
  private static Set<Long> withDeleteRules(Connection connection, Set<Long> oids)
      throws SQLException {
    Array array = connection.createArrayOf("int8", oids.toArray());
    Set<Long> found = new HashSet<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT DISTINCT coalesce(pg_partition_root(ev_class), ev_class)::oid::bigint"
                + " FROM pg_catalog.pg_rewrite WHERE ev_type = '4'"
                + " AND coalesce(pg_partition_root(ev_class), ev_class)::oid::bigint = ANY (?)")) {
      statement.setArray(1, array);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          found.add(rows.getLong(1));
        }
      }
    }
    return found;
  }
}
