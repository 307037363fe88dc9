package dev.pitstop.reset;

/**
 * Where a running reset is, reported before each table and each seed script.
 *
 * @param stage what the reset is doing
 * @param table the table being emptied, or {@code null} while seeding
 * @param tablesDone tables emptied so far
 * @param tablesTotal tables to empty
 * @param rowsDeleted rows deleted so far
 * @param seed the seed script running, or {@code null} while emptying
 * @param seedsDone seed scripts finished
 * @param seedsTotal seed scripts to run
 * @param elapsedMs time since the reset started (including waiting for the lock)
 */
public record ResetProgress(
    Stage stage,
    String table,
    int tablesDone,
    int tablesTotal,
    long rowsDeleted,
    String seed,
    int seedsDone,
    int seedsTotal,
    long elapsedMs) {

  /** The stages of a reset, in order. */
  public enum Stage {
    /** Reading the catalog, marking rows to keep, checking references. */
    PLANNING,
    /** Emptying tables. */
    EMPTYING,
    /** Running seed scripts. */
    SEEDING
  }
}
