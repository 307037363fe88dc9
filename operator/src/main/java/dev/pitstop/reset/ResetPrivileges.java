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
 * error: USAGE on the schemas of the tables and sequences it touches, DELETE and SELECT on each
 * table emptied with DELETE (SELECT to spare kept rows, count the rows and verify the table is
 * empty), TRUNCATE and SELECT on each truncated table (not its partitions), UPDATE on the tables
 * whose keys are set to NULL to break a cycle, SELECT on kept tables referencing emptied ones
 * (their referencing rows are counted), TEMPORARY on the database when rows are kept, and SELECT
 * and UPDATE on each sequence restarted with {@code setval} (those the role owns are restarted with
 * {@code ALTER SEQUENCE}). {@code session_replication_role} is only used when the role may set it.
 * What the seed scripts need cannot be known before they run.
 *
 * @param checked what was checked, one line each
 * @param missing what the role lacks, one line each (e.g. {@code DELETE on public.users})
 */
record ResetPrivileges(List<String> checked, List<String> missing) {

  /** Checks every privilege the planned reset needs. */
  static ResetPrivileges check(
      Connection connection,
      ForeignKeyGraph graph,
      DeletionPlanner.Order order,
      List<CatalogTable> truncated,
      Set<Long> emptied,
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
    if (!order.order().isEmpty()) {
      for (CatalogTable table : order.order()) {
        table(connection, table.oid(), "DELETE", table.name().toString(), missing);
        table(connection, table.oid(), "SELECT", table.name().toString(), missing);
      }
      checked.add("DELETE and SELECT on " + order.order().size() + " table(s)");
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
    }
    if (!nulled.isEmpty()) {
      checked.add("UPDATE on " + nulled.size() + " table(s) whose keys are set to NULL first");
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
    return new ResetPrivileges(List.copyOf(checked), List.copyOf(missing));
  }

  private static void table(
      Connection connection, long oid, String privilege, String name, Set<String> missing)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT has_table_privilege(CAST(? AS oid), ?)")) {
      statement.setLong(1, oid);
      statement.setString(2, privilege);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        if (!row.getBoolean(1)) {
          missing.add(privilege + " on " + name);
        }
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
