package dev.pitstop.migration;

import java.util.List;

/**
 * What a {@code migrate} call did.
 *
 * @param historyTable the history table, schema-qualified
 * @param applied the scripts applied by this call, in order
 * @param repaired scripts whose recorded checksum or description was realigned
 * @param currentVersion the highest applied version afterwards, {@code null} if none
 * @param appliedCount successful history rows afterwards (as {@code status.appliedCount} shows)
 * @param pending scripts still pending afterwards (e.g. above the target version: none)
 */
public record MigrateResult(
    String historyTable,
    List<ExecutedMigration> applied,
    List<String> repaired,
    String currentVersion,
    int appliedCount,
    List<PendingMigration> pending) {

  public MigrateResult {
    applied = List.copyOf(applied);
    repaired = List.copyOf(repaired);
    pending = List.copyOf(pending);
  }
}
