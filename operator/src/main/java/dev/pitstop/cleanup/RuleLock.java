package dev.pitstop.cleanup;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A session-level advisory lock per (lock scope, rule) on the run's own connection, held from the
 * rule's first batch to its last: two runners of the same rule on one database (e.g. two operator
 * replicas) never run batches at the same time. Advisory locks are per database, so the same rule
 * on another database does not conflict.
 */
final class RuleLock implements AutoCloseable {
  /** "pitstop-cleanup" namespace, so keys do not collide with the migration lock's. */
  private static final String PREFIX = "pitstop-cleanup\u0000";

  private final Connection connection;
  private final long key;

  private RuleLock(Connection connection, long key) {
    this.connection = connection;
    this.key = key;
  }

  /** The lock key: a 64-bit FNV-1a hash of scope and rule name. */
  static long keyFor(String scope, String rule) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : (PREFIX + scope + "\u0000" + rule).getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  /** Takes the lock if it is free; never waits. */
  static RuleLock tryAcquire(Connection connection, String scope, String rule) throws SQLException {
    long key = keyFor(scope, rule);
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, key);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1) ? new RuleLock(connection, key) : null;
      }
    }
  }

  /** The backend pid holding the lock, or null if nobody (any more). */
  static Integer holder(Connection connection, String scope, String rule) throws SQLException {
    long key = keyFor(scope, rule);
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted"
                + " AND objsubid = 1 AND database = (SELECT oid FROM pg_catalog.pg_database"
                + " WHERE datname = current_database())"
                + " AND classid::bigint = ? AND objid::bigint = ? LIMIT 1")) {
      statement.setLong(1, key >>> 32);
      statement.setLong(2, key & 0xFFFFFFFFL);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() ? row.getInt(1) : null;
      }
    }
  }

  /** Releases the lock; if that fails the session is broken and its end releases it. */
  @Override
  public void close() {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      statement.setLong(1, key);
      statement.executeQuery().close();
    } catch (SQLException e) {
      // A broken session is evicted by the pool, and PostgreSQL drops its locks with it.
    }
  }
}
