package dev.pitstop.maintenance;

/**
 * The request field an error concerns. Callers name it the way their user wrote it: the operator as
 * {@code spec.drain.tasks.query}, the CLI as {@code --tasks-query}.
 */
public enum Field {
  TASKS_QUERY,
  TASKS_STATEMENT_TIMEOUT,
  MODE_TABLE,
  HOLDER,
  LEASE,
  ROLES,
  GRACE_PERIOD,
  TERMINATE,
  BLOCK_NEW,
  POLL_INTERVAL,
  TIMEOUT
}
