package dev.pitstop.sql;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Whether a database error may go away if the same work is retried later (a lost connection, a
 * server restart, a lock conflict) or will happen again (a syntax error, a missing table).
 */
public enum SqlErrorKind {
  /** Retrying later may succeed: connection problems, shutdowns, deadlocks, lock timeouts. */
  TRANSIENT,
  /** Retrying the same work will fail the same way. */
  DETERMINISTIC;

  private static final Set<String> TRANSIENT_STATES =
      Set.of(
          "57P01", // admin_shutdown
          "57P02", // crash_shutdown
          "57P03", // cannot_connect_now
          "53300", // too_many_connections
          "40001", // serialization_failure
          "40P01", // deadlock_detected
          "55P03"); // lock_not_available, also raised when lock_timeout fires

  /** Classifies an error by its SQLSTATE, walking causes and chained exceptions. */
  public static SqlErrorKind of(SQLException error) {
    return isTransient(error) ? TRANSIENT : DETERMINISTIC;
  }

  /** Classifies a SQLSTATE; {@code null} (no state) counts as deterministic. */
  public static SqlErrorKind ofSqlState(String sqlState) {
    return isTransientState(sqlState) ? TRANSIENT : DETERMINISTIC;
  }

  private static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientException
          || t instanceof SQLRecoverableException
          || t instanceof IOException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        if (isTransientState(sql.getSQLState())) {
          return true;
        }
        SQLException next = sql.getNextException();
        if (next != null && next != t && isTransient(next)) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static boolean isTransientState(String state) {
    return state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state));
  }
}
