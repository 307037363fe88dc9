package dev.pitstop.maintenance;

/** What went wrong, for callers that map errors to conditions, exit codes or retries. */
public enum ErrorCode {
  /** A request field is invalid; {@link MaintenanceException#field()} names it. */
  INVALID_REQUEST,
  /** The tasks query failed, or returned something other than one number. */
  TASKS_QUERY_FAILED,
  /** The mode table exists but lacks one of the columns Pitstop writes. */
  MODE_TABLE_INVALID,
  /** A role to drain does not exist. */
  ROLE_NOT_FOUND,
  /** Pitstop's role may not do what the request asks (alter a role, terminate its sessions). */
  PERMISSION_DENIED,
  /** The drain did not finish before its deadline. */
  TIMEOUT,
  /** The caller asked the drain to stop (window closed, operator shutting down). */
  CANCELLED,
  /** The database could not be reached or failed outside the user's SQL. */
  DATABASE_ERROR
}
