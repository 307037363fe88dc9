package dev.pitstop.maintenance;

/**
 * Every error of the maintenance engine: a code, the request field it concerns (if any), one
 * sentence for the user as message, and whether retrying later may help.
 */
public final class MaintenanceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

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
}
