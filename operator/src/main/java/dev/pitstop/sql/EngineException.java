package dev.pitstop.sql;

/**
 * What every error of the migration, reset and cleanup engines carries: a code, the subject it
 * concerns (a request field, script, table or rule), one sentence for the user as message, and
 * whether retrying later may help.
 */
public abstract class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final boolean transientError;

  protected EngineException(
      String subject, String message, boolean transientError, Throwable cause) {
    super(message, cause);
    this.subject = subject;
    this.transientError = transientError;
  }

  /** Returns what kind of error this is. */
  public abstract Enum<?> code();

  /** Returns what the error concerns (a request field, script, table, rule, ...), or null. */
  public String subject() {
    return subject;
  }

  /** Tells whether the same call may succeed later (lost connection, lock conflict, shutdown). */
  public boolean isTransient() {
    return transientError;
  }
}
