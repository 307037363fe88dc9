package dev.pitstop.reset;

import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

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
    AdvisoryLock.Key key = AdvisoryLock.Key.of(KEY);
    if (AdvisoryLock.tryLockForTransaction(connection, key)) {
      return;
    }
    String holder =
        AdvisoryLock.holder(connection, key)
            .map(
                h ->
                    "pid " + h.pid() + (h.since() == null ? "" : " since " + h.since().toInstant()))
            .orElse(null);
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

  /**
   * Takes, for the current transaction, the migration lock of every schema history table of the
   * database, so a reset never runs while a migration runs and a migration started meanwhile waits
   * for the reset (it waits for its lock). The key is the migration engine's ({@link
   * AdvisoryLock.Key#flyway}, Flyway's too). History tables are Pitstop's and Flyway's default
   * names in the reset's schemas, and any table with a Flyway history table's columns. Waits for
   * each as the transaction's lock_timeout allows.
   *
   * @throws ResetException {@link ResetErrorCode#MIGRATION_RUNNING} (transient) naming the table
   *     and the holder's pid, when a lock is not free within lock_timeout
   */
  static void takeMigrationLocks(Connection connection, List<String> schemas, String database)
      throws SQLException {
    for (QualifiedName table : historyTables(connection, schemas)) {
      AdvisoryLock.Key key = AdvisoryLock.Key.flyway(table);
      Savepoint savepoint = connection.setSavepoint();
      try {
        AdvisoryLock.lockForTransaction(connection, key);
        connection.releaseSavepoint(savepoint);
      } catch (SQLException e) {
        if (!SqlState.LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
          throw e;
        }
        connection.rollback(savepoint);
        String holder =
            AdvisoryLock.holder(connection, key)
                .map(
                    h ->
                        " (pid "
                            + h.pid()
                            + (h.applicationName() == null || h.applicationName().isEmpty()
                                ? ""
                                : ", " + h.applicationName())
                            + (h.since() == null ? "" : ", since " + h.since().toInstant())
                            + ")")
                .orElse("");
        throw new ResetException(
            ResetErrorCode.MIGRATION_RUNNING,
            table.toString(),
            "A migration of database "
                + database
                + " holds the migration lock of "
                + table
                + holder
                + " for longer than lockTimeout; retry when it has finished. Nothing was"
                + " changed.",
            true,
            null,
            e);
      }
    }
  }

  /** The history tables whose migration locks a reset takes, in a fixed order. */
  private static Set<QualifiedName> historyTables(Connection connection, List<String> schemas)
      throws SQLException {
    Set<QualifiedName> tables =
        new TreeSet<>(
            Comparator.comparing(QualifiedName::schema).thenComparing(QualifiedName::name));
    for (String schema : schemas) {
      tables.add(new QualifiedName(schema, "pitstop_schema_history"));
      tables.add(new QualifiedName(schema, "flyway_schema_history"));
    }
    Array columns = connection.createArrayOf("text", HistoryTables.FLYWAY_COLUMNS.toArray());
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('r', 'p') AND (SELECT count(*) FROM pg_catalog.pg_attribute a"
                + " WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                + " AND a.attname = ANY (?)) = cardinality(?::text[])")) {
      statement.setArray(1, columns);
      statement.setArray(2, columns);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(new QualifiedName(rows.getString(1), rows.getString(2)));
        }
      }
    }
    return tables;
  }
}
