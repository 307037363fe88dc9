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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one-row table applications read to know whether to take new work, the holders table beside it
 * ({@code <table>_holders}: one row per holder with its state and lease), and the {@code NOTIFY
 * pitstop_maintenance} that tells listening applications at once.
 *
 * <p>The mode row is derived from the holders: {@code maintenance} while any live holder is in
 * maintenance, {@code waiting_for_maintenance} while any live holder waits, {@code running}
 * otherwise. Every write drops the holders whose lease has ended and derives the row again, so a
 * holder only ever writes its own row. Writers serialise on a transaction-scoped advisory lock, so
 * the mode row stays single without a key column the application would have to know about.
 *
 * <p>Tables are created only when the catalog says they are missing, so a role with only {@code
 * SELECT, INSERT, UPDATE, DELETE} on tables created beforehand needs no {@code CREATE} on the
 * schema.
 */
final class ModeTable {
  /** The channel applications {@code LISTEN} on; the payload is the new mode. */
  static final String CHANNEL = "pitstop_maintenance";

  static final List<String> COLUMNS =
      List.of("mode", "pending_tasks_count", "running_tasks_count", "mode_changed_at");

  /** Added in the holders version; an older mode table works without it (see {@link #ensure}). */
  static final String EXPIRES_COLUMN = "mode_expires_at";

  static final List<String> HOLDER_COLUMNS = List.of("holder", "state", "expires_at", "since");

  /** What is appended to the mode table's name to name the holders table. */
  static final String HOLDERS_SUFFIX = "_holders";

  private final QualifiedName table;
  private final QualifiedName holders;

  /** {@code table} may be null: then only NOTIFY is sent. */
  ModeTable(QualifiedName table) {
    this.table = table;
    this.holders =
        table == null ? null : new QualifiedName(table.schema(), table.name() + HOLDERS_SUFFIX);
  }

  /** The holders table beside {@code table}. */
  static QualifiedName holdersOf(QualifiedName table) {
    return new ModeTable(table).holders;
  }

  /**
   * Fails if a table exists without the columns Pitstop writes, or is missing and may not be
   * created by the current role; changes nothing.
   */
  void check(Connection connection) throws SQLException {
    if (table == null) {
      return;
    }
    checkTable(connection, table, COLUMNS);
    checkTable(connection, holders, HOLDER_COLUMNS);
  }

  private void checkTable(Connection connection, QualifiedName name, List<String> columns)
      throws SQLException {
    if (!exists(connection, name)) {
      requireCreate(connection, name);
      return;
    }
    Set<String> present = columns(connection, name);
    for (String column : columns) {
      if (!present.contains(column)) {
        throw new MaintenanceException(
            ErrorCode.MODE_TABLE_INVALID,
            Field.MODE_TABLE,
            "table "
                + name
                + " exists but has no column '"
                + column
                + "'; it needs "
                + String.join(", ", columns));
      }
    }
  }

