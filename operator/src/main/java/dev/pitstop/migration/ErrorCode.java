package dev.pitstop.migration;

/** What went wrong, for callers that map errors to conditions, exit codes or retries. */
public enum ErrorCode {
  /** A request field is invalid; the subject names the field. */
  INVALID_REQUEST,
  /** A script name does not follow {@code V<version>__<description>.sql} or {@code R__...}. */
  INVALID_SCRIPT_NAME,
  /** Two scripts have the same version, or two repeatables the same description. */
  DUPLICATE_VERSION,
  /**
   * A script contains a top-level transaction-control statement ({@code COMMIT}, {@code ROLLBACK},
   * {@code BEGIN}, {@code SAVEPOINT}, ...); refused before anything runs.
   */
  TRANSACTION_CONTROL,
  /**
   * A script cannot run as written: a {@code COPY ... FROM STDIN} without inline data ended by a
   * line {@code \.}, or a script configuration file ({@code .sql.conf}) that is invalid or
   * contradicts the script; refused before anything runs.
   */
  INVALID_SCRIPT,
  /**
   * A script uses a placeholder that has no value (or a prefix without a suffix); refused before
   * anything runs.
   */
  UNSET_PLACEHOLDER,
  /** An applied script was changed after it was applied. */
  CHECKSUM_MISMATCH,
  /** An applied script was renamed to a different description after it was applied. */
  DESCRIPTION_MISMATCH,
  /** The history records a version for which no script was given. */
  MISSING_SCRIPT,
  /** The history records a failed migration (Flyway leaves such rows); repair removes them. */
  FAILED_MIGRATION_RECORDED,
  /** A pending version is lower than the current one and out-of-order is not allowed. */
  OUT_OF_ORDER,
  /** The target version is neither a script nor applied. */
  TARGET_NOT_FOUND,
  /** A statement of a script failed; {@link MigrationException#failure()} has the details. */
  SCRIPT_FAILED,
  /** Another runner held the migration lock for longer than the allowed wait. */
  LOCK_WAIT_TIMEOUT,
  /**
   * The migration lock was lost during the run (its session ended); the run stopped before the next
   * migration or before recording the current one.
   */
  LOCK_LOST,
  /** The history table exists but does not have Flyway's columns. */
  HISTORY_TABLE_INVALID,
  /**
   * The history table does not exist but another table with Flyway's history columns (such as
   * {@code flyway_schema_history}) does; the history table setting must name it. Refused before
   * anything runs.
   */
  OTHER_HISTORY_TABLE,
  /**
   * The history table does not exist but its schema already holds objects; baseline it ({@code
   * baseline}, or {@code baselineOnMigrate}) or use an empty schema. Refused before anything runs.
   */
  NON_EMPTY_SCHEMA,
  /** A baseline was asked for but the history table already records migrations or a baseline. */
  BASELINE_REFUSED,
  /**
   * A lock-impact plan could not create or use its scratch database (e.g. the role lacks CREATEDB);
   * nothing was changed.
   */
  PLAN_SCRATCH_UNAVAILABLE,
  /** The database could not be reached or failed outside a script. */
  DATABASE_ERROR,
  /** The calling thread was interrupted; the current migration was rolled back. */
  INTERRUPTED
}
