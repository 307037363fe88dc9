package dev.pitstop.migration;

import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A session-level PostgreSQL advisory lock per history table, held on a dedicated connection for a
 * whole run. The key is the one Flyway uses for the same table ({@link AdvisoryLock.Key#flyway}),
 * so Pitstop and Flyway runners also exclude each other.
 */
final class MigrationLock implements AutoCloseable {

  private static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);

  private final AdvisoryLock lock;

  private MigrationLock(AdvisoryLock lock) {
    this.lock = lock;
  }

  /** The lock key of a history table: Flyway's, bit for bit. */
  static long keyFor(QualifiedName table) {
    return AdvisoryLock.Key.flyway(table).number();
  }

  /**
   * Takes the lock, waiting at most {@code maxWait} while reporting the holder to the listener
   * about once a second.
   */
  static MigrationLock acquire(
      Connection connection, QualifiedName table, Duration maxWait, MigrationListener listener)
      throws SQLException {
    connection.setAutoCommit(true);
    AdvisoryLock.Key key = AdvisoryLock.Key.flyway(table);
    Optional<AdvisoryLock> free = AdvisoryLock.tryLock(connection, key);
    if (free.isPresent()) {
      return new MigrationLock(free.get());
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
      AdvisoryLock.Key key,
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
      Optional<AdvisoryLock> taken = lockWithin(connection, key, slice);
      if (taken.isPresent()) {
        listener.onLockAcquired(Duration.ofNanos(System.nanoTime() - start));
        return new MigrationLock(taken.get());
      }
    }
  }

  /**
   * Blocks in the server (so the lock is taken as soon as it is free) for at most {@code slice}.
   */
  private static Optional<AdvisoryLock> lockWithin(
      Connection connection, AdvisoryLock.Key key, Duration slice) throws SQLException {
    setLockTimeout(connection, Long.toString(Math.max(1, slice.toMillis())));
    try {
      return Optional.of(AdvisoryLock.lock(connection, key));
    } catch (SQLException e) {
      if (SqlState.LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return Optional.empty();
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

  private static LockWait holder(Connection connection, AdvisoryLock.Key key, Duration waited)
      throws SQLException {
    return AdvisoryLock.holder(connection, key)
        .map(h -> new LockWait(h.pid(), h.applicationName(), h.since(), waited))
        .orElseGet(() -> new LockWait(null, null, null, waited));
  }

  /**
   * Tells whether the lock is still held: its session is alive and the server shows the lock
   * granted to it. A session ended from outside (an administrator's {@code pg_terminate_backend},
   * {@code idle_session_timeout}, a pooler, the network) takes the lock with it, and another runner
   * may then already hold it.
   */
  boolean isHeld() {
    return lock.isHeld();
  }

  /** Releases the lock; errors are ignored because closing the session releases it anyway. */
  @Override
  public void close() {
    lock.close();
  }
}
