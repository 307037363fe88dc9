package dev.pitstop.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Sets a session's {@code lock_timeout} and {@code statement_timeout} to a run's values in one
 * round trip, for the current transaction ({@code SET LOCAL}) or the session; the statement is
 * prepared once per session.
 */
public final class SessionTimeouts implements AutoCloseable {
  private final Connection connection;
  private final String lockTimeoutMs;
  private final String statementTimeoutMs;
  private PreparedStatement set;

  /** The timeouts to apply; zero means none. */
  public SessionTimeouts(Connection connection, Duration lockTimeout, Duration statementTimeout) {
    this.connection = connection;
    this.lockTimeoutMs = Long.toString(lockTimeout.toMillis());
    this.statementTimeoutMs = Long.toString(statementTimeout.toMillis());
  }

  /** The {@code lock_timeout} {@link #apply} sets, in milliseconds as the server reads it. */
  public String lockTimeoutMs() {
    return lockTimeoutMs;
  }

  /** Both timeouts, for the current transaction when {@code local}, else for the session. */
  public void apply(boolean local) throws SQLException {
    set(local, lockTimeoutMs);
  }

  /**
   * For the session, no lock timeout and the statement timeout: what a concurrent index build
   * needs, whose wait for writing transactions lock_timeout would abort.
   */
  public void applyWithoutLockTimeout() throws SQLException {
    set(false, "0");
  }

  private void set(boolean local, String lockTimeout) throws SQLException {
    if (set == null) {
      set =
          connection.prepareStatement(
              "SELECT set_config('lock_timeout', ?, ?), set_config('statement_timeout', ?, ?)");
    }
    set.setString(1, lockTimeout);
    set.setBoolean(2, local);
    set.setString(3, statementTimeoutMs);
    set.setBoolean(4, local);
    set.executeQuery().close();
  }

  /** Closes the prepared statement; the session stays open. */
  @Override
  public void close() {
    if (set != null) {
      try {
        set.close();
      } catch (SQLException e) {
        // closing the connection releases it anyway
      }
    }
  }
}
