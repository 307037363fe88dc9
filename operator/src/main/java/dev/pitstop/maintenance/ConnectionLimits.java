package dev.pitstop.maintenance;

import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import dev.pitstop.sql.Transactions;
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
 *
 * <p>A block is recorded in the database, in the same transaction as the {@code CONNECTION LIMIT
 * 0}: one row per role and holder (window) in the table {@value #TABLE} (in the mode table's
 * schema, else the first schema on the search path), with the limit the role had at the moment it
 * was first blocked. The first holder to block a role records its limit; a later holder joins with
 * the same recorded limit; releasing a holder deletes its rows, and only the last holder of a role
 * sets the recorded limit back. So the truth survives an operator restart or a lost status, two
 * windows on one role never restore each other's block, and a role Pitstop never blocked is never
 * changed. Writers serialise on a transaction-scoped advisory lock.
 */
final class ConnectionLimits {
  /** The table recording blocked roles, beside the mode table. */
  static final String TABLE = "pitstop_blocked_roles";

  private static final AdvisoryLock.Key LOCK = AdvisoryLock.Key.hashtext("pitstop-blocked-roles");

  private ConnectionLimits() {}

  /** The blocks table: {@value #TABLE} in the mode table's schema, or unqualified. */
  static QualifiedName table(QualifiedName modeTable) {
    return new QualifiedName(modeTable == null ? null : modeTable.schema(), TABLE);
  }

  /** The current limits, in the order of {@code roles}; fails naming a role that is missing. */
  static List<RoleLimit> read(Connection connection, List<String> roles) throws SQLException {
    Map<String, Integer> found = current(connection, roles);
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

  /** The current limits of those of {@code roles} that exist. */
  static Map<String, Integer> current(Connection connection, List<String> roles)
      throws SQLException {
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
    return found;
  }

  /**
   * Blocks {@code roles} for {@code holder}, in one transaction: a role no holder blocks yet gets
   * its current limit recorded and {@code CONNECTION LIMIT 0}; a role another holder blocks gets
   * {@code holder} added with the limit recorded first; a role this holder already blocks is set to
   * 0 again. Roles that do not exist are skipped. The table is created if it is missing.
   *
   * @return the limits recorded, for the roles this call blocked first
   */
  static List<RoleLimit> block(
      Connection connection, QualifiedName table, String holder, List<String> roles)
      throws SQLException {
    List<RoleLimit> recorded = new ArrayList<>();
    Transactions.commit(
        connection,
        () -> {
          AdvisoryLock.lockForTransaction(connection, LOCK);
          if (!ModeTable.exists(connection, table)) {
            try (Statement create = connection.createStatement()) {
              create.execute(
                  "CREATE TABLE IF NOT EXISTS "
                      + table.sql()
                      + " (role text NOT NULL, holder text NOT NULL,"
                      + " original_connection_limit integer NOT NULL,"
                      + " blocked_at timestamptz NOT NULL DEFAULT now(),"
                      + " PRIMARY KEY (role, holder))");
            }
          }
          for (Map.Entry<String, Integer> role : current(connection, roles).entrySet()) {
            Integer original = recordedLimit(connection, table, role.getKey());
            if (original == null) {
              original = role.getValue();
              recorded.add(new RoleLimit(role.getKey(), original));
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO "
                        + table.sql()
                        + " (role, holder, original_connection_limit) VALUES (?, ?, ?)"
                        + " ON CONFLICT (role, holder) DO NOTHING")) {
              insert.setString(1, role.getKey());
              insert.setString(2, holder);
              insert.setInt(3, original);
              insert.executeUpdate();
            }
            set(connection, role.getKey(), 0);
          }
        });
    return recorded;
  }

  /**
   * What releasing a holder did.
   *
   * @param restored roles whose recorded limit was set back
   * @param changed roles no longer at 0 when released, with their limit now: someone changed it
   *     while they were blocked (a DBA, or a window on another database or mode table schema that
   *     blocked the role too and restored it), so it is left as it is
   */
  record Released(List<RoleLimit> restored, List<RoleLimit> changed) {}

