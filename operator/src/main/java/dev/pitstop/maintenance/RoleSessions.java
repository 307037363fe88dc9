package dev.pitstop.maintenance;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Client sessions of the drained roles on this database. Pitstop's own sessions are left out: the
 * one asking ({@code pg_backend_pid()}) and every session of the role Pitstop logged in as that
 * carries Pitstop's application name (its pools share one, even when a Secret overrides it), so a
 * migration running inside the window is never counted or terminated.
 */
final class RoleSessions {
  private static final String OTHERS =
      " FROM pg_stat_activity"
          + " WHERE datname = current_database()"
          // Without pg_read_all_stats some columns of other roles' sessions read NULL; the role
          // and database never do, so those sessions are still counted.
          + " AND coalesce(backend_type, 'client backend') = 'client backend'"
          + " AND usename = ANY (?)"
          + " AND pid <> pg_backend_pid()"
          + " AND NOT (usename = session_user"
          + " AND application_name = current_setting('application_name'))";

  private final List<String> roles;

  RoleSessions(List<String> roles) {
    this.roles = List.copyOf(roles);
  }

  /** The sessions still open, oldest first. */
  List<Session> list(Connection connection) throws SQLException {
    if (roles.isEmpty()) {
      return List.of();
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT pid, usename, application_name, state, backend_start"
                + OTHERS
                + " ORDER BY backend_start, pid")) {
      return read(connection, select);
    }
  }

  /** Terminates the sessions still open and returns them. */
  List<Session> terminate(Connection connection) throws SQLException {
    if (roles.isEmpty()) {
      return List.of();
    }
    // MATERIALIZED: the filter must be complete before pg_terminate_backend sees a pid; in a
    // single WHERE clause the planner may evaluate the conditions in any order.
    try (PreparedStatement terminate =
        connection.prepareStatement(
            "WITH drained AS MATERIALIZED (SELECT pid, usename, application_name, state,"
                + " backend_start"
                + OTHERS
                + ") SELECT pid, usename, application_name, state, backend_start FROM drained"
                + " WHERE pg_terminate_backend(pid)")) {
      return read(connection, terminate);
    }
  }

  private List<Session> read(Connection connection, PreparedStatement statement)
      throws SQLException {
    Array names = connection.createArrayOf("text", roles.toArray());
    statement.setArray(1, names);
    List<Session> sessions = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        Timestamp started = rows.getTimestamp(5);
        sessions.add(
            new Session(
                rows.getInt(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                started == null ? null : started.toInstant()));
      }
    }
    return sessions;
  }
}
