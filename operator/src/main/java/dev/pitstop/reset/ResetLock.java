package dev.pitstop.reset;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * A transaction-level advisory lock per database, so that two resets of one database (say, from two
 * operator replicas, or the operator and the CLI) never run at once. Advisory locks are scoped to
 * the database, so one key serves every database; the lock goes with the transaction.
 */
final class ResetLock {
  /** "pitstop" in ASCII, followed by 'R' for reset. */
  static final long KEY = 0x7069747374_6f7052L;

  private ResetLock() {}

  /**
   * Takes the lock for the current transaction.
   *
   * @throws ResetException {@link ResetErrorCode#RESET_LOCKED} (transient) if another session holds
   *     it
   */
  static void take(Connection connection, String database) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
      statement.setLong(1, KEY);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        if (row.getBoolean(1)) {
          return;
        }
      }
    }
    String holder = holder(connection);
    throw new ResetException(
        ResetErrorCode.RESET_LOCKED,
        database,
        "Another reset of database "
            + database
            + " is running"
            + (holder == null ? "" : " (" + holder + ")")
            + "; retry when it has finished. Nothing was changed.",
        true,
        null,
        null);
  }

  private static String holder(Connection connection) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT l.pid, coalesce(a.xact_start, a.state_change)"
                + " FROM pg_catalog.pg_locks l"
                + " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
                + " WHERE datname = current_database())"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ? LIMIT 1")) {
      statement.setLong(1, KEY >>> 32);
      statement.setLong(2, KEY & 0xFFFFFFFFL);
      try (ResultSet row = statement.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        OffsetDateTime since = row.getObject(2, OffsetDateTime.class);
        return "pid " + row.getInt(1) + (since == null ? "" : " since " + since.toInstant());
      }
    }
  }
}
