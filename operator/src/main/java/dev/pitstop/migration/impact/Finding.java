package dev.pitstop.migration.impact;

/**
 * One risk of a pending migration, measured on the scratch copy and sized by the target.
 *
 * @param code what kind of risk
 * @param severity how much it can hurt
 * @param script the migration file
 * @param statement 1-based statement index in the file
 * @param line 1-based line where the statement starts
 * @param relation the schema-qualified table (or index) concerned, as named on the target; null
 *     when none
 * @param message one sentence with the measured lock, the target's size and the effect, e.g.
 *     "ACCESS EXCLUSIVE on public.orders (12.4M rows, 3.1 GB) while rewriting it: blocks every read
 *     and write for the rewrite"
 * @param allowedReason the reason of a {@code -- pitstop:allow PSnnn reason} comment accepting it,
 *     or null
 */
public record Finding(
    FindingCode code,
    Severity severity,
    String script,
    int statement,
    int line,
    String relation,
    String message,
    String allowedReason) {

  /** Whether a comment in the file accepted this finding. */
  public boolean allowed() {
    return allowedReason != null;
  }

  /** Whether this finding counts against {@code threshold}: not allowed, and at least as severe. */
  public boolean gates(Severity threshold) {
    return !allowed() && severity.atLeast(threshold);
  }
}
