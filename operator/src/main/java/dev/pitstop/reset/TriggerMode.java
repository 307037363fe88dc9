package dev.pitstop.reset;

/** What a reset does about user triggers on the tables it empties. */
public enum TriggerMode {
  /** They fire as for any DELETE (default): audit and bookkeeping triggers see the reset. */
  KEEP,
  /**
   * They do not fire while the tables are emptied: skipped with {@code session_replication_role =
   * replica} where the engine may use it, else disabled with {@code ALTER TABLE ... DISABLE
   * TRIGGER} inside the reset's transaction (table owner); refused before anything is deleted when
   * neither is possible. They fire again for the seeds.
   */
  DISABLE
}
