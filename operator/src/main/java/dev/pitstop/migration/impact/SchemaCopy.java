package dev.pitstop.migration.impact;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Copies the schema of the target, without data, into a scratch database, from the target's
 * catalogs only: it takes no lock on any table, index, view or sequence of the target.
 */
final class SchemaCopy {
  private SchemaCopy() {}

  /**
   * @param target a session on the target (only catalogs are read)
   * @param scratch a session on the empty scratch database
   * @return objects that could not be reproduced, each as "kind name" (e.g. "extension postgis")
   */
  static List<String> copy(Connection target, Connection scratch) throws SQLException {
    throw new UnsupportedOperationException("not yet");
  }
}
