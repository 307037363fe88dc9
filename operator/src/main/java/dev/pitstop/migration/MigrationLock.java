package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A session-level PostgreSQL advisory lock per history table, held on a dedicated connection for a
 * whole run. The key is the one Flyway uses for the same table ({@code 77431708279161 +
 * "\"schema\".\"table\"".hashCode()}), so Pitstop and Flyway runners also exclude each other.
 */
final class MigrationLock implements AutoCloseable {

  /** Flyway's base key ("Flyway" in ASCII); the table name's hash is added to it. */
  static final long FLYWAY_LOCK_BASE = 77431708279161L;

  private static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);

  private final Connection connection;
  private final long key;

  private MigrationLock(Connection connection, long key) {
    this.connection = connection;
    this.key = key;
  }

  static long keyFor(QualifiedName table) {
    return FLYWAY_LOCK_BASE + table.sql().hashCode();
  }

  /**
   * Takes the lock, waiting at most {@code maxWait} while reporting the holder to the listener
   * about once a second.
   */
  static MigrationLock acquire(
      Connection connection, QualifiedName table, Duration maxWait, MigrationListener listener)
      throws SQLException {
    connection.setAutoCommit(true);
    long key = keyFor(table);
    if (tryLock(connection, key)) {
      return new MigrationLock(connection, key);
    }
    long start = System.nanoTime();
    String originalLockTimeout = currentLockTimeout(connection);
    try {
      return waitForLock(connection, table, key, maxWait, listener, start);
    } finally {
      setLockTimeout(connection, originalLockTimeout); // pooled sessions get theirs back
    }
  }

  private static MigrationLock waitForLock(
      Connection connection,
      QualifiedName table,
      long key,
      Duration maxWait,
      MigrationListener listener,
      long start)
      throws SQLException {
    while (true) {
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      listener.onLockWait(holder(connection, key, waited));
      Duration remaining = maxWait.minus(waited);
      if (remaining.isNegative() || remaining.isZero()) {
        throw new MigrationException(
            ErrorCode.LOCK_WAIT_TIMEOUT,
            table.toString(),
            "Another migration runner held the lock on "
                + table
                + " for longer than "
                + maxWait.toSeconds()
                + "s; retry when it has finished.",
            true,
            null,
            null,
            List.of(),
            null);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new MigrationException(
            ErrorCode.INTERRUPTED, table.toString(), "Interrupted while waiting for the lock.");
      }
      Duration slice = remaining.compareTo(REPORT_INTERVAL) < 0 ? remaining : REPORT_INTERVAL;
      if (lockWithin(connection, key, slice)) {
        listener.onLockAcquired(Duration.ofNanos(System.nanoTime() - start));
        return new MigrationLock(connection, key);
      }
    }
  }

  private static boolean tryLock(Connection connection, long key) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, key);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  /**
   * Blocks in the server (so the lock is taken as soon as it is free) for at most {@code slice}.
   */
  private static boolean lockWithin(Connection connection, long key, Duration slice)
      throws SQLException {
    setLockTimeout(connection, Long.toString(Math.max(1, slice.toMillis())));
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
      lock.setLong(1, key);
      lock.executeQuery().close();
      return true;
    } catch (SQLException e) {
      if (SqlState.LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
  }

  private static String currentLockTimeout(Connection connection) throws SQLException {
    try (PreparedStatement statement =
            connection.prepareStatement("SELECT current_setting('lock_timeout')");
        ResultSet row = statement.executeQuery()) {
      row.next();
      return row.getString(1);
    }
  }

  private static void setLockTimeout(Connection connection, String value) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT set_config('lock_timeout', ?, false)")) {
      statement.setString(1, value);
      statement.executeQuery().close();
    }
  }

  private static LockWait holder(Connection connection, long key, Duration waited)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT l.pid, a.application_name, coalesce(a.xact_start, a.state_change)"
                + " FROM pg_catalog.pg_locks l"
                + " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
                + " WHERE datname = current_database())"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ? LIMIT 1")) {
      statement.setLong(1, key >>> 32);
      statement.setLong(2, key & 0xFFFFFFFFL);
      try (ResultSet row = statement.executeQuery()) {
        if (!row.next()) {
          return new LockWait(null, null, null, waited);
        }
        return new LockWait(
            row.getInt(1), row.getString(2), row.getObject(3, OffsetDateTime.class), waited);
      }
    }
  }

  /** Releases the lock; errors are ignored because closing the session releases it anyway. */
  @Override
  public void close() {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      statement.setLong(1, key);
      statement.executeQuery().close();
    } catch (SQLException e) {
      // the session ends right after; PostgreSQL releases session locks when it does
    }
  }
}
