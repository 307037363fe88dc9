package dev.pitstop.reset;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The privileges a reset needs, checked before anything is read or changed, so that a role that
 * lacks one is told which, at once, instead of failing half-way (and rolling back) on a permission
 * error: USAGE on the schemas of the tables and sequences it touches, DELETE on each table emptied
 * with DELETE, and SELECT on those that keep rows or have a DELETE trigger or rule (to spare the
 * kept rows and to verify by reading that the table is empty: a trigger or rule can keep rows a
 * second DELETE would not see); a table without either may lack SELECT: it is not counted, and a
 * second DELETE verifies it is empty. TRUNCATE and SELECT on each truncated table (not its
 * partitions), UPDATE on the tables whose keys are set to NULL to break a cycle, SELECT on kept
 * tables referencing emptied ones (their referencing rows are counted), TEMPORARY on the database
 * when rows are kept, and SELECT and UPDATE on each sequence restarted with {@code setval} (those
 * the role owns are restarted with {@code ALTER SEQUENCE}). {@code session_replication_role} is
 * only used when the role may set it. What the seed scripts need cannot be known before they run.
 *
 * @param checked what was checked, one line each
 * @param missing what the role lacks, one line each (e.g. {@code DELETE on public.users})
 * @param unreadable tables emptied with DELETE that the role may not SELECT (and need not)
 */
record ResetPrivileges(List<String> checked, List<String> missing, Set<Long> unreadable) {

