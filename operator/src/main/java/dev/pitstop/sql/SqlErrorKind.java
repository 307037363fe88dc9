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
          SqlState.ADMIN_SHUTDOWN,
          SqlState.CRASH_SHUTDOWN,
          SqlState.CANNOT_CONNECT_NOW,
          SqlState.TOO_MANY_CONNECTIONS,
          SqlState.SERIALIZATION_FAILURE,
          SqlState.DEADLOCK_DETECTED,
          SqlState.LOCK_NOT_AVAILABLE);

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
    return SqlState.isConnectionException(state)
        || (state != null && TRANSIENT_STATES.contains(state));
  }
}
