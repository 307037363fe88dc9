package dev.pitstop.cleanup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/** lock_timeout and statement_timeout for the current transaction only (SET LOCAL). */
final class SessionTimeouts {
  private SessionTimeouts() {}

  /** Sets both timeouts until the transaction ends; zero means no limit. */
  static void setLocal(Connection connection, Duration lockTimeout, Duration statementTimeout)
      throws SQLException {
    set(connection, lockTimeout, statementTimeout, true);
  }

  /**
   * Sets both timeouts for the session, for a rule's batches (each its own transaction) or VACUUM
   * (which cannot run in one). Also plans every batch for its own bounds: a generic plan of a
   * prepared range statement cannot know how narrow the range is and may scan the whole table.
   */
  static void setSession(Connection connection, Duration lockTimeout, Duration statementTimeout)
      throws SQLException {
    set(connection, lockTimeout, statementTimeout, false);
    try (var statement = connection.createStatement()) {
      statement.execute("SET plan_cache_mode = force_custom_plan");
    }
  }

  /**
   * Restores the server's defaults after {@link #setSession}. A failure means the session is
   * broken; the pool then drops it, and the error that broke it is the one worth reporting.
   */
  static void resetSession(Connection connection) {
    try (var statement = connection.createStatement()) {
      statement.execute("RESET lock_timeout; RESET statement_timeout; RESET plan_cache_mode");
    } catch (SQLException e) {
      // see above
    }
  }

  private static void set(
      Connection connection, Duration lockTimeout, Duration statementTimeout, boolean local)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT set_config('lock_timeout', ?, ?), set_config('statement_timeout', ?, ?)")) {
      statement.setString(1, Long.toString(lockTimeout.toMillis()));
      statement.setBoolean(2, local);
      statement.setString(3, Long.toString(statementTimeout.toMillis()));
      statement.setBoolean(4, local);
      statement.executeQuery().close();
    }
  }
}
