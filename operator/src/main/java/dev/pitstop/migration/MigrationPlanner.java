package dev.pitstop.migration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares scripts with history rows: finds what is applied, what is pending and what is wrong.
 * Pure logic, no database access.
 *
 * <p>Rules (Flyway's, unless noted): a versioned row is matched to the script of equal version;
 * only rows of type {@code SQL} are checked for checksum and description, rows of other types (Java
 * migrations) are trusted; a {@code BASELINE} row makes lower versions count as applied; the latest
 * successful row of a repeatable (by description) decides whether it is pending (its checksum is
 * that of the text after placeholder replacement, or of the file as it is); a repeatable whose
 * script is gone is ignored; an applied version without a script is an error (Flyway ignores
 * "future" versions by default, Pitstop does not, so a rollback to older scripts is noticed).
 *
 * <p>Baseline migrations ({@code B<version>__<description>.sql}) as Flyway runs them: only on a
 * database with no applied migration (no history rows other than Flyway's schema marker), the
 * highest one up to the target is applied instead of the versioned scripts up to its version, and
 * recorded with type {@code SQL_BASELINE}, which then counts as a baseline; on any other database
 * they are ignored, except that an applied one is checked against its file.
 */
final class MigrationPlanner {

  private MigrationPlanner() {}

  static MigrationPlan plan(
      String historyTable,
      boolean historyTableExists,
      List<ResolvedMigration> scripts,
      List<AppliedMigration> rows,
      MigrationVersion target,
      boolean outOfOrder,
      int serverVersionNum) {
    List<ValidationIssue> issues = new ArrayList<>();
    List<MigrationPlan.Correction> corrections = new ArrayList<>();
    Map<MigrationVersion, AppliedMigration> appliedVersions = new HashMap<>();
    Map<String, AppliedMigration> latestRepeatables = new HashMap<>();
    MigrationVersion baseline = null;
    for (AppliedMigration row : rows) {
      if (!row.success()) {
        issues.add(
            new ValidationIssue(
                ErrorCode.FAILED_MIGRATION_RECORDED,
                row.script(),
                "The history table records a failed migration "
                    + row.script()
                    + "; clean up what it left behind, then remove the row with `pitstop repair --dir"
                    + " DIR` (or Flyway's repair)."));
      } else if (row.isSchemaMarker()) {
        continue;
      } else if (row.takesBack()) {
        // rows come in installed_rank order: a later row applies it again
        if (row.version() != null) {
          appliedVersions.remove(MigrationVersion.parse(row.version()));
        } else {
          latestRepeatables.remove(row.description());
        }
      } else if (row.isBaseline() && row.version() != null) {
        MigrationVersion version = MigrationVersion.parse(row.version());
        baseline = baseline == null || version.compareTo(baseline) > 0 ? version : baseline;
      } else if (row.version() != null) {
        appliedVersions.put(MigrationVersion.parse(row.version()), row);
      } else {
        latestRepeatables.put(row.description(), row);
      }
    }

    Map<MigrationVersion, ResolvedMigration> versionedScripts = new LinkedHashMap<>();
    Map<MigrationVersion, ResolvedMigration> baselineScripts = new LinkedHashMap<>();
    for (ResolvedMigration script : scripts) {
      if (script.baseline()) {
        baselineScripts.put(script.version(), script);
      } else if (!script.repeatable()) {
        versionedScripts.put(script.version(), script);
      }
    }
    for (AppliedMigration row : rows) {
      if (row.success() && row.isSqlBaseline() && row.version() != null) {
        checkApplied(
            row, baselineScripts.get(MigrationVersion.parse(row.version())), issues, corrections);
      }
    }
    // On a database with nothing applied, the highest baseline migration up to the target.
    ResolvedMigration baselineScript = null;
    if (rows.stream().allMatch(AppliedMigration::isSchemaMarker)) {
      for (ResolvedMigration script : baselineScripts.values()) {
        if (target == null || script.version().compareTo(target) <= 0) {
          baselineScript = script;
        }
      }
    }
    MigrationVersion current = baseline;
    for (Map.Entry<MigrationVersion, AppliedMigration> entry : appliedVersions.entrySet()) {
      if (current == null || entry.getKey().compareTo(current) > 0) {
        current = entry.getKey();
      }
      checkApplied(entry.getValue(), versionedScripts.get(entry.getKey()), issues, corrections);
    }
    if (target != null
        && !versionedScripts.containsKey(target)
        && !appliedVersions.containsKey(target)
        && !baselineScripts.containsKey(target)
        && !target.equals(baseline)) {
      issues.add(
          new ValidationIssue(
              ErrorCode.TARGET_NOT_FOUND,
              "targetVersion",
              "targetVersion "
                  + target
                  + " is neither a script nor applied; use an existing version or latest."));
    }

    List<ResolvedMigration> toApply = new ArrayList<>();
    List<PendingMigration> pending = new ArrayList<>();
    for (ResolvedMigration script : scripts) {
      boolean isOutOfOrder = false;
      if (script.repeatable()) {
        AppliedMigration latest = latestRepeatables.get(script.description());
        if (latest != null
            && (Objects.equals(latest.checksum(), script.checksum())
                || Objects.equals(latest.checksum(), script.fileChecksum()))) {
          continue;
        }
      } else if (script.baseline()) {
        if (script != baselineScript) {
          continue;
        }
      } else {
        MigrationVersion version = script.version();
        if (baselineScript != null && version.compareTo(baselineScript.version()) <= 0) {
          continue;
        }
        if (appliedVersions.containsKey(version)
            || (baseline != null && version.compareTo(baseline) <= 0)
            || (target != null && version.compareTo(target) > 0)) {
          continue;
        }
        if (current != null && version.compareTo(current) < 0) {
          if (!outOfOrder) {
            issues.add(
                new ValidationIssue(
                    ErrorCode.OUT_OF_ORDER,
                    script.script(),
                    script.script()
                        + " is pending but version "
                        + current
                        + " is already applied; set outOfOrder to apply it, or give it a"
                        + " higher version."));
            continue;
          }
          isOutOfOrder = true;
        }
      }
      if (script.problem() != null) {
        // refused now that it is known to be pending: nothing of it can run
        MigrationException problem = script.problem();
        issues.add(new ValidationIssue(problem.code(), problem.subject(), problem.getMessage()));
      }
      toApply.add(script);
      pending.add(
          new PendingMigration(
              script.versionText(),
              script.description(),
              script.script(),
              script.checksum(),
              script.statements().size(),
              script.transactional(serverVersionNum),
              isOutOfOrder));
    }
    MigrationInfo info =
        new MigrationInfo(
            historyTable,
            historyTableExists,
            current == null ? null : current.toString(),
            rows,
            pending,
            issues);
    List<AppliedMigration> missing = new ArrayList<>();
    appliedVersions.forEach(
        (version, row) -> {
          if (row.isSqlScript() && !versionedScripts.containsKey(version)) {
            missing.add(row);
          }
        });
    Set<String> repeatables = new HashSet<>();
    scripts.stream()
        .filter(ResolvedMigration::repeatable)
        .forEach(s -> repeatables.add(s.description()));
    latestRepeatables.forEach(
        (description, row) -> {
          if (row.isSqlScript() && !repeatables.contains(description)) {
            missing.add(row);
          }
        });
    missing.sort(java.util.Comparator.comparingInt(AppliedMigration::installedRank));
    return new MigrationPlan(info, toApply, corrections, missing);
  }

  private static void checkApplied(
      AppliedMigration row,
      ResolvedMigration script,
      List<ValidationIssue> issues,
      List<MigrationPlan.Correction> corrections) {
    if (!row.isSqlScript() && !row.isSqlBaseline()) {
      return;
    }
    if (script == null) {
      issues.add(
          new ValidationIssue(
              ErrorCode.MISSING_SCRIPT,
              row.script(),
              "Version "
                  + row.version()
                  + " ("
                  + row.script()
                  + ") is applied but no script has that version; "
                  + (MigrationResolver.ignored(row.script())
                      ? "its file name does not follow Flyway's default naming"
                          + " (V<version>__<description>.sql), the only one Pitstop reads, so the"
                          + " project's Flyway uses other naming settings (sqlMigrationPrefix,"
                          + " sqlMigrationSuffixes, ...): rename its files to the default naming"
                          + " (their checksums stay the same)."
                      : "add the script back.")));
      return;
    }
    boolean checksumDiffers = !Objects.equals(row.checksum(), script.checksum());
    boolean descriptionDiffers = !row.description().equals(script.description());
    if (checksumDiffers) {
      issues.add(
          new ValidationIssue(
              ErrorCode.CHECKSUM_MISMATCH,
              script.script(),
              script.script()
                  + " was changed after it was applied (checksum "
                  + row.checksum()
                  + " recorded, "
                  + script.checksum()
                  + " now); restore it, or set onChecksumMismatch to Repair to accept the"
                  + " change without re-running it."));
    }
    if (descriptionDiffers) {
      issues.add(
          new ValidationIssue(
              ErrorCode.DESCRIPTION_MISMATCH,
              script.script(),
              "Version "
                  + row.version()
                  + " was applied as \""
                  + row.description()
                  + "\" but is now named "
                  + script.script()
                  + "; restore the name, or set onChecksumMismatch to Repair to accept it."));
    }
    if (checksumDiffers || descriptionDiffers) {
      corrections.add(
          new MigrationPlan.Correction(
              row.installedRank(), script.script(), script.checksum(), script.description()));
    }
  }
}
