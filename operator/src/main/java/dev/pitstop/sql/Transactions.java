package dev.pitstop.sql;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs JDBC work as one transaction on a connection, and leaves the connection as it found it. */
public final class Transactions {
  private Transactions() {}

  /** Work on the connection, inside the transaction. */
  @FunctionalInterface
  public interface Work {
    void run() throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back (and the failure
   * rethrown) when it throws. The connection's auto-commit setting is restored either way. When the
   * work failed because the connection broke, rolling back and restoring fail too ("connection is
   * closed", without the server's SQLSTATE); those failures are added to the work's as suppressed,
   * so the caller sees what really happened (a lost connection is retried, not taken for bad
   * input).
   */
  public static void commit(Connection connection, Work work) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      work.run();
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        connection.rollback();
      } catch (SQLException rollbackFailed) {
        e.addSuppressed(rollbackFailed);
      }
      try {
        connection.setAutoCommit(autoCommit);
      } catch (SQLException restoreFailed) {
        e.addSuppressed(restoreFailed);
      }
      throw e;
    }
    connection.setAutoCommit(autoCommit);
  }
}
