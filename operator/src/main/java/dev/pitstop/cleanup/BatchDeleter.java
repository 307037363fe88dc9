package dev.pitstop.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.cleanup.CleanupProgress.Activity;
import dev.pitstop.sql.ServerMessages;
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
 * request's statement timeout. A batch that times out (the table is busy) is halved and retried
 * after a growing pause, a bounded number of times; once batches succeed again they grow back. The
 * time budget is checked between batches, so a run stops cleanly, never inside one.
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
    boolean ranged = rule.keyset() != null && rule.keyset().ranged();
    SessionTimeouts.setSession(
        connection,
        ranged ? RANGE_LOCK_TIMEOUT : request.lockTimeout(),
        request.statementTimeout());
    try {
      OffsetDateTime cutoff = cutoff(rule);
      // The planner's estimate is enough for progress; an exact count up front would cost a scan.
      Pass pass = new Pass(rule, cutoff, estimate(rule, cutoff));
      Mode first;
      if (ranged) {
        first = rule.keyset().interpolable() ? Mode.NUMBERED_RANGE : Mode.RANGE;
      } else {
        first = rule.keyset() != null ? Mode.LOCKED_WALK : Mode.LOCKED;
      }
      pass.run(first);
      Long remaining;
      if (pass.state == RuleState.INTERRUPTED) {
        remaining = null;
      } else if (pass.state == RuleState.DONE && pass.mode.plainRanges()) {
        // A range walk skips nothing: it deleted every row that matched when it passed by.
        remaining = 0L;
      } else {
        remaining = count(rule, cutoff);
      }
      if (pass.mode != Mode.LOCKED
          && pass.state == RuleState.DONE
          && remaining != null
          && remaining > 0) {
        pass.run(Mode.LOCKED); // rows the walk passed while they were locked, or added behind it
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

  /** How batches pick their rows. */
  private enum Mode {
    /**
     * Key ranges in index order, plain DELETEs, each range sized from how many rows the previous
     * one held: the fastest, as no batch searches for its end; waits for rows others hold.
     */
    NUMBERED_RANGE,
    /** Key ranges in index order, plain DELETEs, each range's end searched for. */
    RANGE,
    /** Locks rows first, skipping those others hold, in key order. */
    LOCKED_WALK,
    /** Locks rows first, skipping those others hold, in no particular order. */
    LOCKED;

    /** Plain DELETEs of key ranges: they skip no row, and wait for rows others hold. */
    boolean plainRanges() {
      return this == NUMBERED_RANGE || this == RANGE;
    }
  }

  /** Batches until no more rows match, or the run must stop; counters carry across passes. */
  private final class Pass {
    private final ResolvedRule rule;
    private final OffsetDateTime cutoff;
    private final Long estimate;
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();
    private int size = request.batchSize();
    private long deleted;
    private int batches;
    private Duration longest = Duration.ZERO;
    private int busy;
    private Mode mode;
    private final java.util.Deque<String> ends = new java.util.ArrayDeque<>();
    private boolean lastRange;
    private final NumberedRanges numbered = new NumberedRanges();
    private RuleState state;
    private String message;

    Pass(ResolvedRule rule, OffsetDateTime cutoff, Long estimate) {
      this.rule = rule;
      this.cutoff = cutoff;
      this.estimate = estimate;
    }

    void run(Mode first) throws SQLException {
      mode = first;
      numbered.reset();
      state = null;
      busy = 0;
      ends.clear();
      lastRange = false;
      String lo = null; // every row before it (in key order) has been dealt with
      try {
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
          Instant started = Instant.now();
          long t0 = System.nanoTime();
          int n;
          String next;
          try {
            if (mode == Mode.NUMBERED_RANGE) {
              if (!numbered.started && !numbered.start()) {
                mode = Mode.RANGE; // keys that are not all numbers (an infinite timestamp)
                continue;
              }
              if (!numbered.prepare()) {
                // More than a batch of rows share one key: pick them row by row from here on.
                lo = numbered.fromAsKey();
                switchToLockedWalk();
                continue;
              }
              started = Instant.now(); // the batch's transaction is the DELETE alone
              t0 = System.nanoTime();
              Integer done = numbered.batch();
              if (done == null) {
                // Held more rows than a batch: undone, and tried again over a narrower range.
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                longest = took.compareTo(longest) > 0 ? took : longest;
                continue;
              }
              n = done;
              next = null;
            } else if (mode == Mode.RANGE) {
              if (ends.isEmpty() && !lastRange) {
                findRangeEnd(lo);
                started = Instant.now(); // the batch's transaction is the DELETE alone
                t0 = System.nanoTime();
              }
              String end = ends.peekFirst();
              if (end != null && end.equals(lo)) {
                // More than a batch of rows share one key: pick them row by row from here on.
                switchToLockedWalk();
                continue;
              }
              n = end == null ? rangeDelete(lo, null) : rangeStep(lo, end);
              next = end;
            } else {
              String[] result = lockedBatch(lo);
              n = Integer.parseInt(result[0]);
              next = result[1] == null ? lo : result[1];
            }
          } catch (SQLException e) {
            if (mode.plainRanges() && ServerErrors.isLockNotAvailable(e)) {
              // A row someone holds: from here on lock rows first and skip the ones others hold.
              if (mode == Mode.NUMBERED_RANGE) {
                lo = numbered.fromAsKey();
              }
              switchToLockedWalk();
              continue;
            }
            if (!busy(e)) {
              return;
            }
            continue;
          }
          Duration took = Duration.ofNanos(System.nanoTime() - t0);
          longest = took.compareTo(longest) > 0 ? took : longest;
          batches++;
          deleted += n;
          busy = 0;
          reporter.batch(new BatchReport(rule.name(), size, n, started, took));
          reporter.progress(Activity.DELETING, rule.name(), estimate, deleted, batches, size, null);
          boolean last =
              switch (mode) {
                case NUMBERED_RANGE -> numbered.finished;
                case RANGE -> next == null && ends.isEmpty();
                default -> n < size;
              };
          if (last) {
            state = RuleState.DONE;
            return;
          }
          lo = next;
          if (size < request.batchSize()) {
            size = Math.min(request.batchSize(), size * 2);
            ends.clear();
            lastRange = false;
          }
          budget.pause(request.pauseBetweenBatches());
        }
      } finally {
        for (PreparedStatement statement : statements.values()) {
          statement.close();
        }
        statements.clear();
      }
    }

    /**
     * Finds where the next range batch ends; when no end comes back, the range from {@code lo} on
     * is the final batch.
     */
    private void findRangeEnd(String lo) throws SQLException {
      PreparedStatement find = statement("end" + (lo != null), rule.rangeEndSql(lo != null));
      if (lo == null) {
        rule.bindRange(find, cutoff, size);
      } else {
        rule.bindRange(find, cutoff, lo, size);
      }
      try (ResultSet row = find.executeQuery()) {
        if (row.next()) {
          ends.addLast(row.getString(1));
        }
      }
      lastRange = ends.isEmpty();
    }

    /** Deletes [lo, end) and, in the same round trip, finds where the next range ends. */
    private int rangeStep(String lo, String end) throws SQLException {
      PreparedStatement step = statement("step" + (lo != null), rule.rangeStepSql(lo != null));
      rule.bindRangeStep(step, cutoff, lo, end, size);
      step.execute();
      int n = step.getUpdateCount();
      if (!step.getMoreResults()) {
        throw new SQLException("the range search sent no result");
      }
      ends.clear();
      try (ResultSet row = step.getResultSet()) {
        if (row.next()) {
          ends.addLast(row.getString(1));
        }
      }
      lastRange = ends.isEmpty();
      return n;
    }

    private int rangeDelete(String lo, String end) throws SQLException {
      PreparedStatement delete =
          statement(
              "delete" + (lo != null) + (end != null),
              rule.rangeDeleteSql(lo != null, end != null));
      java.util.List<Object> keys = new java.util.ArrayList<>();
      if (lo != null) {
        keys.add(lo);
      }
      if (end != null) {
        keys.add(end);
      }
      rule.bindRange(delete, cutoff, keys.toArray());
      return delete.executeUpdate();
    }

    /** One batch that locks its rows first; returns the rows deleted and the last key. */
    private String[] lockedBatch(String lo) throws SQLException {
      boolean ordered = mode == Mode.LOCKED_WALK;
      boolean bounded = ordered && lo != null;
      PreparedStatement batch =
          statement("locked" + ordered + bounded, rule.batchSql(ordered, bounded));
      rule.bindBatch(batch, cutoff, bounded, lo, size);
      try (ResultSet row = batch.executeQuery()) {
        row.next();
        return new String[] {Integer.toString(row.getInt(1)), row.getString(2)};
      }
    }

    private void switchToLockedWalk() throws SQLException {
      mode = Mode.LOCKED_WALK;
      SessionTimeouts.setSession(connection, request.lockTimeout(), request.statementTimeout());
    }

    /**
     * A batch failed: a busy one is shrunk and retried after a pause (bounded); anything else stops
     * the rule.
     *
     * @return whether to go on
     */
    private boolean busy(SQLException e) throws SQLException {
      if (!ServerErrors.isBusy(e)) {
        if (ServerErrors.isConnectionProblem(e)) {
          throw e;
        }
        stop(RuleState.FAILED, "a batch failed: " + ServerMessages.describe(e));
        return false;
      }
      if (++busy > request.busyRetries()) {
        stop(
            RuleState.BUSY,
            "the table stayed busy ("
                + ServerMessages.describe(e)
                + ") through "
                + request.busyRetries()
                + " smaller retries; left for the next run");
        return false;
      }
      size = Math.max(1, size / 2);
      numbered.narrow(0.5);
      ends.clear(); // they were found for the old size
      lastRange = false;
      reporter.progress(
          Activity.BUSY,
          rule.name(),
          estimate,
          deleted,
          batches,
          size,
          ServerMessages.describe(e) + "; retrying with batches of " + size);
      budget.pause(request.busyBackoff().multipliedBy(busy));
      return true;
    }

    /**
     * Range batches over key numbers ({@link ResolvedRule.Keyset#interpolable}): each range's width
     * is the previous one's, scaled by how many rows it held against the batch size, so no batch
     * walks the index to find its end. A range that holds more rows than a batch (the keys grew
     * denser) is rolled back and tried again narrower, then searched for; the last range is open,
     * so rows added beyond the last key meanwhile are deleted too.
     */
    private final class NumberedRanges {
      /**
       * The share of the batch size ranges aim at: below it by three standard deviations of a
       * random count of that size (3/√N), so ordinary unevenness rarely overshoots — 90 % of 1,000
       * rows, 96 % of 5,000 — but never below half.
       */
      private double aim() {
        return Math.max(0.5, Math.min(0.97, 1 - 3 / Math.sqrt(size)));
      }

      private boolean started;
      private boolean finished;
      private long from;
      private Long to; // exclusive; null: search for it
      private long last;
      private int overshoots;

      void reset() {
        started = false;
        finished = false;
        to = null;
        overshoots = 0;
      }

      /**
       * Finds the first matching key and the last key; false when they are not both numbers (the
       * walk then searches each range's end instead).
       */
      boolean start() throws SQLException {
        boolean lastMatching = rule.conditionOnKey();
        PreparedStatement bounds = statement("bounds", rule.keyBoundsSql(lastMatching));
        int next = rule.bindCutoff(bounds, cutoff);
        if (lastMatching && rule.needsCutoff()) {
          bounds.setObject(next, cutoff);
        }
        long first;
        try (ResultSet row = bounds.executeQuery()) {
          row.next();
          first = row.getLong(1);
          if (row.wasNull()) {
            return false;
          }
          last = row.getLong(2);
          if (row.wasNull()) {
            return false;
          }
        }
        started = true;
        from = first;
        to = null;
        return true;
      }

      /**
       * Finds where the next range ends when it is not sized yet; false when more than a batch of
       * rows share the key it starts at, so no range can hold them.
       */
      boolean prepare() throws SQLException {
        if (to == null) {
          to = searchEnd();
        }
        return to == null || to != from;
      }

      /** One range batch in its own transaction; the rows deleted, or null if it was undone. */
      Integer batch() throws SQLException {
        boolean open = to == null || to > last;
        PreparedStatement delete =
            statement("numbered" + !open, rule.numberedRangeDeleteSql(!open));
        int next = rule.bindCutoff(delete, cutoff);
        delete.setLong(next++, from);
        if (!open) {
          delete.setLong(next, to);
        }
        connection.setAutoCommit(false);
        int n;
        try {
          n = delete.executeUpdate();
          if (n > size) {
            connection.rollback();
          } else {
            connection.commit();
          }
        } catch (SQLException e) {
          abandonTransaction(e);
          throw e;
        }
        connection.setAutoCommit(true);
        if (n > size) {
          overshoots++;
          if (to == null || overshoots > 1) {
            to = null; // search for it
          } else {
            to = from + Math.max(1, (long) ((to - from) * aim() * size / n));
          }
          return null;
        }
        overshoots = 0;
        if (open) {
          finished = true;
          return n;
        }
        long width = to - from;
        from = to;
        if (n == 0) {
          to = null; // a gap in the keys: search for where the next rows are
          return n;
        }
        double scale = Math.max(0.5, Math.min(2, aim() * size / n));
        long grown = Math.max(1, (long) (width * scale));
        to = from > Long.MAX_VALUE - grown ? null : from + grown;
        return n;
      }

      /** Narrows the next range, when a busy batch is retried smaller. */
      void narrow(double factor) {
        if (started && to != null) {
          to = from + Math.max(1, (long) ((to - from) * factor));
        }
      }

      /** The start of the next range as a key bound, for batches that continue from there. */
      String fromAsKey() throws SQLException {
        PreparedStatement convert = statement("numberToKey", rule.numberToKeyTextSql());
        convert.setLong(1, from);
        try (ResultSet row = convert.executeQuery()) {
          row.next();
          return row.getString(1);
        }
      }

      /** The key number where a batch from {@code from} ends, or null when at most one is left. */
      private Long searchEnd() throws SQLException {
        PreparedStatement find = statement("numberedEnd", rule.numberedRangeEndSql());
        int next = rule.bindCutoff(find, cutoff);
        find.setLong(next++, from);
        find.setInt(next, size);
        try (ResultSet row = find.executeQuery()) {
          if (row.next()) {
            long end = row.getLong(1);
            return row.wasNull() ? null : end;
          }
          return null;
        }
      }
    }

    /**
     * Rolls a failed batch back and returns the session to one transaction per statement. On a
     * broken connection these fail too; the batch's own error is the one to report.
     */
    private void abandonTransaction(SQLException cause) {
      try {
        connection.rollback();
        connection.setAutoCommit(true);
      } catch (SQLException e) {
        cause.addSuppressed(e);
      }
    }

    private PreparedStatement statement(String name, String sql) throws SQLException {
      PreparedStatement statement = statements.get(name);
      if (statement == null) {
        statement = connection.prepareStatement(sql);
        statements.put(name, statement);
      }
      return statement;
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