  /**
   * Registers {@code holder} in {@code state}, or renews it, with a lease of {@code lease} from now
   * ({@code null}: until released), then derives the mode row (null counts keep their stored
   * values) and sends NOTIFY if the mode changed, in one transaction.
   */
  ModeState hold(
      Connection connection,
      String holder,
      Mode state,
      Duration lease,
      Long pendingTasks,
      Long openSessions)
      throws SQLException {
    if (state == Mode.RUNNING) {
      throw new IllegalArgumentException("a holder waits or is in maintenance");
    }
    return write(
        connection,
        () -> {
          if (table == null) {
            return state;
          }
          int updated;
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE "
                      + holders.sql()
                      + " SET state = ?, expires_at = now() + ? * interval '1 millisecond'"
                      + " WHERE holder = ?")) {
            update.setString(1, state.value());
            setMillis(update, 2, lease);
            update.setString(3, holder);
            updated = update.executeUpdate();
          }
          if (updated == 0) {
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO "
                        + holders.sql()
                        + " (holder, state, expires_at, since)"
                        + " VALUES (?, ?, now() + ? * interval '1 millisecond', now())")) {
              insert.setString(1, holder);
              insert.setString(2, state.value());
              setMillis(insert, 3, lease);
              insert.executeUpdate();
            }
          }
          return null;
        },
        pendingTasks,
        openSessions);
  }

  /**
   * Removes {@code holder} ({@code null}: every holder), derives the mode row and sends NOTIFY if
   * the mode changed.
   */
  ModeState release(Connection connection, String holder) throws SQLException {
    return write(
        connection,
        () -> {
          if (table == null) {
            return Mode.RUNNING;
          }
          try (PreparedStatement delete =
              connection.prepareStatement(
                  "DELETE FROM " + holders.sql() + (holder == null ? "" : " WHERE holder = ?"))) {
            if (holder != null) {
              delete.setString(1, holder);
            }
            delete.executeUpdate();
          }
          return null;
        },
        null,
        null);
  }

  /** Changes the holders; returns the mode to announce when there is no table, else null. */
  private interface HolderChange {
    Mode apply() throws SQLException;
  }

  private ModeState write(
      Connection connection, HolderChange change, Long pendingTasks, Long openSessions)
      throws SQLException {
    ModeState[] written = {null};
    Transactions.commit(
        connection,
        () -> {
          if (table == null) {
            notify(connection, change.apply());
            return;
          }
          lock(connection);
          boolean withExpiry = ensure(connection);
          change.apply();
          written[0] = derive(connection, withExpiry, pendingTasks, openSessions);
        });
    return written[0];
  }

  /**
   * Drops the holders whose lease ended, writes the mode they leave and sends NOTIFY when it
   * changed. Runs under the lock, after {@link #ensure}.
   */
  private ModeState derive(
      Connection connection, boolean withExpiry, Long pendingTasks, Long openSessions)
      throws SQLException {
    try (Statement expire = connection.createStatement()) {
      expire.executeUpdate("DELETE FROM " + holders.sql() + " WHERE expires_at <= now()");
    }
    Mode mode;
    Timestamp expires;
    try (Statement select = connection.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT coalesce(max(CASE state WHEN 'maintenance' THEN 2 ELSE 1 END), 0),"
                    + " CASE WHEN bool_or(expires_at IS NULL) THEN NULL ELSE max(expires_at) END"
                    + " FROM "
                    + holders.sql())) {
      rows.next();
      int rank = rows.getInt(1);
      mode = rank == 2 ? Mode.MAINTENANCE : rank == 1 ? Mode.WAITING_FOR_MAINTENANCE : Mode.RUNNING;
      expires = rows.getTimestamp(2);
    }
    String before = null;
    boolean hasRow;
    try (Statement select = connection.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT mode FROM " + table.sql() + " ORDER BY mode_changed_at DESC LIMIT 1")) {
      hasRow = rows.next();
      if (hasRow) {
        before = rows.getString(1);
      }
    }
    String expiry = withExpiry ? ", " + EXPIRES_COLUMN : "";
    if (hasRow) {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE "
                  + table.sql()
                  + " SET mode_changed_at = CASE WHEN mode IS DISTINCT FROM ? THEN now()"
                  + " ELSE mode_changed_at END, mode = ?,"
                  + " pending_tasks_count = coalesce(?, pending_tasks_count),"
                  + " running_tasks_count = coalesce(?, running_tasks_count)"
                  + (withExpiry ? ", " + EXPIRES_COLUMN + " = ?" : ""))) {
        update.setString(1, mode.value());
        update.setString(2, mode.value());
        setCount(update, 3, pendingTasks);
        setCount(update, 4, openSessions);
        if (withExpiry) {
          update.setTimestamp(5, expires);
        }
        update.executeUpdate();
      }
    } else {
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO "
                  + table.sql()
                  + " (mode, pending_tasks_count, running_tasks_count, mode_changed_at"
                  + expiry
                  + ") VALUES (?, coalesce(?, 0), coalesce(?, 0), now()"
                  + (withExpiry ? ", ?" : "")
                  + ")")) {
        insert.setString(1, mode.value());
        setCount(insert, 2, pendingTasks);
        setCount(insert, 3, openSessions);
        if (withExpiry) {
          insert.setTimestamp(4, expires);
        }
        insert.executeUpdate();
      }
    }
    if (!mode.value().equals(before)) {
      notify(connection, mode);
    }
    return read(connection).orElseThrow();
  }

  /**
   * Creates what is missing, as far as the catalog says it is missing: the mode table, the holders
   * table, and the {@code mode_expires_at} column of a mode table from before holders (only when
   * the current role owns the table; without it the row simply goes without that column).
   *
   * @return whether the mode table has {@code mode_expires_at}
   */
  private boolean ensure(Connection connection) throws SQLException {
    if (!exists(connection, table)) {
      requireCreate(connection, table);
      try (Statement create = connection.createStatement()) {
        create.execute(
            "CREATE TABLE "
                + table.sql()
                + " (mode text NOT NULL CHECK (mode IN ('running', 'waiting_for_maintenance',"
                + " 'maintenance')), pending_tasks_count bigint NOT NULL DEFAULT 0,"
                + " running_tasks_count bigint NOT NULL DEFAULT 0,"
                + " mode_changed_at timestamptz NOT NULL DEFAULT now(),"
                + " mode_expires_at timestamptz)");
      }
    }
    if (!exists(connection, holders)) {
      requireCreate(connection, holders);
      try (Statement create = connection.createStatement()) {
        create.execute(
            "CREATE TABLE "
                + holders.sql()
                + " (holder text PRIMARY KEY,"
                + " state text NOT NULL CHECK (state IN ('waiting_for_maintenance',"
                + " 'maintenance')), expires_at timestamptz,"
                + " since timestamptz NOT NULL DEFAULT now())");
      }
    }
    if (columns(connection, table).contains(EXPIRES_COLUMN)) {
      return true;
    }
    if (!owns(connection, table)) {
      return false;
    }
    try (Statement alter = connection.createStatement()) {
      alter.execute(
          "ALTER TABLE "
              + table.sql()
              + " ADD COLUMN IF NOT EXISTS "
              + EXPIRES_COLUMN
              + " timestamptz");
    }
    return true;
  }

  /**
   * The row and the holders as stored (holders whose lease ended are listed, marked expired, until
   * the next write drops them), or empty when there is no table or no row yet.
   */
  Optional<ModeState> read(Connection connection) throws SQLException {
    if (table == null || !exists(connection, table)) {
      return Optional.empty();
    }
    boolean withExpiry = columns(connection, table).contains(EXPIRES_COLUMN);
    ModeState state;
    try (Statement select = connection.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT mode, pending_tasks_count, running_tasks_count, mode_changed_at, "
                    + (withExpiry ? EXPIRES_COLUMN : "NULL::timestamptz")
                    + " FROM "
                    + table.sql()
                    + " ORDER BY mode_changed_at DESC LIMIT 1")) {
      if (!rows.next()) {
        return Optional.empty();
      }
      String raw = rows.getString(1);
      state =
          new ModeState(
              Mode.of(raw).orElse(null),
              raw,
              rows.getLong(2),
              rows.getLong(3),
              instant(rows.getTimestamp(4)),
              instant(rows.getTimestamp(5)),
              List.of());
    }
    if (!exists(connection, holders)) {
      return Optional.of(state);
    }
    List<ModeState.Holder> found = new ArrayList<>();
    try (Statement select = connection.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT holder, state, expires_at, since, coalesce(expires_at <= now(), false)"
                    + " FROM "
                    + holders.sql()
                    + " ORDER BY since, holder")) {
      while (rows.next()) {
        found.add(
            new ModeState.Holder(
                rows.getString(1),
                Mode.of(rows.getString(2)).orElse(null),
                instant(rows.getTimestamp(3)),
                instant(rows.getTimestamp(4)),
                rows.getBoolean(5)));
      }
    }
    return Optional.of(
        new ModeState(
            state.mode(),
            state.rawMode(),
            state.pendingTasksCount(),
            state.runningTasksCount(),
            state.modeChangedAt(),
            state.modeExpiresAt(),
            found));
  }

  /** Whether the table {@code name} exists (as {@code to_regclass} resolves it). */
  static boolean exists(Connection connection, QualifiedName name) throws SQLException {
    try (PreparedStatement regclass =
        connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      regclass.setString(1, name.sql());
      try (ResultSet rows = regclass.executeQuery()) {
        rows.next();
        return rows.getBoolean(1);
      }
    }
  }

  private static Set<String> columns(Connection connection, QualifiedName name)
      throws SQLException {
    Set<String> present = new HashSet<>();
    try (PreparedStatement columns =
        connection.prepareStatement(
            "SELECT attname FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped")) {
      columns.setString(1, name.sql());
      try (ResultSet rows = columns.executeQuery()) {
        while (rows.next()) {
          present.add(rows.getString(1));
        }
      }
    }
    return present;
  }

  private static boolean owns(Connection connection, QualifiedName name) throws SQLException {
    try (PreparedStatement owner =
        connection.prepareStatement(
            "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)")) {
      owner.setString(1, name.sql());
      try (ResultSet rows = owner.executeQuery()) {
        return rows.next() && rows.getBoolean(1);
      }
    }
  }

  /** Fails, saying what to create and grant, if the current role may not create {@code name}. */
  private static void requireCreate(Connection connection, QualifiedName name) throws SQLException {
    try (PreparedStatement privilege =
        connection.prepareStatement(
            "SELECT s, to_regnamespace(quote_ident(s)) IS NOT NULL,"
                + " CASE WHEN to_regnamespace(quote_ident(s)) IS NULL THEN false"
                + " ELSE has_schema_privilege(s, 'CREATE') END, current_user"
                + " FROM (SELECT coalesce(?::text, current_schema()::text) AS s) AS target")) {
      privilege.setString(1, name.schema());
      try (ResultSet rows = privilege.executeQuery()) {
        rows.next();
        if (rows.getBoolean(3)) {
          return;
        }
        String schema = rows.getString(1);
        String where =
            schema == null
                ? "; no schema is on the search_path"
                : !rows.getBoolean(2)
                    ? "; schema " + schema + " does not exist"
                    : " and role "
                        + rows.getString(4)
                        + " may not create it in schema "
                        + schema
                        + "; create it as the mode table contract shows"
                        + " (docs/maintenance-window.md) and grant SELECT, INSERT, UPDATE, DELETE"
                        + " on it";
        throw new MaintenanceException(
            ErrorCode.PERMISSION_DENIED,
            Field.MODE_TABLE,
            "table " + name + " does not exist" + where);
      }
    }
  }

  private static void notify(Connection connection, Mode mode) throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
      notify.setString(1, CHANNEL);
      notify.setString(2, mode.value());
      notify.execute();
    }
  }

  private void lock(Connection connection) throws SQLException {
    AdvisoryLock.lockForTransaction(
        connection, AdvisoryLock.Key.hashtext("pitstop-mode:" + table.sql()));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static void setMillis(PreparedStatement statement, int index, Duration lease)
      throws SQLException {
    if (lease == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, lease.toMillis());
    }
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
