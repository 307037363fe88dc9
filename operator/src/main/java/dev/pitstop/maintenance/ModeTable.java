package dev.pitstop.maintenance;

import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one-row table applications read to know whether to take new work, and the {@code NOTIFY
 * pitstop_maintenance} that tells listening applications at once. Writers serialise on a
 * transaction-scoped advisory lock, so the row stays single without a key column the application
 * would have to know about.
 */
final class ModeTable {
  /** The channel applications {@code LISTEN} on; the payload is the new mode. */
  static final String CHANNEL = "pitstop_maintenance";

  static final List<String> COLUMNS =
      List.of("mode", "pending_tasks_count", "running_tasks_count", "mode_changed_at");

  private final QualifiedName table;

  /** {@code table} may be null: then only NOTIFY is sent. */
  ModeTable(QualifiedName table) {
    this.table = table;
  }

  /** Fails if the table exists without the columns Pitstop writes; a missing table is fine. */
  void check(Connection connection) throws SQLException {
    if (table == null || !exists(connection)) {
      return;
    }
    Set<String> present = new HashSet<>();
    try (PreparedStatement columns =
        connection.prepareStatement(
            "SELECT attname FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped")) {
      columns.setString(1, table.sql());
      try (ResultSet rows = columns.executeQuery()) {
        while (rows.next()) {
          present.add(rows.getString(1));
        }
      }
    }
    for (String column : COLUMNS) {
      if (!present.contains(column)) {
        throw new MaintenanceException(
            ErrorCode.MODE_TABLE_INVALID,
            Field.MODE_TABLE,
            "table "
                + table
                + " exists but has no column '"
                + column
                + "'; it needs "
                + String.join(", ", COLUMNS));
      }
    }
  }

  /**
   * Writes {@code mode} (creating the table if missing) and sends NOTIFY, in one transaction, so
   * listeners never see a notification before the row. {@code mode_changed_at} moves only when the
   * mode changes; null counts keep their stored values.
   */
  void write(Connection connection, Mode mode, Long pendingTasks, Long openSessions)
      throws SQLException {
    Transactions.commit(
        connection,
        () -> {
          if (table != null) {
            lock(connection);
            create(connection);
            int updated;
            try (PreparedStatement update =
                connection.prepareStatement(
                    "UPDATE "
                        + table.sql()
                        + " SET mode_changed_at = CASE WHEN mode IS DISTINCT FROM ? THEN now()"
                        + " ELSE mode_changed_at END, mode = ?,"
                        + " pending_tasks_count = coalesce(?, pending_tasks_count),"
                        + " running_tasks_count = coalesce(?, running_tasks_count)")) {
              update.setString(1, mode.value());
              update.setString(2, mode.value());
              setCount(update, 3, pendingTasks);
              setCount(update, 4, openSessions);
              updated = update.executeUpdate();
            }
            if (updated == 0) {
              try (PreparedStatement insert =
                  connection.prepareStatement(
                      "INSERT INTO "
                          + table.sql()
                          + " (mode, pending_tasks_count, running_tasks_count, mode_changed_at)"
                          + " VALUES (?, coalesce(?, 0), coalesce(?, 0), now())")) {
                insert.setString(1, mode.value());
                setCount(insert, 2, pendingTasks);
                setCount(insert, 3, openSessions);
                insert.executeUpdate();
              }
            }
          }
          try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, mode.value());
            notify.execute();
          }
        });
  }

  /** Updates the counts of an existing row, without NOTIFY; does nothing without a table. */
  void writeCounts(Connection connection, Long pendingTasks, long openSessions)
      throws SQLException {
    if (table == null || !exists(connection)) {
      return;
    }
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE "
                + table.sql()
                + " SET pending_tasks_count = coalesce(?, pending_tasks_count),"
                + " running_tasks_count = ?")) {
      setCount(update, 1, pendingTasks);
      update.setLong(2, openSessions);
      update.executeUpdate();
    }
  }

  /** The row, or empty when there is no table or no row yet. */
  Optional<ModeState> read(Connection connection) throws SQLException {
    if (table == null || !exists(connection)) {
      return Optional.empty();
    }
    try (Statement select = connection.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT mode, pending_tasks_count, running_tasks_count, mode_changed_at FROM "
                    + table.sql()
                    + " ORDER BY mode_changed_at DESC LIMIT 1")) {
      if (!rows.next()) {
        return Optional.empty();
      }
      String raw = rows.getString(1);
      Timestamp changed = rows.getTimestamp(4);
      return Optional.of(
          new ModeState(
              Mode.of(raw).orElse(null),
              raw,
              rows.getLong(2),
              rows.getLong(3),
              changed == null ? null : changed.toInstant()));
    }
  }

  private boolean exists(Connection connection) throws SQLException {
    try (PreparedStatement regclass =
        connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      regclass.setString(1, table.sql());
      try (ResultSet rows = regclass.executeQuery()) {
        rows.next();
        return rows.getBoolean(1);
      }
    }
  }

  private void create(Connection connection) throws SQLException {
    try (Statement create = connection.createStatement()) {
      create.execute(
          "CREATE TABLE IF NOT EXISTS "
              + table.sql()
              + " (mode text NOT NULL CHECK (mode IN ('running', 'waiting_for_maintenance',"
              + " 'maintenance')), pending_tasks_count bigint NOT NULL DEFAULT 0,"
              + " running_tasks_count bigint NOT NULL DEFAULT 0,"
              + " mode_changed_at timestamptz NOT NULL DEFAULT now())");
    }
  }

  private void lock(Connection connection) throws SQLException {
    AdvisoryLock.lockForTransaction(
        connection, AdvisoryLock.Key.hashtext("pitstop-mode:" + table.sql()));
  }

  private static void setCount(PreparedStatement statement, int index, Long value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value);
    }
  }
}
