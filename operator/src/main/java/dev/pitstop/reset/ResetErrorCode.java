package dev.pitstop.reset;

/** What went wrong in a reset, for callers that map errors to conditions, exit codes or retries. */
public enum ResetErrorCode {
  /** A request field is invalid; the subject names the field. Nothing was touched. */
  INVALID_REQUEST(true),
  /** {@code confirmDatabaseName} is not the database connected to. Nothing was touched. */
  WRONG_DATABASE(true),
  /** A schema of {@code schemas} does not exist. */
  SCHEMA_NOT_FOUND(true),
  /** The table of a {@code preserveRows} entry does not exist or is not emptied. */
  TABLE_NOT_FOUND(true),
  /** A {@code preserveRows} expression is not a valid boolean expression for its table. */
  INVALID_WHERE(true),
  /** A seed script cannot run inside the reset's transaction (e.g. it commits). */
  INVALID_SEED(true),
  /** Tables form a foreign-key cycle that can neither be deferred nor broken by a NULL. */
  UNBREAKABLE_CYCLE(false),
  /**
   * A kept table (preserved, a history table, or outside {@code schemas}) references rows that
   * would be deleted, and its foreign key would make the delete fail or change the kept table
   * (CASCADE, SET NULL, SET DEFAULT); or {@code Truncate} cannot empty a referenced table. The
   * subject names the constraint. Nothing was touched.
   */
  PRESERVED_TABLE_REFERENCES(true),
  /**
   * {@code triggers: disable}, but a user trigger would still fire and the role may not disable it
   * (it does not own the table); nothing was deleted.
   */
  TRIGGERS_NOT_DISABLED(false),
  /**
   * The role lacks a privilege the reset needs (DELETE, TRUNCATE, SELECT, UPDATE on a table or
   * sequence, TEMPORARY); the subject lists them. Checked before anything is read or changed.
   */
  MISSING_PRIVILEGES(false),
  /** Another reset of the same database holds the reset lock. */
  RESET_LOCKED(false),
  /**
   * A migration of the database holds the migration lock of a history table for longer than
   * lockTimeout; nothing was changed.
   */
  MIGRATION_RUNNING(false),
  /** Emptying a table failed (a trigger raised, a lock timeout, ...); everything rolled back. */
  DELETE_FAILED(false),
  /**
   * Every statement succeeded but the reset was not complete: an emptied table still has rows (a
   * soft-delete trigger, a DO INSTEAD rule, a trigger writing into it, row-level security), kept
   * rows were deleted, or rows of a table it does not empty (any schema) were deleted or updated by
   * a trigger, rule or foreign-key action; the subject names the table. Everything rolled back.
   */
  INCOMPLETE_RESET(false),
  /** A seed statement failed; everything rolled back. */
  SEED_FAILED(false),
  /** A deferred constraint failed at commit; everything rolled back. */
  COMMIT_FAILED(false),
  /** The database could not be reached or failed outside a table or seed. */
  DATABASE_ERROR(false),
  /** The calling thread was interrupted; everything rolled back. */
  INTERRUPTED(false);

  private final boolean badInput;

  ResetErrorCode(boolean badInput) {
    this.badInput = badInput;
  }

  /** Tells whether the request itself is wrong (the CLI exits with 2 for these). */
  public boolean isBadInput() {
    return badInput;
  }
}
