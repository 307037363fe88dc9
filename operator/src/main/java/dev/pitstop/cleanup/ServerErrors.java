package dev.pitstop.cleanup;

import dev.pitstop.sql.SqlErrorKind;
import java.sql.SQLException;
import java.util.Set;

/** How the cleanup engine reads a database error. */
final class ServerErrors {
  /**
   * A batch that hit one of these waited too long or collided: shrink it and retry. 55P03
   * lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout), 40P01
   * deadlock_detected, 40001 serialization_failure.
   */
  private static final Set<String> BUSY = Set.of("55P03", "57014", "40P01", "40001");

  private ServerErrors() {}

  /** A lock or statement timeout, a deadlock or a serialization failure. */
  static boolean isBusy(SQLException e) {
    return BUSY.contains(e.getSQLState());
  }

  /** lock_timeout fired or a deadlock was broken: someone holds a lock the statement needs. */
  static boolean isLockNotAvailable(SQLException e) {
    return "55P03".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
  }

  /** The session is gone or the server is going away; the run cannot continue. */
  static boolean isConnectionProblem(SQLException e) {
    return !isBusy(e) && SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
  }
}
