package dev.pitstop.cleanup;

import dev.pitstop.sql.EngineException;

/**
 * Every error of the cleanup engine: a code, the subject it concerns (a request field or rule such
 * as {@code rules[old-logs].where}), one sentence for the user as message, and whether retrying
 * later may help (lost connection, server shutdown). Errors about rules are raised before anything
 * is deleted.
 */
public final class CleanupException extends EngineException {
  private static final long serialVersionUID = 1L;

  private final CleanupErrorCode code;
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
    super(subject, message, transientError, cause);
    this.code = code;
    this.partialResult = partialResult;
  }

  @Override
  public CleanupErrorCode code() {
    return code;
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
