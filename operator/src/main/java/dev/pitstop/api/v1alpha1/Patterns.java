package dev.pitstop.api.v1alpha1;

/** Schema patterns shared by several fields; the operator re-validates with a clearer message. */
public final class Patterns {
  /** A duration such as {@code 0}, {@code 50ms}, {@code 10s}, {@code 1h30m} or {@code 365d}. */
  public static final String DURATION = "^(0|([0-9]{1,9}(ms|s|m|h|d))+)$";

  /** Five whitespace-separated cron fields. */
  public static final String CRON = "^\\s*\\S+(\\s+\\S+){4}\\s*$";

  /** A table or column name, optionally schema-qualified; quoted names are allowed. */
  public static final String QUALIFIED_NAME =
      "^(\"[^\"\\x00]{1,63}\"|[A-Za-z_][A-Za-z0-9_$]{0,62})"
          + "(\\.(\"[^\"\\x00]{1,63}\"|[A-Za-z_][A-Za-z0-9_$]{0,62}))?$";

  /** A plain SQL identifier (schema, column or role name). */
  public static final String IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_$]{0,62}$";

  /**
   * A part of a table pattern: letters (any script), digits, {@code _ $}, the glob characters
   * {@code * ? [ ] ! ^ -}, and double-quoted text ({@code ""} for a quote) for names that need
   * quotes, such as {@code "Order Items"}.
   */
  private static final String TABLE_PATTERN_PART =
      "(?:[\\p{L}\\p{N}_$*?\\[\\]!^-]|\"(?:[^\"\\x00]|\"\")+\")+";

  /** A table name or glob pattern ({@code *}, {@code ?}, {@code [a-c]}), optionally qualified. */
  public static final String TABLE_PATTERN =
      "^" + TABLE_PATTERN_PART + "(?:\\." + TABLE_PATTERN_PART + ")?$";

  private Patterns() {}
}