  /**
   * Releases {@code holder}'s blocks, in one transaction: its rows are deleted; a role another
   * holder still blocks stays at 0, for the last holder the recorded limit is set back if the role
   * is still at 0 and the recorded limit is not 0 itself (a role dropped meanwhile is skipped). A
   * role whose limit is no longer 0 was changed by someone else while blocked and is left as it is;
   * a role that was already at 0 when blocked has nothing to come back. Roles {@code holder} does
   * not block are left alone. So a window never closes a role: one that recorded 0 because another
   * window (on another database, roles being the cluster's) had blocked it first does not set 0
   * again after that window restored the role.
   */
  static Released release(Connection connection, QualifiedName table, String holder)
      throws SQLException {
    List<RoleLimit> restored = new ArrayList<>();
    List<RoleLimit> changed = new ArrayList<>();
    if (!ModeTable.exists(connection, table)) {
      return new Released(restored, changed);
    }
    Transactions.commit(
        connection,
        () -> {
          AdvisoryLock.lockForTransaction(connection, LOCK);
          Map<String, Integer> released = new LinkedHashMap<>();
          try (PreparedStatement delete =
              connection.prepareStatement(
                  "DELETE FROM "
                      + table.sql()
                      + " WHERE holder = ? RETURNING role, original_connection_limit")) {
            delete.setString(1, holder);
            try (ResultSet rows = delete.executeQuery()) {
              while (rows.next()) {
                released.put(rows.getString(1), rows.getInt(2));
              }
            }
          }
          Map<String, Integer> existing = current(connection, new ArrayList<>(released.keySet()));
          for (Map.Entry<String, Integer> role : released.entrySet()) {
            Integer now = existing.get(role.getKey());
            if (now == null || recordedLimit(connection, table, role.getKey()) != null) {
              continue; // dropped, or another holder still blocks it
            }
            if (now != 0) {
              changed.add(new RoleLimit(role.getKey(), now));
            } else if (role.getValue() != 0) {
              set(connection, role.getKey(), role.getValue());
              restored.add(new RoleLimit(role.getKey(), role.getValue()));
            }
          }
        });
    return new Released(restored, changed);
  }

  /** The limit recorded for {@code role} by any holder, or null when no holder blocks it. */
  static Integer recordedLimit(Connection connection, QualifiedName table, String role)
      throws SQLException {
    if (!ModeTable.exists(connection, table)) {
      return null;
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT original_connection_limit FROM "
                + table.sql()
                + " WHERE role = ? ORDER BY blocked_at LIMIT 1")) {
      select.setString(1, role);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getInt(1) : null;
      }
    }
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
  static void checkCanBlock(Connection connection, QualifiedName table, List<RoleLimit> limits)
      throws SQLException {
    try (PreparedStatement privilege =
        connection.prepareStatement(
            "SELECT CASE WHEN to_regclass(?) IS NULL"
                + " THEN coalesce(has_schema_privilege(coalesce(?, current_schema()), 'CREATE'),"
                + " false)"
                + " ELSE has_table_privilege(to_regclass(?), 'SELECT, INSERT, DELETE') END")) {
      privilege.setString(1, table.sql());
      privilege.setString(2, table.schema());
      privilege.setString(3, table.sql());
      try (ResultSet rows = privilege.executeQuery()) {
        rows.next();
        if (!rows.getBoolean(1)) {
          throw new MaintenanceException(
              ErrorCode.PERMISSION_DENIED,
              Field.BLOCK_NEW,
              "Pitstop's role may not record blocked roles in "
                  + table
                  + "; grant it CREATE on the schema, or create the table as"
                  + " docs/maintenance-window.md shows and grant SELECT, INSERT, DELETE on it");
        }
      }
    }
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

  /**
   * Refuses roles whose sessions Pitstop's role may not terminate. A superuser's sessions can only
   * be terminated by a superuser ({@code pg_signal_backend} does not cover them), so the advice
   * differs for those.
   */
  static void checkCanTerminate(Connection connection, List<String> roles) throws SQLException {
    List<String> refused = new ArrayList<>();
    List<String> superusers = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT r.rolname, r.rolsuper FROM pg_roles r, pg_roles me"
                + " WHERE me.rolname = session_user AND r.rolname = ANY (?)"
                + " AND NOT (me.rolsuper OR (NOT r.rolsuper"
                + " AND (pg_has_role(session_user, 'pg_signal_backend', 'USAGE')"
                + " OR pg_has_role(session_user, r.oid, 'MEMBER'))))"
                + " ORDER BY r.rolname")) {
      select.setArray(1, textArray(connection, roles));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          (rows.getBoolean(2) ? superusers : refused).add(rows.getString(1));
        }
      }
    }
    if (!superusers.isEmpty()) {
      throw new MaintenanceException(
          ErrorCode.PERMISSION_DENIED,
          Field.TERMINATE,
          "Pitstop's role may not terminate sessions of "
              + String.join(", ", superusers)
              + ": a superuser's sessions can only be terminated by a superuser"
              + " (pg_signal_backend does not cover superusers); drain the application's own"
              + " non-superuser role instead, or set terminate to false");
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
