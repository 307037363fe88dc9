package dev.pitstop.migration;

import dev.pitstop.sql.EngineException;
import java.util.List;

/**
 * Every error of the migration engine: a code, the subject it concerns (a script, version or
 * request field), one sentence for the user as message, and whether retrying later may help (lost
 * connection, lock conflict, shutdown).
 */
public final class MigrationException extends EngineException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final transient MigrationFailure failure;
  private final transient MigrateResult partialResult;
  private final transient List<ValidationIssue> issues;

  MigrationException(ErrorCode code, String subject, String message) {
    this(code, subject, message, false, null, null, List.of(), null);
  }

  MigrationException(
      ErrorCode code,
      String subject,
      String message,
      boolean transientError,
      MigrationFailure failure,
      MigrateResult partialResult,
      List<ValidationIssue> issues,
      Throwable cause) {
    super(subject, message, transientError, cause);
    this.code = code;
    this.failure = failure;
    this.partialResult = partialResult;
    this.issues = List.copyOf(issues);
  }

  /** A failure outside any script, for engines built on this one (e.g. lock-impact plans). */
  public static MigrationException of(
      ErrorCode code, String subject, String message, boolean transientError, Throwable cause) {
    return new MigrationException(
        code, subject, message, transientError, null, null, List.of(), cause);
  }

  static MigrationException of(ValidationIssue issue, List<ValidationIssue> all) {
    return new MigrationException(
        issue.code(), issue.subject(), issue.message(), false, null, null, all, null);
  }

  @Override
  public ErrorCode code() {
    return code;
  }

  /** Returns details of a failed script for {@link ErrorCode#SCRIPT_FAILED}, else {@code null}. */
  public MigrationFailure failure() {
    return failure;
  }

  /**
   * Returns what a failed {@code migrate} did before the failure (migrations applied, current
   * version), or {@code null} if it failed before applying anything was attempted.
   */
  public MigrateResult partialResult() {
    return partialResult;
  }

  /** Returns all validation issues when the error comes from validation, else an empty list. */
  public List<ValidationIssue> issues() {
    return issues;
  }
}
