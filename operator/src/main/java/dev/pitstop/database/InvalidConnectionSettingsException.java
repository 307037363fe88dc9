package dev.pitstop.database;

/**
 * Connection settings that cannot be used: a Secret key or URL part is missing or malformed.
 *
 * <p>The message is one sentence a user can act on; it names the Secret key or the URL part and
 * never contains a password.
 */
public final class InvalidConnectionSettingsException extends IllegalArgumentException {

  /** What is wrong, for condition reasons and error codes. */
  public enum Problem {
    /** A required key or URL part is absent or empty. */
    MISSING,
    /** A key or URL part is present but cannot be used. */
    INVALID
  }

  private final Problem problem;
  private final String key;

  InvalidConnectionSettingsException(Problem problem, String key, String message) {
    super(message);
    this.problem = problem;
    this.key = key;
  }

  static InvalidConnectionSettingsException missing(String key, String message) {
    return new InvalidConnectionSettingsException(Problem.MISSING, key, message);
  }

  static InvalidConnectionSettingsException invalid(String key, String message) {
    return new InvalidConnectionSettingsException(Problem.INVALID, key, message);
  }

  public Problem problem() {
    return problem;
  }

  /** The Secret key or URL part concerned, e.g. {@code host} or {@code uri}. */
  public String key() {
    return key;
  }
}
