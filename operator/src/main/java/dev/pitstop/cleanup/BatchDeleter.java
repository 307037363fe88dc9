package dev.pitstop.cleanup;

import dev.pitstop.cleanup.CleanupProgress.Activity;
import dev.pitstop.time.Durations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Deletes one rule's rows in batches, each its own short transaction with the request's lock and
 * statement timeouts. A batch that times out (the table is busy) is rolled back, halved and retried
 * after a growing pause, a bounded number of times; once batches succeed again they grow back. The
 * time budget is checked between batches, so a run stops cleanly, never in the middle of one.
 */
final class BatchDeleter {
  private final Connection connection;
  private final CleanupRequest request;
  private final TimeBudget budget;
  private final RunReporter reporter;

  BatchDeleter(
      Connection connection, CleanupRequest request, TimeBudget budget, RunReporter reporter) {
    this.connection = connection;
    this.request = request;
    this.budget = budget;
    this.reporter = reporter;
  }

  /** Counts the rule's matching rows and deletes nothing. */
  RuleOutcome count(ResolvedRule rule) throws SQLException {
    long start = System.nanoTime();
    reporter.progress(Activity.COUNTING, rule.name(), null, 0, 0, request.batchSize(), null);
    Long matched = count(rule, cutoff(rule));
    return new RuleOutcome(
        rule.name(),
        rule.table().toString(),
        RuleState.COUNTED,
        matched,
        0,
        matched,
        0,
        Duration.ofNanos(System.nanoTime() - start),
        Duration.ZERO,
        matched == null ? "counting took longer than statementTimeout" : null);
  }

  /** Deletes the rule's rows; the caller holds the rule's lock. */
  RuleOutcome delete(ResolvedRule rule) throws SQLException {
    long start = System.nanoTime();
    OffsetDateTime cutoff = cutoff(rule);
    reporter.progress(Activity.COUNTING, rule.name(), null, 0, 0, request.batchSize(), null);
    Long matched = count(rule, cutoff);

    int size = request.batchSize();
    int busy = 0;
    long deleted = 0;
    int batches = 0;
    Duration longest = Duration.ZERO;
    RuleState state = null;
    String message = null;
    try (PreparedStatement delete = connection.prepareStatement(rule.batchSql())) {
      while (state == null) {
        if (Thread.currentThread().isInterrupted()) {
          state = RuleState.INTERRUPTED;
          message = "the run was interrupted; committed batches are kept";
          break;
        }
        if (budget.isSpent()) {
          state = RuleState.MAX_DURATION;
          message = "maxDuration (" + Durations.format(budget.limit()) + ") reached";
          break;
        }
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        int n;
        try {
          n = deleteBatch(delete, rule, cutoff, size);
        } catch (SQLException e) {
          if (!ServerErrors.isBusy(e)) {
            if (ServerErrors.isConnectionProblem(e)) {
              throw e;
            }
            state = RuleState.FAILED;
            message = "a batch failed: " + ServerErrors.describe(e);
            break;
          }
          busy++;
          if (busy > request.busyRetries()) {
            state = RuleState.BUSY;
            message =
                "the table stayed busy ("
                    + ServerErrors.describe(e)
                    + ") through "
                    + request.busyRetries()
                    + " smaller retries; left for the next run";
            break;
          }
          size = Math.max(1, size / 2);
          reporter.progress(
              Activity.BUSY,
              rule.name(),
              matched,
              deleted,
              batches,
              size,
              ServerErrors.describe(e) + "; retrying with batches of " + size);
          budget.pause(request.busyBackoff().multipliedBy(busy));
          continue;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        longest = took.compareTo(longest) > 0 ? took : longest;
        batches++;
        deleted += n;
        busy = 0;
        reporter.batch(new BatchReport(rule.name(), size, n, started, took));
        reporter.progress(Activity.DELETING, rule.name(), matched, deleted, batches, size, null);
        if (n < size) {
          state = RuleState.DONE;
          break;
        }
        size = Math.min(request.batchSize(), size * 2);
        budget.pause(request.pauseBetweenBatches());
      }
    }
    Long remaining = state == RuleState.INTERRUPTED ? null : count(rule, cutoff);
    if (state == RuleState.DONE && remaining != null && remaining > 0) {
      message =
          remaining
              + " matching row(s) were locked by other sessions or added meanwhile; left for the"
              + " next run";
    }
    return new RuleOutcome(
        rule.name(),
        rule.table().toString(),
        state,
        matched,
        deleted,
        remaining,
        batches,
        Duration.ofNanos(System.nanoTime() - start),
        longest,
        message);
  }

  private int deleteBatch(
      PreparedStatement delete, ResolvedRule rule, OffsetDateTime cutoff, int size)
      throws SQLException {
    connection.setAutoCommit(false);
    try {
      SessionTimeouts.setLocal(connection, request.lockTimeout(), request.statementTimeout());
      int next = rule.bindCutoff(delete, cutoff);
      delete.setInt(next, size);
      int n = delete.executeUpdate();
      connection.commit();
      return n;
    } catch (SQLException e) {
      rollbackQuietly(e);
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** Matching rows now, or null if counting hit a timeout. */
  private Long count(ResolvedRule rule, OffsetDateTime cutoff) throws SQLException {
    connection.setAutoCommit(false);
    try {
      SessionTimeouts.setLocal(connection, request.lockTimeout(), request.statementTimeout());
      try (PreparedStatement count = connection.prepareStatement(rule.countSql())) {
        rule.bindCutoff(count, cutoff);
        try (ResultSet row = count.executeQuery()) {
          row.next();
          return row.getLong(1);
        }
      } finally {
        connection.rollback();
      }
    } catch (SQLException e) {
      if (ServerErrors.isConnectionProblem(e)) {
        throw e;
      }
      return null;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** The olderThan cutoff, from the server's clock, fixed for the whole rule; else null. */
  private OffsetDateTime cutoff(ResolvedRule rule) throws SQLException {
    if (!(rule.rule().criterion() instanceof DeletionRule.OlderThan older)) {
      return null;
    }
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT now() - (? * interval '1 millisecond')")) {
      statement.setLong(1, older.age().toMillis());
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getObject(1, OffsetDateTime.class);
      }
    }
  }

  private void rollbackQuietly(SQLException cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
