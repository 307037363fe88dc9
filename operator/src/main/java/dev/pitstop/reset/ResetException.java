package dev.pitstop.reset;

import dev.pitstop.sql.EngineException;

/**
 * Every error of the reset engine: a code, the subject it concerns (a request field, a table, a
 * seed script or a constraint), one sentence for the user as message, and whether retrying later
 * may help (lost connection, lock timeout, deadlock). Whenever one is thrown, the database is as it
 * was before the call.
 */
public final class ResetException extends EngineException {

  private static final long serialVersionUID = 1L;

  private final ResetErrorCode code;
  private final transient ResetFailure failure;

  ResetException(ResetErrorCode code, String subject, String message) {
    this(code, subject, message, false, null, null);
  }

  ResetException(
      ResetErrorCode code,
      String subject,
      String message,
      boolean transientError,
      ResetFailure failure,
      Throwable cause) {
    super(subject, message, transientError, cause);
    this.code = code;
    this.failure = failure;
  }

  @Override
  public ResetErrorCode code() {
    return code;
  }

  /** Returns where a running reset failed, or {@code null} if it failed before deleting. */
  public ResetFailure failure() {
    return failure;
  }
}
