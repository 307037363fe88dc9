package dev.pitstop.reset;

/** How a reset empties tables. */
public enum DeletionStrategy {
  /** DELETE in foreign-key order: row locks only, so concurrent readers are never blocked. */
  DELETE,
  /**
   * One TRUNCATE of every emptied table under the lock timeout: faster, but takes ACCESS EXCLUSIVE
   * locks. Tables that keep rows ({@code preserveRows}) are still emptied with DELETE.
   */
  TRUNCATE
}
