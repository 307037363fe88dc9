package dev.pitstop.cleanup;

import dev.pitstop.sql.AdvisoryLock;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A session-level advisory lock per (lock scope, rule) on the run's own connection, held from the
 * rule's first batch to its last: two runners of the same rule on one database (e.g. two operator
 * replicas) never run batches at the same time. Advisory locks are per database, so the same rule
 * on another database does not conflict. Beside them, a shared lock per lock scope marks a run as
 * going for its whole length, for others to see ({@link #runGoing}).
 */
final class RuleLock {
  /** "pitstop-cleanup" namespace, so keys do not collide with the migration lock's. */
  private static final String PREFIX = "pitstop-cleanup\u0000";

  /** The runs' marks: a namespace of their own, apart from the rules' locks. */
  private static final String RUN_PREFIX = "pitstop-cleanup-run\u0000";

  private RuleLock() {}

  /** The lock key: a 64-bit FNV-1a hash of scope and rule name. */
  static long keyFor(String scope, String rule) {
    return key(scope, rule).number();
  }

  private static AdvisoryLock.Key key(String scope, String rule) {
    return AdvisoryLock.Key.fnv1a(PREFIX + scope + "\u0000" + rule);
  }

  /** Takes the lock if it is free, else null; never waits. Closing it releases it. */
  static AdvisoryLock tryAcquire(Connection connection, String scope, String rule)
      throws SQLException {
    return AdvisoryLock.tryLock(connection, key(scope, rule)).orElse(null);
  }

  /**
   * Marks a run of {@code scope} as going for as long as the run's session holds it (shared: runs
   * of the same scope do not wait for each other; their rules' locks keep them apart). A run that
   * stopped with its process or session leaves no mark.
   */
  static AdvisoryLock markRun(Connection connection, String scope) throws SQLException {
    return AdvisoryLock.lockShared(connection, runKey(scope));
  }

  /** Whether a session of this database marks a run of {@code scope} as going. */
  static boolean runGoing(Connection connection, String scope) throws SQLException {
    return AdvisoryLock.holder(connection, runKey(scope)).isPresent();
  }

  private static AdvisoryLock.Key runKey(String scope) {
    return AdvisoryLock.Key.fnv1a(RUN_PREFIX + scope);
  }

  /** The backend pid holding the lock, or null if nobody (any more). */
  static Integer holder(Connection connection, String scope, String rule) throws SQLException {
    return AdvisoryLock.holder(connection, key(scope, rule))
        .map(AdvisoryLock.Holder::pid)
        .orElse(null);
  }
}
