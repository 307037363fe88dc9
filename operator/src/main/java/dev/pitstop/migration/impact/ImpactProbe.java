package dev.pitstop.migration.impact;

import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingScript;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Runs pending migrations on the scratch copy as {@code migrate} would run them (one transaction
 * each, or statement by statement outside one), recording after every statement what the server
 * reports: relation locks of the session ({@code pg_locks}), changed {@code relfilenode}s, indexes
 * built, constraints validated, column and relation changes; then derives the findings, sized by
 * the target.
 */
final class ImpactProbe {
  private ImpactProbe() {}

  /** What the probe measured and found. */
  record Result(List<ScriptImpact> scripts, List<Finding> findings) {}

  /**
   * @param scratch a session on the scratch database holding the copy of the target's schema
   * @param sizes the target's table sizes and activity, read without locks
   * @param scripts the pending migrations in order
   * @param request the run's settings (lock timeout, statement timeout)
   */
  static Result run(
      Connection scratch, TargetSizes sizes, List<PendingScript> scripts, MigrationRequest request)
      throws SQLException {
    throw new UnsupportedOperationException("not yet");
  }
}
