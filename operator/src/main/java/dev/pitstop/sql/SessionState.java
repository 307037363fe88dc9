package dev.pitstop.sql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * The settings of a session as they were when it was captured, to put back after user SQL changed
 * them: the session user, the role ({@code SET ROLE}) and every parameter set with {@code SET} or
 * {@code set_config(..., false)} before the capture (a pool's own settings, say). {@link #restore}
 * runs {@code RESET ALL}, which returns every other parameter to its connection default ({@code
 * search_path}, {@code TimeZone}, {@code check_function_bodies}, ...), and applies the captured
 * values again. Temporary tables, prepared statements and the like are not touched.
 */
public final class SessionState {

  private final String sessionUser;
  private final String role;
  private final String[] names;
  private final String[] values;

  private SessionState(String sessionUser, String role, String[] names, String[] values) {
    this.sessionUser = sessionUser;
    this.role = role;
    this.names = names;
    this.values = values;
  }

  /** Reads the session's current state in one round trip. */
  public static SessionState capture(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT session_user, pg_catalog.current_setting('role'),"
                    + " ARRAY(SELECT name FROM pg_catalog.pg_settings WHERE source = 'session'"
                    + " AND name NOT IN ('role', 'session_authorization') ORDER BY name),"
                    + " ARRAY(SELECT pg_catalog.current_setting(name) FROM pg_catalog.pg_settings"
                    + " WHERE source = 'session'"
                    + " AND name NOT IN ('role', 'session_authorization') ORDER BY name)")) {
      row.next();
      return new SessionState(
          row.getString(1), row.getString(2), strings(row.getArray(3)), strings(row.getArray(4)));
    }
  }

  /**
   * Puts the captured state back, in the connection's current transaction if one is open (so it is
   * undone with a rollback, like the changes it undoes).
   */
  public void restore(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      try (ResultSet row = statement.executeQuery("SELECT session_user")) {
        row.next();
        if (!Objects.equals(row.getString(1), sessionUser)) {
          statement.execute("SET SESSION AUTHORIZATION " + SqlIdentifiers.quote(sessionUser));
        }
      }
      statement.execute("RESET ALL");
    }
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT pg_catalog.set_config('role', ?, false),"
                + " (SELECT count(pg_catalog.set_config(s.name, s.value, false))"
                + " FROM unnest(?::text[], ?::text[]) AS s(name, value))")) {
      statement.setString(1, role);
      statement.setArray(2, connection.createArrayOf("text", names));
      statement.setArray(3, connection.createArrayOf("text", values));
      statement.executeQuery().close();
    }
  }

  private static String[] strings(Array array) throws SQLException {
    return (String[]) array.getArray();
  }
}
