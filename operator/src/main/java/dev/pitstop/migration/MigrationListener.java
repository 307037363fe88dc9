package dev.pitstop.migration;

import java.time.Duration;

/**
 * Receives progress of a {@code migrate} call on the calling thread. Called before every statement,
 * so implementations must be cheap (e.g. store the latest value for a status patch elsewhere). An
 * exception thrown here aborts the run; the current migration is rolled back.
 */
public interface MigrationListener {

  /** A listener that ignores everything. */
  MigrationListener NONE = new MigrationListener() {};

  /** Another runner holds the lock; called about once a second while waiting. */
  default void onLockWait(LockWait wait) {}

  /** The lock was taken after waiting for it. */
  default void onLockAcquired(Duration waited) {}

  /** A statement is about to run. */
  default void onProgress(MigrationProgress progress) {}

  /**
   * A SQL callback is about to run.
   *
   * @param script the callback's file, e.g. {@code afterMigrate__refresh.sql}
   * @param event its event as Flyway names it, e.g. {@code afterMigrate}
   */
  default void onCallback(String script, String event) {}

  /**
   * A statement found what an interrupted earlier run of its script left behind and dealt with it
   * (see {@link RecoveredStatement}); called before the statement would run.
   */
  default void onRecovered(RecoveredStatement recovered) {}

  /** A script was applied and recorded. */
  default void onApplied(ExecutedMigration migration, int index, int total) {}
}
