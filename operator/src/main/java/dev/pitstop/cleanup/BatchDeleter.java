package dev.pitstop.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.cleanup.CleanupProgress.Activity;
import dev.pitstop.cleanup.DeletionPass.Mode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Deletes one rule's rows in batches, each a single statement in its own transaction, with the
 * request's statement timeout. A batch that times out (the table is busy) is halved and retried
 * after a growing pause, a bounded number of times; once batches succeed again they grow back. The
 * time budget is checked between batches, so a run stops cleanly, never inside one ({@link
 * DeletionPass} runs the batches, {@link NumberedRanges} sizes ranges over key numbers).
 *
 * <p>With an indexed key to walk, batches are key ranges: find where the next N rows end, then a
 * plain {@code DELETE} of that range, as cheap per row as one big DELETE. Such a batch would wait
 * for a row the application holds, so it gives up after {@value #RANGE_LOCK_MILLIS} ms and the rule
 * continues with batches that lock their rows first and skip the ones others hold ({@code FOR
 * UPDATE SKIP LOCKED}, with the request's lock timeout) — also when many rows share one key.
 * Without a key to walk, every batch works that way. When a walk is done and rows still match
 * (passed while locked, or added behind it), one more pass without the walk picks them up.
 */
final class BatchDeleter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How long a range batch waits for a row someone else holds before the rule switches to batches
   * that skip such rows; the request's lockTimeout applies to those.
   */
  static final long RANGE_LOCK_MILLIS = 200;

  private static final Duration RANGE_LOCK_TIMEOUT = Duration.ofMillis(RANGE_LOCK_MILLIS);

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

  /**
   * Counts the rule's matching rows and deletes nothing, read-only ({@link
   * RuleValidator#countReadOnly}); {@code counted} is the count the check before the run made if it
   * {@code tried} (null when it hit a timeout), else it is counted now.
   */
  RuleOutcome count(
      ResolvedRule rule, RuleValidator validator, boolean tried, RuleValidator.Counted counted)
      throws SQLException {
    long start = System.nanoTime();
    reporter.progress(Activity.COUNTING, rule.name(), null, 0, 0, request.batchSize(), null);
    RuleState state = RuleState.COUNTED;
    String message = null;
    if (!tried) {
      try {
        counted = validator.countReadOnly(rule, request, true);
      } catch (CleanupException e) {
        state = RuleState.FAILED;
        message = e.getMessage();
      }
    }
    if (counted == null && message == null) {
      message = "counting took longer than statementTimeout";
    }
    Long matched = counted == null ? null : counted.matched();
    if (counted != null && counted.note() != null) {
      message = counted.note();
    }
    return new RuleOutcome(
        rule.name(),
        rule.table().toString(),
        state,
        matched,
        0,
        matched,
        0,
        Duration.ofNanos(System.nanoTime() - start),
        Duration.ZERO,
        message,
        counted == null ? List.of() : counted.cascades());
  }

  /** Deletes the rule's rows; the caller holds the rule's lock. */
  RuleOutcome delete(ResolvedRule rule) throws SQLException {
    long start = System.nanoTime();
    boolean ranged = rule.keyset() != null && rule.keyset().ranged();
    SessionTimeouts.setSession(
        connection,
        ranged ? RANGE_LOCK_TIMEOUT : request.lockTimeout(),
        request.statementTimeout());
    CascadeCounter cascades = null;
    String uncounted = null;
    if (!rule.cascades().isEmpty()) {
      if (CascadeCounter.available(connection)) {
        cascades = new CascadeCounter(connection, rule.cascades());
      } else {
        uncounted =
            "rows deleted or changed through foreign keys were not counted: the server's"
                + " track_counts is off";
      }
    }
    try {
      OffsetDateTime cutoff = cutoff(rule);
      // The planner's estimate is enough for progress; an exact count up front would cost a scan.
      DeletionPass pass =
          new DeletionPass(
              connection,
              request,
              budget,
              reporter,
              rule,
              cutoff,
              estimate(rule, cutoff),
              cascades);
      Mode first;
      if (ranged) {
        first = rule.keyset().interpolable() ? Mode.NUMBERED_RANGE : Mode.RANGE;
      } else {
        first = rule.keyset() != null ? Mode.LOCKED_WALK : Mode.LOCKED;
      }
      pass.run(first);
      Long remaining;
      if (pass.state() == RuleState.INTERRUPTED) {
        remaining = null;
      } else if (pass.state() == RuleState.DONE
          && pass.mode().plainRanges()
          && !rule.mayKeepRows()) {
        // A range walk skips nothing: it deleted every row that matched when it passed by (unless
        // a trigger, rule or policy kept some in place).
        remaining = 0L;
      } else {
        remaining = count(rule, cutoff);
      }
      if (pass.mode() != Mode.LOCKED
          && pass.state() == RuleState.DONE
          && remaining != null
          && remaining > 0) {
        pass.run(Mode.LOCKED); // rows the walk passed while they were locked, or added behind it
        remaining = pass.state() == RuleState.INTERRUPTED ? null : count(rule, cutoff);
      }
      String message = pass.message();
      if (pass.state() == RuleState.DONE && remaining != null && remaining > 0) {
        message =
            remaining
                + " matching row(s) were locked by other sessions or added meanwhile"
                + (rule.mayKeepRows()
                    ? ", or kept by a BEFORE DELETE trigger, a DELETE rule or a row-level security"
                        + " policy of the table"
                    : "")
                + "; left for the next run";
      }
      if (uncounted != null) {
        message = message == null ? uncounted : message + "; " + uncounted;
      }
      return new RuleOutcome(
          rule.name(),
          rule.table().toString(),
          pass.state(),
          remaining == null ? null : pass.deleted() + remaining,
          pass.deleted(),
          remaining,
          pass.batches(),
          Duration.ofNanos(System.nanoTime() - start),
          pass.longest(),
          message,
          pass.cascades());
    } finally {
      if (cascades != null) {
        cascades.close();
      }
      SessionTimeouts.resetSession(connection);
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
    return cutoff(connection, rule);
  }

  /** The olderThan cutoff, from the server's clock; null for other rules. */
  static OffsetDateTime cutoff(Connection connection, ResolvedRule rule) throws SQLException {
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
