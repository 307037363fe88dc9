package dev.pitstop.faults;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.testing.OperatorExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Kills the operator the way a crash would: its reconcilers stop and every session it holds is
 * terminated by the server, so a transaction in flight is cut rather than allowed to finish.
 */
final class OperatorCrash {
  private static final Duration KILL_POINT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private OperatorCrash() {}

  /**
   * Stops the operator and terminates its backends on {@code database} until it has stopped. Only
   * that database's sessions: other operators (the end-to-end suite's) share the server and the
   * application name.
   */
  static void crash(OperatorExtension kube, DataSource admin, String database) {
    // Stopping waits for running jobs; terminating their sessions is what makes it a crash.
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(kube::crashOperator);
    Awaitility.await("the operator to stop")
        .atMost(STOP_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              terminateOperatorSessions(admin, database);
              return stopping.isDone();
            });
    stopping.join();
    terminateOperatorSessions(admin, database);
  }

  /** Terminates every session on the database whose application_name is the operator's. */
  static int terminateOperatorSessions(DataSource admin, String database) {
    return count(
        admin,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            + " WHERE datname = ? AND application_name = ? AND pid <> pg_backend_pid()",
        database,
        ConnectionSettings.DEFAULT_APPLICATION_NAME);
  }

  /**
   * Waits until a session of the operator runs a statement matching the regular expression. One
   * session polls, so that each look takes a millisecond, not a new connection: a kill point is a
   * statement of 150 ms, which a busy machine's connection start-ups could step over.
   */
  static void awaitStatement(DataSource admin, String database, String pattern) {
    try (Connection connection = admin.getConnection();
        PreparedStatement running =
            connection.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND state = 'active'"
                    + " AND application_name = ? AND query ~ ?")) {
      running.setString(1, database);
      running.setString(2, ConnectionSettings.DEFAULT_APPLICATION_NAME);
      running.setString(3, pattern);
      Awaitility.await()
          .atMost(KILL_POINT_TIMEOUT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                // pg_stat_activity is read once per transaction: autocommit takes a new look.
                try (ResultSet rows = running.executeQuery()) {
                  rows.next();
                  return rows.getInt(1) > 0;
                }
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("kill point not reached: no statement matching " + pattern, e);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static int count(DataSource admin, String sql, String... params) {
    try (Connection connection = admin.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setString(i + 1, params[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
