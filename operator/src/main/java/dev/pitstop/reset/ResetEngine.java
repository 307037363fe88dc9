package dev.pitstop.reset;

import dev.pitstop.sql.SqlErrorKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Empties a sandbox database's user data and reseeds it, without DROP and without blocking readers,
 * as two verbs: {@link #plan} shows what a reset would do and changes nothing; {@link #reset} does
 * it in one transaction. Plain JDBC; each call uses one connection of the data source. Two resets
 * of one database never run at once (a transaction-level advisory lock).
 *
 * <p>Every verb throws {@link ResetException} on failure, and a failure leaves the database as it
 * was; {@link ResetException#isTransient()} tells whether retrying later may help. The one thing a
 * rollback does not undo is a sequence restarted with {@code setval} (the role does not own it):
 * the engine puts it back, on a new connection if the reset's was lost, and if it cannot, the
 * message says which sequence is left at which value.
 */
public final class ResetEngine {

  private final DataSource dataSource;

  /** Creates an engine on a data source; a connection is opened per call and closed after it. */
  public ResetEngine(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Checks the guard and the request, then computes the plan from the live catalog: deletion order,
   * preserved tables, references from kept tables, cycle handling, warnings, and the rows of every
   * emptied table and how many of them are kept. Deletes nothing (it runs in a transaction that is
   * rolled back) and takes no lock that blocks readers or writers.
   *
   * @throws ResetException for a wrong database, an invalid request, a missing privilege (the plan
   *     checks every privilege the reset needs), an unbreakable cycle or a kept table with rows
   *     referencing rows the reset would delete
   */
  public ResetPlan plan(ResetRequest request) {
    try (Connection connection = dataSource.getConnection()) {
      return new ResetSession(connection, request, ResetListener.NONE).plan();
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /** Resets without progress reports; see {@link #reset(ResetRequest, ResetListener)}. */
  public ResetResult reset(ResetRequest request) {
    return reset(request, ResetListener.NONE);
  }

  /**
   * Checks the guard ({@code confirmDatabaseName}) and the request, then in one transaction: takes
   * the reset lock, plans, empties the tables (DELETE in foreign-key order, or one TRUNCATE),
   * restarts owned sequences, runs the seeds in name order, and commits. Any error rolls everything
   * back, sequences included.
   *
   * @throws ResetException naming the field, table, seed script or constraint that failed
   */
  public ResetResult reset(ResetRequest request, ResetListener listener) {
    Objects.requireNonNull(listener, "listener");
    ResetSequences.Restarted restarted = new ResetSequences.Restarted();
    try (Connection connection = dataSource.getConnection()) {
      try {
        return new ResetSession(connection, request, listener, restarted).reset();
      } catch (SQLException e) {
        throw restarted.putBack(connection, dataSource, databaseError(e));
      } catch (ResetException e) {
        throw restarted.putBack(connection, dataSource, e);
      } catch (RuntimeException | Error e) {
        ResetException stopped = stoppedBy(e);
        ResetException putBack = restarted.putBack(connection, dataSource, stopped);
        if (putBack != stopped) {
          e.addSuppressed(putBack);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /** Stands for a failure that is not the engine's own (a listener's), to word what was undone. */
  private static ResetException stoppedBy(Throwable e) {
    return new ResetException(
        ResetErrorCode.INTERRUPTED,
        "reset",
        "The reset stopped: " + e + "; it was rolled back and nothing changed.",
        false,
        null,
        e);
  }

  private static ResetException databaseError(SQLException e) {
    ServerError error = ServerError.of(e);
    boolean transientError = SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
    return new ResetException(
        ResetErrorCode.DATABASE_ERROR,
        "database",
        "The database failed: "
            + error.describe()
            + (transientError ? "; this may pass, retry later." : ".")
            + " Nothing was changed.",
        transientError,
        null,
        e);
  }
}
