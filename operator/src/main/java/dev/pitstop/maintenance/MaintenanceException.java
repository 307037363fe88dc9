package dev.pitstop.maintenance;

import dev.pitstop.sql.SqlState;
import java.sql.SQLException;
import java.util.Set;

/**
 * Every error of the maintenance engine: a code, the request field it concerns (if any), one
 * sentence for the user as message, and whether retrying later may help.
 */
public final class MaintenanceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private static final Set<String> MISSING_OBJECT_STATES =
      Set.of(
          SqlState.UNDEFINED_TABLE,
          SqlState.UNDEFINED_COLUMN,
          SqlState.INVALID_SCHEMA_NAME,
          SqlState.UNDEFINED_FUNCTION);

  private final ErrorCode code;
  private final Field field;
  private final boolean transientError;

  MaintenanceException(ErrorCode code, Field field, String message) {
    this(code, field, message, false, null);
  }

  MaintenanceException(
      ErrorCode code, Field field, String message, boolean transientError, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.field = field;
    this.transientError = transientError;
  }

  /** What kind of error this is. */
  public ErrorCode code() {
    return code;
  }

  /** The request field the error concerns, or {@code null}. */
  public Field field() {
    return field;
  }

  /** Whether the same call may succeed later (lost connection, server restart, lock conflict). */
  public boolean isTransient() {
    return transientError;
  }

  /**
   * Whether a refused start may succeed later without a change to the request: a role, or a table,
   * column, schema or function the tasks query names, that a migration has yet to create, or a
   * privilege yet to be granted.
   */
  public boolean mayAppearLater() {
    if (code == ErrorCode.ROLE_NOT_FOUND || code == ErrorCode.PERMISSION_DENIED) {
      return true;
    }
    if (code != ErrorCode.TASKS_QUERY_FAILED) {
      return false;
    }
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && MISSING_OBJECT_STATES.contains(String.valueOf(sql.getSQLState()))) {
        return true;
      }
    }
    return false;
  }
}
