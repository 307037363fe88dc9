package dev.pitstop.cleanup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * Range batches over key numbers ({@link ResolvedRule.Keyset#interpolable}): each range's width is
 * the previous one's, scaled by how many rows it held against the batch size, so no batch walks the
 * index to find its end. A range that holds more rows than a batch (the keys grew denser) is rolled
 * back and tried again narrower, then searched for; the last range is open, so rows added beyond
 * the last key meanwhile are deleted too.
 */
final class NumberedRanges {
  private final Connection connection;
  private final ResolvedRule rule;
  private final OffsetDateTime cutoff;
  private final StatementCache statements;
  private final CascadeCounter cascades;

  private boolean started;
  private boolean finished;
  private long from;
  private Long to; // exclusive; null: search for it
  private long last;
  private int overshoots;

  NumberedRanges(
      Connection connection,
      ResolvedRule rule,
      OffsetDateTime cutoff,
      StatementCache statements,
      CascadeCounter cascades) {
    this.cascades = cascades;
    this.connection = connection;
    this.rule = rule;
    this.cutoff = cutoff;
    this.statements = statements;
  }

  /**
   * The share of the batch size ranges aim at: below it by three standard deviations of a random
   * count of that size (3/√N), so ordinary unevenness rarely overshoots — 90 % of 1,000 rows, 96 %
   * of 5,000 — but never below half.
   */
  private static double aim(int size) {
    return Math.max(0.5, Math.min(0.97, 1 - 3 / Math.sqrt(size)));
  }

  /** Whether {@link #start} found the first and last key numbers. */
  boolean started() {
    return started;
  }

  /** Whether the last, open range has been deleted. */
  boolean finished() {
    return finished;
  }

  void reset() {
    started = false;
    finished = false;
    to = null;
    overshoots = 0;
  }

  /**
   * Finds the first matching key and the last key; false when they are not both numbers (the walk
   * then searches each range's end instead).
   */
  boolean start() throws SQLException {
    boolean lastMatching = rule.conditionOnKey();
    PreparedStatement bounds = statements.get("bounds", rule.keyBoundsSql(lastMatching));
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
   * Finds where the next range ends when it is not sized yet; false when more than a batch of rows
   * share the key it starts at, so no range can hold them.
   */
  boolean prepare(int size) throws SQLException {
    if (to == null) {
      to = searchEnd(size);
    }
    return to == null || to != from;
  }

  /**
   * One range batch of at most {@code size} rows in its own transaction; the rows deleted, or null
   * if it was undone.
   */
  Integer batch(int size) throws SQLException {
    boolean open = to == null || to > last;
    PreparedStatement delete =
        statements.get("numbered" + !open, rule.numberedRangeDeleteSql(!open));
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
        if (cascades != null) {
          cascades.read(n);
        }
        connection.commit();
        if (cascades != null) {
          cascades.committed();
        }
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
        to = from + Math.max(1, (long) ((to - from) * aim(size) * size / n));
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
    double scale = Math.max(0.5, Math.min(2, aim(size) * size / n));
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
    PreparedStatement convert = statements.get("numberToKey", rule.numberToKeyTextSql());
    convert.setLong(1, from);
    try (ResultSet row = convert.executeQuery()) {
      row.next();
      return row.getString(1);
    }
  }

  /** The key number where a batch from {@code from} ends, or null when at most one is left. */
  private Long searchEnd(int size) throws SQLException {
    PreparedStatement find = statements.get("numberedEnd", rule.numberedRangeEndSql());
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

  /**
   * Rolls a failed batch back and returns the session to one transaction per statement. On a broken
   * connection these fail too; the batch's own error is the one to report.
   */
  private void abandonTransaction(SQLException cause) {
    try {
      connection.rollback();
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
