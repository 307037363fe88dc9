package dev.pitstop.migration.impact;

/**
 * The lock-impact findings, documented one by one in docs/migration-lint.md. A code never changes
 * meaning; new checks get new codes.
 */
public enum FindingCode {
  PS100("fails-on-copy", Severity.ERROR, "the statement fails on a copy of the target's schema"),
  PS101(
      "exclusive-lock-held",
      Severity.WARNING,
      "a lock blocking reads or writes of a non-empty table is held across later statements"),
  PS102("table-rewrite", Severity.ERROR, "a non-empty table or its index is rewritten"),
  PS103(
      "index-not-concurrent",
      Severity.ERROR,
      "an index on a non-empty table is built without CONCURRENTLY"),
  PS104(
      "foreign-key-validated",
      Severity.ERROR,
      "a foreign key is added and validated in one step (no NOT VALID)"),
  PS105(
      "check-validated",
      Severity.ERROR,
      "a check constraint is added and validated in one step (no NOT VALID)"),
  PS106(
      "set-not-null-scan",
      Severity.ERROR,
      "SET NOT NULL scans the table under ACCESS EXCLUSIVE (no validated check constraint)"),
  PS107("volatile-default", Severity.ERROR, "a column is added with a volatile default (rewrite)"),
  PS108("column-type-change", Severity.ERROR, "a column type change rewrites a non-empty table"),
  PS109(
      "rename-or-drop",
      Severity.WARNING,
      "a table or column the running application uses is renamed or dropped"),
  PS110(
      "data-update-with-ddl",
      Severity.ERROR,
      "rows of a non-empty table are updated in the same transaction as schema changes"),
  PS111(
      "concurrently-in-transaction",
      Severity.ERROR,
      "CONCURRENTLY inside a transaction, or beside other statements in one script"),
  PS112(
      "no-lock-timeout",
      Severity.WARNING,
      "an exclusive lock on a non-empty table is requested without lock_timeout"),
  PS113(
      "changes-the-server",
      Severity.INFO,
      "a statement changes roles, databases or other objects every database on the server shares,"
          + " so the plan does not run it"),
  PS114(
      "domain-constraint-scan",
      Severity.ERROR,
      "a domain constraint is checked against every table that uses the domain under SHARE");

  private final String slug;
  private final Severity severity;
  private final String title;

  FindingCode(String slug, Severity severity, String title) {
    this.slug = slug;
    this.severity = severity;
    this.title = title;
  }

  /** Short name, e.g. {@code table-rewrite}. */
  public String slug() {
    return slug;
  }

  /** The severity findings of this code have unless a rule says otherwise. */
  public Severity severity() {
    return severity;
  }

  /** One line saying what it means. */
  public String title() {
    return title;
  }

  /** The code named by {@code text} ({@code PS104}, any case), or null. */
  public static FindingCode parse(String text) {
    for (FindingCode c : values()) {
      if (c.name().equalsIgnoreCase(text)) {
        return c;
      }
    }
    return null;
  }
}
