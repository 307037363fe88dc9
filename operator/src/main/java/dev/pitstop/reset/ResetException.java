package dev.pitstop.reset;

/**
 * Every error of the reset engine: a code, the subject it concerns (a request field, a table, a
 * seed script or a constraint), one sentence for the user as message, and whether retrying later
 * may help. Whenever one is thrown, the database is as it was before the call.
 */
public final class ResetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ResetErrorCode code;
  private final String subject;
  private final boolean transientError;
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
    super(message, cause);
    this.code = code;
    this.subject = subject;
    this.transientError = transientError;
    this.failure = failure;
  }

  /** Returns what kind of error this is. */
  public ResetErrorCode code() {
    return code;
  }

  /** Returns the request field, table, seed script or constraint the error concerns. */
  public String subject() {
    return subject;
  }

  /** Tells whether the same call may succeed later (lost connection, lock timeout, deadlock). */
  public boolean isTransient() {
    return transientError;
  }

  /** Returns where a running reset failed, or {@code null} if it failed before deleting. */
  public ResetFailure failure() {
    return failure;
  }
}
