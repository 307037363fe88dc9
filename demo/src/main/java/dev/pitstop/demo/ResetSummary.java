package dev.pitstop.demo;

import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a finished SandboxReset did, from its status: rows deleted per table, the tables it kept and
 * why, and the seeds it ran. Printed at the end of the demo, when the table only shows the total.
 */
final class ResetSummary {
  private ResetSummary() {}

  static List<String> lines(SandboxReset reset) {
    SandboxResetStatus status = reset.getStatus();
    if (status == null || status.lastRun == null || status.plan == null) {
      return List.of();
    }
    SandboxResetStatus.ResetPlan plan = status.plan;
    List<String> lines = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    if (plan.rowCounts != null) {
      for (Map.Entry<String, Long> table : plan.rowCounts.entrySet()) {
        deleted.add(table.getKey() + " " + table.getValue());
      }
    }
    lines.add(
        "SandboxReset "
            + reset.getMetadata().getName()
            + " deleted "
            + status.lastRun.rowsDeleted
            + " rows"
            + (deleted.isEmpty() ? "" : ": " + String.join(", ", deleted)));
    if (!plan.preserved.isEmpty()) {
      lines.add("  kept: " + String.join(", ", plan.preserved));
    }
    if (plan.keptRows != null && !plan.keptRows.isEmpty()) {
      List<String> kept = new ArrayList<>();
      plan.keptRows.forEach((table, rows) -> kept.add(table + " " + rows));
      lines.add("  kept rows: " + String.join(", ", kept));
    }
    if (!plan.seeds.isEmpty()) {
      lines.add("  seeded: " + String.join(", ", plan.seeds));
    }
    plan.warnings.forEach(warning -> lines.add("  warning: " + warning));
    return lines;
  }
}
