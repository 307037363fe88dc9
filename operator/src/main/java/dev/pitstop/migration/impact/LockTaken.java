package dev.pitstop.migration.impact;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relation lock the work session held, from {@code pg_locks}.
 *
 * @param relation schema-qualified name, as named on the target when the relation exists there
 * @param mode the lock mode as PostgreSQL names it, e.g. {@code AccessExclusiveLock}; followed by
 *     {@code " (stated)"} when it is the documented lock of a statement that runs outside a
 *     transaction ({@code CONCURRENTLY}, {@code VACUUM FULL}), whose locks cannot be read
 */
public record LockTaken(String relation, String mode) {

  /** A mode as {@code pg_locks} names it, and what follows it (such as a note). */
  private static final Pattern SERVER_LOCK_MODE = Pattern.compile("((?:[A-Z][a-z]+)+)Lock(\\b.*)");

  /** This lock's mode as SQL names it; see {@link #sqlName}. */
  public String sqlMode() {
    return sqlName(mode);
  }

  /**
   * A lock mode as SQL's {@code LOCK} statement names it: {@code AccessExclusiveLock} becomes
   * {@code ACCESS EXCLUSIVE}, {@code ShareUpdateExclusiveLock (stated)} becomes {@code SHARE UPDATE
   * EXCLUSIVE (stated)}; another text is kept.
   */
  public static String sqlName(String mode) {
    Matcher m = SERVER_LOCK_MODE.matcher(mode == null ? "" : mode);
    if (!m.matches()) {
      return mode;
    }
    return m.group(1).replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT) + m.group(2);
  }
}
