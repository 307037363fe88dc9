package dev.pitstop.reset;

import dev.pitstop.sql.AdvisoryLock;
import java.sql.Connection;
import java.sql.SQLException;

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
}