  /** Checks every privilege the planned reset needs. */
  static ResetPrivileges check(
      Connection connection,
      ForeignKeyGraph graph,
      DeletionPlanner.Order order,
      List<CatalogTable> truncated,
      Set<Long> emptied,
      Set<Long> keeping,
      boolean keepsRows,
      List<ResetSequences.Sequence> sequences)
      throws SQLException {
    List<String> checked = new ArrayList<>();
    Set<String> missing = new LinkedHashSet<>();
    Set<String> schemas = new java.util.TreeSet<>();
    order.order().forEach(t -> schemas.add(t.name().schema()));
    truncated.forEach(t -> schemas.add(t.name().schema()));
    for (ForeignKey key : graph.foreignKeys()) {
      if (!emptied.contains(key.child()) && emptied.contains(key.parent())) {
        schemas.add(graph.table(key.child()).name().schema());
      }
    }
    sequences.forEach(s -> schemas.add(s.sequence().schema()));
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT has_schema_privilege(?, ?)")) {
      for (String schema : schemas) {
        statement.setString(1, schema);
        statement.setString(2, "USAGE");
        try (ResultSet row = statement.executeQuery()) {
          row.next();
          if (!row.getBoolean(1)) {
            missing.add("USAGE on schema " + schema);
          }
        }
      }
    }
    if (!schemas.isEmpty()) {
      checked.add("USAGE on schema(s) " + String.join(", ", schemas));
    }
    Set<Long> unreadable = new LinkedHashSet<>();
    if (!order.order().isEmpty()) {
      for (CatalogTable table : order.order()) {
        table(connection, table.oid(), "DELETE", table.name().toString(), missing);
        if (!allowed(connection, table.oid(), "SELECT")) {
          if (keeping.contains(table.oid())) {
            missing.add(
                "SELECT on " + table.name() + " (it keeps rows, which are read to spare them)");
          } else if (hasDeleteTriggerOrRule(connection, table.oid())) {
            missing.add(
                "SELECT on "
                    + table.name()
                    + " (it has a DELETE trigger or rule, which can keep rows only a read finds)");
          } else {
            unreadable.add(table.oid());
          }
        }
      }
      checked.add("DELETE on " + order.order().size() + " table(s)");
      if (!unreadable.isEmpty()) {
        checked.add(
            "no SELECT on "
                + unreadable.size()
                + " of them: not counted, verified empty by a second DELETE");
      }
    }
    if (!truncated.isEmpty()) {
      // A partitioned table's partitions are truncated under its privilege, not their own.
      for (CatalogTable table : truncated) {
        table(connection, table.oid(), "TRUNCATE", table.name().toString(), missing);
        table(connection, table.oid(), "SELECT", table.name().toString(), missing);
      }
      checked.add("TRUNCATE and SELECT (to count them) on " + truncated.size() + " table(s)");
    }
    Set<Long> nulled = new LinkedHashSet<>();
    order.nulled().forEach(k -> nulled.add(k.child()));
    for (long oid : nulled) {
      table(connection, oid, "UPDATE", graph.table(oid).name().toString(), missing);
      if (unreadable.remove(oid)) {
        missing.add(
            "SELECT on "
                + graph.table(oid).name()
                + " (its keys are set to NULL where they are set)");
      }
    }
    if (!nulled.isEmpty()) {
      checked.add(
          "UPDATE (and SELECT) on " + nulled.size() + " table(s) whose keys are set to NULL first");
    }
    Set<Long> referencing = new LinkedHashSet<>();
    for (ForeignKey key : graph.foreignKeys()) {
      if (!emptied.contains(key.child()) && emptied.contains(key.parent())) {
        referencing.add(key.child());
      }
    }
    for (long oid : referencing) {
      table(connection, oid, "SELECT", graph.table(oid).name().toString(), missing);
    }
    if (!referencing.isEmpty()) {
      checked.add(
          "SELECT on " + referencing.size() + " kept table(s) referencing emptied ones (counted)");
    }
    if (keepsRows) {
      try (PreparedStatement statement =
          connection.prepareStatement(
              "SELECT current_database(), has_database_privilege(current_database(), ?)")) {
        statement.setString(1, "TEMPORARY");
        try (ResultSet row = statement.executeQuery()) {
          row.next();
          if (!row.getBoolean(2)) {
            missing.add("TEMPORARY on database " + row.getString(1) + " (kept rows are marked)");
          }
        }
      }
      checked.add("TEMPORARY on the database (kept rows are marked in a temporary table)");
    }
    int owned = 0;
    int setval = 0;
    for (ResetSequences.Sequence sequence : sequences) {
      if (sequence.owner()) {
        owned++;
        continue;
      }
      setval++;
      for (String privilege : List.of("SELECT", "UPDATE")) {
        try (PreparedStatement statement =
            connection.prepareStatement("SELECT has_sequence_privilege(?, ?)")) {
          statement.setString(1, sequence.sequence().sql());
          statement.setString(2, privilege);
          try (ResultSet row = statement.executeQuery()) {
            row.next();
            if (!row.getBoolean(1)) {
              missing.add(privilege + " on sequence " + sequence.sequence());
            }
          }
        }
      }
    }
    if (setval > 0) {
      checked.add("SELECT and UPDATE on " + setval + " sequence(s) restarted with setval");
    }
    if (owned > 0) {
      checked.add("ownership of " + owned + " sequence(s) restarted with ALTER SEQUENCE");
    }
    checked.add("not checkable: what the seed scripts need");
    return new ResetPrivileges(List.copyOf(checked), List.copyOf(missing), Set.copyOf(unreadable));
  }

  private static void table(
      Connection connection, long oid, String privilege, String name, Set<String> missing)
      throws SQLException {
    if (!allowed(connection, oid, privilege)) {
      missing.add(privilege + " on " + name);
    }
  }

  private static boolean allowed(Connection connection, long oid, String privilege)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT has_table_privilege(CAST(? AS oid), ?)")) {
      statement.setLong(1, oid);
      statement.setString(2, privilege);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  /** An enabled user trigger on DELETE, or a rule ON DELETE, of the table. */
  private static boolean hasDeleteTriggerOrRule(Connection connection, long oid)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = CAST(? AS oid)"
                + " AND NOT tgisinternal AND tgenabled <> 'D' AND tgtype & 8 = 8)"
                + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite WHERE ev_class = CAST(? AS oid)"
                + " AND ev_type = '4')")) {
      statement.setLong(1, oid);
      statement.setLong(2, oid);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  /**
   * Refuses the reset when a privilege is missing.
   *
   * @throws ResetException {@link ResetErrorCode#MISSING_PRIVILEGES} naming each of them
   */
  void require(String role) {
    if (missing.isEmpty()) {
      return;
    }
    throw new ResetException(
        ResetErrorCode.MISSING_PRIVILEGES,
        String.join(", ", missing),
        "Role "
            + role
            + " lacks privileges the reset needs: "
            + String.join(", ", missing)
            + "; grant them (or reset as the tables' owner). Nothing was changed.");
  }
}
