package dev.pitstop.cleanup;

/** What went wrong, for callers that map errors to conditions, exit codes or retries. */
public enum CleanupErrorCode {
  /** A request field is invalid; the subject names the field. */
  INVALID_REQUEST,
  /** A rule's table does not exist, or is not a table (a view, a foreign table). */
  TABLE_NOT_FOUND,
  /** A column a rule names does not exist. */
  COLUMN_NOT_FOUND,
  /** An olderThan column is not a timestamp, timestamptz or date column. */
  INVALID_COLUMN_TYPE,
  /** A where expression is not one boolean SQL expression. */
  INVALID_WHERE,
  /** The server refused a rule's statement when it was checked (types, permissions, ...). */
  RULE_REJECTED,
  /** The database could not be reached or failed outside a rule's batches. */
  DATABASE_ERROR
}
