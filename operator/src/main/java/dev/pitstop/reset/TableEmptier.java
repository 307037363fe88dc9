package dev.pitstop.reset;

import dev.pitstop.reset.ResetPlan.PlannedTable;
import dev.pitstop.reset.ResetProgress.Stage;
import dev.pitstop.reset.ResetResult.TableResult;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Empties the planned tables inside the reset's transaction: defers constraints, disables the
 * triggers {@link TriggerMode#DISABLE} must switch off, and detaches nullable keys to get through
 * cycles, then one TRUNCATE for the truncated tables (counted just before), then a DELETE per table
 * in order, sparing kept rows; then enables those triggers again for the seeds.
 */
final class TableEmptier {
  private final Connection connection;
  private final PlannedReset planned;
  private final Consumer<ResetProgress> progress;
  private final List<TableResult> results = new ArrayList<>();
  private long rowsDeleted;

  TableEmptier(Connection connection, PlannedReset planned, Consumer<ResetProgress> progress) {
    this.connection = connection;
    this.planned = planned;
    this.progress = progress;
  }

  /** Empties every table; returns per-table results in plan order. */
  List<TableResult> run() throws SQLException {
    int total = planned.plan().tables().size();
    try (Statement statement = connection.createStatement()) {
      if (!planned.order().deferred().isEmpty()) {
        statement.execute(
            "SET CONSTRAINTS "
                + planned.order().deferred().stream()
                    .map(k -> k.name().sql())
                    .collect(Collectors.joining(", "))
                + " DEFERRED");
      }
      String role = setting(statement, "session_replication_role");
      for (UserTriggers.Trigger trigger : planned.triggers().disabled()) {
        alter(statement, trigger, trigger.disable(), "Disabling");
      }
      for (ForeignKey key : planned.order().nulled()) {
        CatalogTable table = planned.graph().table(key.child());
        report(table.name().toString(), total);
        boolean replica = planned.triggers().replicaUpdates().contains(key);
        if (replica) {
          replicationRole(statement, "replica");
        }
        execute(
            statement,
            table,
            "UPDATE "
                + table.target()
                + " t SET "
                + key.nullableColumns().stream()
                    .map(c -> SqlIdentifiers.quote(c) + " = NULL")
                    .collect(Collectors.joining(", "))
                + " WHERE ("
                + key.nullableColumns().stream()
                    .map(c -> "t." + SqlIdentifiers.quote(c) + " IS NOT NULL")
                    .collect(Collectors.joining(" OR "))
                + ")"
                + spare(table, "t"));
        if (replica) {
          replicationRole(statement, role);
        }
      }
      if (!planned.truncated().isEmpty()) {
        truncate(statement, total);
      }
      for (CatalogTable table : planned.order().order()) {
        report(table.name().toString(), total);
        boolean unchecked = planned.redundantChecks().tables().contains(table.oid());
        if (unchecked) {
          replicationRole(statement, "replica");
        }
        long deleted =
            execute(statement, table, "DELETE FROM " + table.target() + " t" + where(table));
        if (unchecked) {
          replicationRole(statement, role);
        }
        rowsDeleted += deleted;
        long kept = planned.keeping().contains(table.oid()) ? planned.kept().count(table) : 0;
        results.add(new TableResult(table.name().toString(), deleted, kept));
      }
      planned.redundantChecks().verify(connection, planned.graph());
      for (UserTriggers.Trigger trigger : planned.triggers().disabled()) {
        alter(statement, trigger, trigger.enable(), "Enabling again");
      }
    }
    List<TableResult> ordered = new ArrayList<>();
    for (PlannedTable table : planned.plan().tables()) {
      results.stream()
          .filter(r -> r.name().equals(table.name()))
          .findFirst()
          .ifPresent(ordered::add);
    }
    return ordered;
  }

  /** Progress after the last table, for seeding to continue from. */
  ResetProgress done() {
    int total = planned.plan().tables().size();
    return new ResetProgress(Stage.EMPTYING, null, total, total, rowsDeleted, null, 0, 0, 0);
  }

  long rowsDeleted() {
    return rowsDeleted;
  }

  private static String setting(Statement statement, String name) throws SQLException {
    try (ResultSet row = statement.executeQuery("SELECT current_setting('" + name + "')")) {
      row.next();
      return row.getString(1);
    }
  }

  /** Switches per-row triggers (foreign-key checks) off or on for the rest of the transaction. */
  private void replicationRole(Statement statement, String role) throws SQLException {
    try (var set =
        connection.prepareStatement("SELECT set_config('session_replication_role', ?, true)")) {
      set.setString(1, role);
      set.executeQuery().close();
    }
  }

  private void truncate(Statement statement, int total) throws SQLException {
    List<CatalogTable> tables = planned.truncated();
    report(names(tables), total);
    List<Long> counts = new ArrayList<>();
    for (CatalogTable table : tables) {
      try (ResultSet row = statement.executeQuery("SELECT count(*) FROM " + table.target())) {
        row.next();
        counts.add(row.getLong(1));
      }
    }
    execute(
        statement,
        null,
        "TRUNCATE " + tables.stream().map(CatalogTable::target).collect(Collectors.joining(", ")));
    for (int i = 0; i < tables.size(); i++) {
      rowsDeleted += counts.get(i);
      results.add(new TableResult(tables.get(i).name().toString(), counts.get(i), 0));
    }
  }

  private String where(CatalogTable table) {
    String spare = spare(table, "t");
    return spare.isEmpty() ? "" : " WHERE " + spare.substring(" AND ".length());
  }

  /** {@code AND NOT kept} for tables that may keep rows, else nothing. */
  private String spare(CatalogTable table, String alias) {
    return planned.keeping().contains(table.oid()) ? " AND NOT " + KeptRows.isKept(alias) : "";
  }

  private long execute(Statement statement, CatalogTable table, String sql) throws SQLException {
    ResetSession.checkInterrupted(table == null ? "TRUNCATE" : table.name().toString());
    try {
      return statement.executeLargeUpdate(sql);
    } catch (SQLException e) {
      throw failed(table, e);
    }
  }

  /** Disables or enables a trigger; a failure (a lock timeout) fails the reset. */
  private void alter(Statement statement, UserTriggers.Trigger trigger, String sql, String what)
      throws SQLException {
    ResetSession.checkInterrupted(trigger.relation().toString());
    try {
      statement.execute(sql);
    } catch (SQLException e) {
      ServerError error = ServerError.of(e);
      String subject = trigger.relation().toString();
      throw new ResetException(
          ResetErrorCode.DELETE_FAILED,
          subject,
          what
              + " trigger "
              + trigger.name()
              + " on "
              + subject
              + " failed"
              + (SqlState.LOCK_NOT_AVAILABLE.equals(error.sqlState())
                  ? " within lockTimeout (a concurrent session holds a conflicting lock)"
                  : "")
              + ": "
              + error.describe()
              + "; the reset was rolled back and nothing changed.",
          error.isTransient(),
          new ResetFailure(subject, null, 0, null, error.sqlState(), error.message()),
          e);
    }
  }

  private ResetException failed(CatalogTable table, SQLException e) {
    ServerError error = ServerError.of(e);
    String what =
        table == null ? "TRUNCATE of " + names(planned.truncated()) : "Emptying " + table.name();
    String lockHint =
        SqlState.LOCK_NOT_AVAILABLE.equals(error.sqlState())
            ? " within lockTimeout (a concurrent session holds a conflicting lock)"
            : "";
    String subject = table == null ? names(planned.truncated()) : table.name().toString();
    return new ResetException(
        ResetErrorCode.DELETE_FAILED,
        subject,
        what
            + " failed"
            + lockHint
            + ": "
            + error.describe()
            + "; the reset was rolled back and nothing changed.",
        error.isTransient(),
        new ResetFailure(subject, null, 0, error.constraint(), error.sqlState(), error.message()),
        e);
  }

  private void report(String table, int total) {
    progress.accept(
        new ResetProgress(
            Stage.EMPTYING, table, results.size(), total, rowsDeleted, null, 0, 0, 0));
  }

  /** The first few names, then how many more. */
  static String names(List<CatalogTable> tables) {
    String first =
        tables.stream().limit(3).map(t -> t.name().toString()).collect(Collectors.joining(", "));
    return tables.size() > 3 ? first + " and " + (tables.size() - 3) + " more" : first;
  }

  /** Tables of {@code all} whose oid is in {@code oids}, keeping their order. */
  static List<CatalogTable> only(List<CatalogTable> all, Set<Long> oids) {
    return all.stream().filter(t -> oids.contains(t.oid())).toList();
  }
}
