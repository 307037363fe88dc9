package dev.pitstop.migration.impact;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The target's tables as a plan sizes findings: estimated rows ({@code pg_class.reltuples}, else
 * {@code pg_stat_user_tables.n_live_tup}), bytes and activity, read from catalogs and statistics
 * only, so without a lock on any table.
 */
final class TargetSizes {
  private TargetSizes() {}

  static TargetSizes read(Connection target) throws SQLException {
    throw new UnsupportedOperationException("not yet");
  }
}
