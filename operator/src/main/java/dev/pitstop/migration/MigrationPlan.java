package dev.pitstop.migration;

import java.util.List;

/**
 * The planner's full answer: the public view plus what the engine needs to act on it.
 *
 * @param info the public view
 * @param toApply the scripts to apply, in order
 * @param corrections history rows to realign under {@link ChecksumMismatchPolicy#REPAIR}
 * @param missing applied migrations (versioned or repeatable) no script stands for any more, which
 *     {@code repair} marks as deleted, as Flyway's does
 */
record MigrationPlan(
    MigrationInfo info,
    List<ResolvedMigration> toApply,
    List<Correction> corrections,
    List<AppliedMigration> missing) {

  /** A history row whose checksum or description differs from its script. */
  record Correction(int installedRank, String script, int checksum, String description) {}

  /** This plan with {@code first} before its own issues. */
  MigrationPlan withIssuesFirst(List<ValidationIssue> first) {
    List<ValidationIssue> issues = new java.util.ArrayList<>(first);
    issues.addAll(info.issues());
    return new MigrationPlan(
        new MigrationInfo(
            info.historyTable(),
            info.historyTableExists(),
            info.currentVersion(),
            info.applied(),
            info.pending(),
            issues),
        toApply,
        corrections,
        missing);
  }

  /** Returns the issues that stop {@code migrate} under the given policy. */
  List<ValidationIssue> blockingIssues(ChecksumMismatchPolicy policy) {
    return info.blockingIssues(policy);
  }
}
