package dev.pitstop.migration;

import java.util.List;

/**
 * The state of a database against a set of scripts, computed without changing anything: what is
 * applied, what {@code migrate} would apply, and what would stop it.
 *
 * @param historyTable the history table, schema-qualified ({@code schema.table})
 * @param historyTableExists whether that table exists yet
 * @param currentVersion the highest applied version, {@code null} if none
 * @param applied every history row, by installed rank
 * @param pending what {@code migrate} would apply, in order (versioned first, then repeatables)
 * @param issues problems found; see {@link ValidationIssue#repairable()}
 */
public record MigrationInfo(
    String historyTable,
    boolean historyTableExists,
    String currentVersion,
    List<AppliedMigration> applied,
    List<PendingMigration> pending,
    List<ValidationIssue> issues) {

  public MigrationInfo {
    applied = List.copyOf(applied);
    pending = List.copyOf(pending);
    issues = List.copyOf(issues);
  }

  /**
   * Counts the successful history rows (a baseline included, not Flyway's schema marker); 0 while
   * there is no history table, even when {@code migrate} would record a baseline first.
   */
  public int appliedCount() {
    if (!historyTableExists) {
      return 0;
    }
    return (int) applied.stream().filter(row -> row.success() && !row.isSchemaMarker()).count();
  }

  /**
   * The highest version the history table records, {@code null} if none; unlike {@link
   * #currentVersion()}, never the baseline {@code migrate} would record in a history table it has
   * yet to create.
   */
  public String recordedVersion() {
    return historyTableExists ? currentVersion : null;
  }

  /**
   * The baseline version {@code migrate} records first in the history table it creates, or null.
   */
  public String baselineToRecord() {
    return historyTableExists || applied.isEmpty() ? null : currentVersion;
  }

  /**
   * Returns the issues that stop {@code migrate} under the given policy: all of them, except
   * checksum and description changes when the policy is {@link ChecksumMismatchPolicy#REPAIR}.
   */
  public List<ValidationIssue> blockingIssues(ChecksumMismatchPolicy policy) {
    return issues.stream()
        .filter(issue -> !(issue.repairable() && policy == ChecksumMismatchPolicy.REPAIR))
        .toList();
  }
}
