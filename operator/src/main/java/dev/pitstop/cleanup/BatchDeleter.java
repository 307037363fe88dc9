package dev.pitstop.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Deletes one rule's rows in batches, each a single statement in its own transaction, with the
 * request's lock and statement timeouts. A batch that times out (the table is busy) is halved and
 * retried after a growing pause, a bounded number of times; once batches succeed again they grow
 * back. The time budget is checked between batches, so a run stops cleanly, never inside one.
 *
 * <p>When the rule has a keyset, batches walk it in order, each starting where the last ended, so
 * no batch re-reads the dead rows of earlier ones. Rows skipped that way (locked at the time) are
 * found by a final pass without the keyset if any still match.
 */
final class BatchDeleter {
  private static final ObjectMapper JSON = new ObjectMapper();

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
    Long matched;
    SessionTimeouts.setSession(connection, request.lockTimeout(), request.statementTimeout());
    try {
      matched = count(rule, cutoff(rule));
    } finally {
      SessionTimeouts.resetSession(connection);
    }
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
    SessionTimeouts.setSession(connection, request.lockTimeout(), request.statementTimeout());
    try {
      OffsetDateTime cutoff = cutoff(rule);
      // The planner's estimate is enough for progress; an exact count up front would cost a scan.
      Pass pass = new Pass(rule, cutoff, estimate(rule, cutoff));
      boolean ordered = rule.keyset() != null;
      pass.run(ordered);
      Long remaining = pass.state == RuleState.INTERRUPTED ? null : count(rule, cutoff);
      if (ordered && pass.state == RuleState.DONE && remaining != null && remaining > 0) {
        pass.run(false); // rows the ordered walk skipped while they were locked
        remaining = pass.state == RuleState.INTERRUPTED ? null : count(rule, cutoff);
      }
      String message = pass.message;
      if (pass.state == RuleState.DONE && remaining != null && remaining > 0) {
        message =
            remaining
                + " matching row(s) were locked by other sessions or added meanwhile; left for"
                + " the next run";
      }
      return new RuleOutcome(
          rule.name(),
          rule.table().toString(),
          pass.state,
          remaining == null ? null : pass.deleted + remaining,
          pass.deleted,
          remaining,
          pass.batches,
          Duration.ofNanos(System.nanoTime() - start),
          pass.longest,
          message);
    } finally {
      SessionTimeouts.resetSession(connection);
    }
  }

  /** Batches until no more rows match, or the run must stop; counters carry across passes. */
  private final class Pass {
    private final ResolvedRule rule;
    private final OffsetDateTime cutoff;
    private final Long estimate;
    private int size = request.batchSize();
    private long deleted;
    private int batches;
    private Duration longest = Duration.ZERO;
    private RuleState state;
    private String message;

    Pass(ResolvedRule rule, OffsetDateTime cutoff, Long estimate) {
      this.rule = rule;
      this.cutoff = cutoff;
      this.estimate = estimate;
    }

    void run(boolean ordered) throws SQLException {
      state = null;
      String last = null;
      int busy = 0;
      try (PreparedStatement first = connection.prepareStatement(rule.batchSql(ordered, false));
          PreparedStatement next =
              ordered ? connection.prepareStatement(rule.batchSql(true, true)) : null) {
        while (state == null) {
          if (Thread.currentThread().isInterrupted()) {
            stop(RuleState.INTERRUPTED, "the run was interrupted; committed batches are kept");
            return;
          }
          if (budget.isSpent()) {
            stop(
                RuleState.MAX_DURATION,
                "maxDuration (" + Durations.format(budget.limit()) + ") reached");
            return;
          }
          boolean bounded = last != null;
          PreparedStatement batch = bounded ? next : first;
          rule.bindBatch(batch, cutoff, bounded, last, size);
          Instant started = Instant.now();
          long t0 = System.nanoTime();
          int n;
          try (ResultSet row = batch.executeQuery()) {
            row.next();
            n = row.getInt(1);
            if (ordered && row.getString(2) != null) {
              last = row.getString(2);
            }
          } catch (SQLException e) {
            if (!ServerErrors.isBusy(e)) {
              if (ServerErrors.isConnectionProblem(e)) {
                throw e;
              }
              stop(RuleState.FAILED, "a batch failed: " + ServerErrors.describe(e));
              return;
            }
            if (++busy > request.busyRetries()) {
              stop(
                  RuleState.BUSY,
                  "the table stayed busy ("
                      + ServerErrors.describe(e)
                      + ") through "
                      + request.busyRetries()
                      + " smaller retries; left for the next run");
              return;
            }
            size = Math.max(1, size / 2);
            reporter.progress(
                Activity.BUSY,
                rule.name(),
                estimate,
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
          reporter.progress(Activity.DELETING, rule.name(), estimate, deleted, batches, size, null);
          if (n < size) {
            state = RuleState.DONE;
            return;
          }
          size = Math.min(request.batchSize(), size * 2);
          budget.pause(request.pauseBetweenBatches());
        }
      }
    }

    private void stop(RuleState reason, String why) {
      state = reason;
      message = why;
    }
  }

  /** The planner's estimate of the matching rows, or null if it has none. */
  private Long estimate(ResolvedRule rule, OffsetDateTime cutoff) throws SQLException {
    try (PreparedStatement explain =
        connection.prepareStatement("EXPLAIN (FORMAT JSON) " + rule.countSql())) {
      rule.bindCutoff(explain, cutoff);
      try (ResultSet row = explain.executeQuery()) {
        row.next();
        JsonNode plan = JSON.readTree(row.getString(1)).path(0).path("Plan");
        // count(*) sits on top; the rows it counts are its input's.
        JsonNode counted = plan.path("Plans").path(0);
        JsonNode rows = (counted.isMissingNode() ? plan : counted).path("Plan Rows");
        return rows.isNumber() ? rows.asLong() : null;
      }
    } catch (SQLException | java.io.IOException e) {
      if (e instanceof SQLException sql && ServerErrors.isConnectionProblem(sql)) {
        throw sql;
      }
      return null;
    }
  }

  /** Matching rows now, or null if counting hit a timeout. */
  private Long count(ResolvedRule rule, OffsetDateTime cutoff) throws SQLException {
    try (PreparedStatement count = connection.prepareStatement(rule.countSql())) {
      rule.bindCutoff(count, cutoff);
      try (ResultSet row = count.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    } catch (SQLException e) {
      if (ServerErrors.isConnectionProblem(e)) {
        throw e;
      }
      return null;
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
}
