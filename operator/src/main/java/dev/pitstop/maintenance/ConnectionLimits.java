package dev.pitstop.maintenance;

import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and sets roles' connection limits ({@code ALTER ROLE ... CONNECTION LIMIT}), and checks
 * beforehand that Pitstop may alter the roles and terminate their sessions, so a window that cannot
 * finish is refused before it changes anything.
 */
final class ConnectionLimits {
  private ConnectionLimits() {}

  /** The current limits, in the order of {@code roles}; fails naming a role that is missing. */
  static List<RoleLimit> read(Connection connection, List<String> roles) throws SQLException {
    Map<String, Integer> found = new LinkedHashMap<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT rolname, rolconnlimit FROM pg_roles WHERE rolname = ANY (?)")) {
      select.setArray(1, textArray(connection, roles));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.put(rows.getString(1), rows.getInt(2));
        }
      }
    }
    List<RoleLimit> limits = new ArrayList<>();
    for (String role : roles) {
      Integer limit = found.get(role);
      if (limit == null) {
        throw new MaintenanceException(
            ErrorCode.ROLE_NOT_FOUND,
            Field.ROLES,
            "role '" + role + "' does not exist (role names are case-sensitive)");
      }
      limits.add(new RoleLimit(role, limit));
    }
    return limits;
  }

  /**
   * Sets a limit. Utility statements take no bind parameters, so the number is written into the
   * statement; it is an {@code int}, never text from a user.
   */
  static void set(Connection connection, String role, int limit) throws SQLException {
    try (Statement alter = connection.createStatement()) {
      alter.execute(
          "ALTER ROLE " + SqlIdentifiers.quote(role) + " CONNECTION LIMIT " + Math.max(-1, limit));
    }
  }

  /**
   * Refuses blocking a role Pitstop itself logs in as (it would lock itself out), and tries each
   * ALTER ROLE inside a transaction that is rolled back, to learn whether it is allowed.
   */
  static void checkCanBlock(Connection connection, List<RoleLimit> limits) throws SQLException {
    try (Statement who = connection.createStatement();
        ResultSet rows =
            who.executeQuery(
                "SELECT session_user, rolsuper FROM pg_roles WHERE rolname = session_user")) {
      if (rows.next() && !rows.getBoolean(2)) {
        String self = rows.getString(1);
        for (RoleLimit limit : limits) {
          if (limit.role().equals(self)) {
            throw new MaintenanceException(
                ErrorCode.INVALID_REQUEST,
                Field.BLOCK_NEW,
                "cannot block role '"
                    + self
                    + "': Pitstop logs in as that role and would lock itself out; give Pitstop"
                    + " a role of its own or set blockNew to false");
          }
        }
      }
    }
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      for (RoleLimit limit : limits) {
        set(connection, limit.role(), limit.connectionLimit());
      }
    } catch (SQLException e) {
      if (SqlState.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
        throw new MaintenanceException(
            ErrorCode.PERMISSION_DENIED,
            Field.BLOCK_NEW,
            "Pitstop's role may not change the connection limit: "
                + e.getMessage()
                + "; grant it CREATEROLE with ADMIN OPTION on the role, or set blockNew to false");
      }
      throw e;
    } finally {
      connection.rollback();
      connection.setAutoCommit(autoCommit);
    }
  }

  /** Refuses roles whose sessions Pitstop's role may not terminate. */
  static void checkCanTerminate(Connection connection, List<String> roles) throws SQLException {
    List<String> refused = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT r.rolname FROM pg_roles r, pg_roles me"
                + " WHERE me.rolname = session_user AND r.rolname = ANY (?)"
                + " AND NOT (me.rolsuper OR (NOT r.rolsuper"
                + " AND (pg_has_role(session_user, 'pg_signal_backend', 'USAGE')"
                + " OR pg_has_role(session_user, r.oid, 'MEMBER'))))"
                + " ORDER BY r.rolname")) {
      select.setArray(1, textArray(connection, roles));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          refused.add(rows.getString(1));
        }
      }
    }
    if (!refused.isEmpty()) {
      throw new MaintenanceException(
          ErrorCode.PERMISSION_DENIED,
          Field.TERMINATE,
          "Pitstop's role may not terminate sessions of "
              + String.join(", ", refused)
              + "; grant it pg_signal_backend, or set terminate to false");
    }
  }

  private static Array textArray(Connection connection, List<String> values) throws SQLException {
    return connection.createArrayOf("text", values.toArray());
  }
}
