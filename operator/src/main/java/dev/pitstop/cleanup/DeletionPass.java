package dev.pitstop.cleanup;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs one rule's batches until no more rows match or the run must stop, each batch a single
 * statement in its own transaction: picks each batch's rows the way its {@link Mode} says, switches
 * to batches that lock their rows first when a range batch meets a row someone holds, and shrinks
 * and retries a busy batch after a growing pause (a bounded number of times), growing batches back
 * once they succeed. Counters carry across passes of the same rule.
 */
final class DeletionPass {

  /** How batches pick their rows. */
  enum Mode {
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

  private final Connection connection;
  private final CleanupRequest request;
  private final TimeBudget budget;
  private final RunReporter reporter;
  private final ResolvedRule rule;
  private final OffsetDateTime cutoff;
  private final Long estimate;
  private final StatementCache statements;
  private final NumberedRanges numbered;
  private final CascadeCounter cascades;
  private final Deque<String> ends = new ArrayDeque<>();
  private int size;
  private long deleted;
  private int batches;
  private Duration longest = Duration.ZERO;
  private int busy;
  private Mode mode;
  private boolean lastRange;
  private RuleState state;
  private String message;

  /**
   * @param cutoff the olderThan cutoff, or null
   * @param estimate the planner's estimate of the matching rows, for progress; null if none
   * @param cascades counts what batches delete or change through foreign keys; null when there is
   *     nothing to count
   */
  DeletionPass(
      Connection connection,
      CleanupRequest request,
      TimeBudget budget,
      RunReporter reporter,
      ResolvedRule rule,
      OffsetDateTime cutoff,
      Long estimate,
      CascadeCounter cascades) {
    this.connection = connection;
    this.request = request;
    this.budget = budget;
    this.reporter = reporter;
    this.rule = rule;
    this.cutoff = cutoff;
    this.estimate = estimate;
    this.statements = new StatementCache(connection);
    this.numbered = new NumberedRanges(connection, rule, cutoff, statements, cascades);
    this.cascades = cascades;
    this.size = request.batchSize();
  }

  /** How the last pass ended: DONE, or why it stopped. */
  RuleState state() {
    return state;
  }

  /** Why the last pass stopped, or null when it is done. */
  String message() {
    return message;
  }

  /** The mode the last pass ended in. */
  Mode mode() {
    return mode;
  }

  /** Rows deleted by all passes. */
  long deleted() {
    return deleted;
  }

  /** Batches committed by all passes. */
  int batches() {
    return batches;
  }

  /** What the committed batches of all passes deleted or changed through foreign keys. */
  List<CascadeCount> cascades() {
    return cascades == null ? List.of() : cascades.counts();
  }

  /** The longest batch of all passes. */
  Duration longest() {
    return longest;
  }

  /** One pass of batches, starting in mode {@code first}. */
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
            if (!numbered.started() && !numbered.start()) {
              mode = Mode.RANGE; // keys that are not all numbers (an infinite timestamp)
              continue;
            }
            if (!numbered.prepare(size)) {
              // More than a batch of rows share one key: pick them row by row from here on.
              lo = numbered.fromAsKey();
              switchToLockedWalk();
              continue;
            }
            started = Instant.now(); // the batch's transaction is the DELETE alone
            t0 = System.nanoTime();
            begin(); // NumberedRanges commits or rolls back the batch
            Integer done = numbered.batch(size);
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
            begin();
            n = end == null ? rangeDelete(lo, null) : rangeStep(lo, end);
            commit(n);
            next = end;
          } else {
            begin();
            String[] result = lockedBatch(lo);
            n = Integer.parseInt(result[0]);
            commit(n);
            next = result[1] == null ? lo : result[1];
          }
        } catch (SQLException e) {
          if (cascades != null) {
            cascades.abandon(e);
          }
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
        if (cascades != null) {
          reporter.cascades(cascades.counts());
        }
        reporter.progress(Activity.DELETING, rule.name(), estimate, deleted, batches, size, null);
        boolean last =
            switch (mode) {
              case NUMBERED_RANGE -> numbered.finished();
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
      statements.closeAll();
    }
  }

  /** With foreign keys to count through, a batch is an explicit transaction. */
  private void begin() throws SQLException {
    if (cascades != null) {
      cascades.begin();
    }
  }

  /** Counts what the batch did through foreign keys, and commits it. */
  private void commit(int n) throws SQLException {
    if (cascades != null) {
      cascades.commit(n);
    }
  }

  /**
   * Finds where the next range batch ends; when no end comes back, the range from {@code lo} on is
   * the final batch.
   */
  private void findRangeEnd(String lo) throws SQLException {
    PreparedStatement find = statements.get("end" + (lo != null), rule.rangeEndSql(lo != null));
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
    PreparedStatement step = statements.get("step" + (lo != null), rule.rangeStepSql(lo != null));
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
        statements.get(
            "delete" + (lo != null) + (end != null), rule.rangeDeleteSql(lo != null, end != null));
    List<Object> keys = new ArrayList<>();
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
        statements.get("locked" + ordered + bounded, rule.batchSql(ordered, bounded));
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

  private void stop(RuleState reason, String why) {
    state = reason;
    message = why;
  }
}
