package dev.pitstop.migration.impact;

import javax.sql.DataSource;

/**
 * A database a plan creates on the scratch server, fills with a copy of the target's schema, runs
 * the pending migrations in, and drops. Named {@code pitstop_plan_<random>}; leftovers of a planner
 * that was killed are dropped by the next plan on that server.
 */
final class ScratchDatabase implements AutoCloseable {
  private final String name;
  private final DataSource dataSource;

  private ScratchDatabase(String name, DataSource dataSource) {
    this.name = name;
    this.dataSource = dataSource;
  }

  /**
   * Creates a new, empty scratch database.
   *
   * @throws dev.pitstop.migration.MigrationException {@code PLAN_SCRATCH_UNAVAILABLE} naming the
   *     missing privilege (CREATEDB) or the server error, when it cannot be created
   */
  static ScratchDatabase create(ScratchServer server) {
    throw new UnsupportedOperationException("not yet");
  }

  String name() {
    return name;
  }

  /** Sessions to the scratch database. */
  DataSource dataSource() {
    return dataSource;
  }

  /** Drops the scratch database, ending any session still in it. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("not yet");
  }
}
