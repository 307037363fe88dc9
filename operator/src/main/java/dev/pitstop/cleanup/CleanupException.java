package dev.pitstop.cleanup;

/**
 * Every error of the cleanup engine: a code, the subject it concerns (a request field such as
 * {@code rules[old-logs].where}), one sentence for the user as message, and whether retrying later
 * may help. Errors about rules are raised before anything is deleted.
 */
public final class CleanupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final CleanupErrorCode code;
  private final String subject;
  private final boolean transientError;
  private final transient CleanupResult partialResult;

  CleanupException(CleanupErrorCode code, String subject, String message) {
    this(code, subject, message, false, null, null);
  }

  CleanupException(
      CleanupErrorCode code,
      String subject,
      String message,
      boolean transientError,
      CleanupResult partialResult,
      Throwable cause) {
    super(message, cause);
    this.code = code;
    this.subject = subject;
    this.transientError = transientError;
    this.partialResult = partialResult;
  }

  /** Returns what kind of error this is. */
  public CleanupErrorCode code() {
    return code;
  }

  /** Returns the request field or rule the error concerns, e.g. {@code rules[old-logs].table}. */
  public String subject() {
    return subject;
  }

  /** Tells whether the same call may succeed later (lost connection, server shutdown). */
  public boolean isTransient() {
    return transientError;
  }

  /** Tells whether the request itself is wrong (fix the rules), as opposed to the database. */
  public boolean isRefusal() {
    return code != CleanupErrorCode.DATABASE_ERROR;
  }

  /** What a run did before it failed, or {@code null} when it failed before deleting anything. */
  public CleanupResult partialResult() {
    return partialResult;
  }
}
