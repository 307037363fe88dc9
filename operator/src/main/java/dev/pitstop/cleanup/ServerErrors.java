package dev.pitstop.cleanup;

import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlState;
import java.sql.SQLException;
import java.util.Set;

/** How the cleanup engine reads a database error. */
final class ServerErrors {
  /**
   * A batch that hit one of these waited too long or collided: shrink it and retry. lock_timeout
   * and statement_timeout raise the first two.
   */
  private static final Set<String> BUSY =
      Set.of(
          SqlState.LOCK_NOT_AVAILABLE,
          SqlState.QUERY_CANCELED,
          SqlState.DEADLOCK_DETECTED,
          SqlState.SERIALIZATION_FAILURE);

  private ServerErrors() {}

  /** A lock or statement timeout, a deadlock or a serialization failure. */
  static boolean isBusy(SQLException e) {
    return BUSY.contains(e.getSQLState());
  }

  /** lock_timeout fired or a deadlock was broken: someone holds a lock the statement needs. */
  static boolean isLockNotAvailable(SQLException e) {
    return SqlState.LOCK_NOT_AVAILABLE.equals(e.getSQLState())
        || SqlState.DEADLOCK_DETECTED.equals(e.getSQLState());
  }

  /** The session is gone or the server is going away; the run cannot continue. */
  static boolean isConnectionProblem(SQLException e) {
    return !isBusy(e) && SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
  }
}
