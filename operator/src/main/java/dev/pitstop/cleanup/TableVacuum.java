package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.ServerMessages;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code VACUUM (ANALYZE)} on tables that lost rows, outside any transaction (VACUUM cannot run in
 * one), with the request's lock_timeout so it never queues behind DDL, and only while the time
 * budget lasts. A VACUUM that fails is a warning, never a failed run.
 */
final class TableVacuum {
  private final Connection connection;
  private final CleanupRequest request;
  private final TimeBudget budget;

  TableVacuum(Connection connection, CleanupRequest request, TimeBudget budget) {
    this.connection = connection;
    this.request = request;
    this.budget = budget;
  }

  /** What happened: tables vacuumed and warnings. */
  record Report(List<String> vacuumed, List<String> warnings) {}

  Report vacuum(Collection<QualifiedName> tables, RunReporter reporter) throws SQLException {
    List<String> vacuumed = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    for (QualifiedName table : tables) {
      if (budget.isSpent() || Thread.currentThread().isInterrupted()) {
        warnings.add(
            "VACUUM (ANALYZE) skipped for "
                + table
                + ": the run's time is up; autovacuum will clean up");
        continue;
      }
      reporter.progress(
          CleanupProgress.Activity.VACUUMING, null, null, 0, 0, 0, "VACUUM (ANALYZE) " + table);
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        SessionTimeouts.setSession(connection, request.lockTimeout(), atLeastOneSecond());
        statement.execute("VACUUM (ANALYZE) " + table.sql());
        vacuumed.add(table.toString());
      } catch (SQLException e) {
        if (ServerErrors.isConnectionProblem(e)) {
          throw e;
        }
        warnings.add("VACUUM (ANALYZE) " + table + " failed: " + ServerMessages.describe(e));
      } finally {
        SessionTimeouts.resetSession(connection);
      }
    }
    return new Report(vacuumed, warnings);
  }

  private Duration atLeastOneSecond() {
    Duration left = budget.remaining();
    return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
  }
}
