package dev.pitstop.load;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the load run measured, as printed by {@link LoadIT} and copied into docs/reliability.md. */
record LoadReport(
    int resources,
    int databases,
    Duration apply,
    Duration steadyState,
    Duration afterLastApply,
    long peakRssBytes,
    long endRssBytes,
    long peakHeapBytes,
    long maxSessions,
    long maxHikariConnections,
    int sessionBound,
    List<Long> firstStatusMillis,
    String metrics) {

  private static final Pattern POOL_NUMBER = Pattern.compile("pool=\"pitstop-[^\"]*#(\\d+)\"");

  private static final List<String> KINDS =
      List.of("DatabaseMigration", "SandboxReset", "CleanupSchedule", "MaintenanceWindow");

  String text() {
    StringBuilder text = new StringBuilder();
    line(text, "LOAD RESULT: %d resources on %d databases", resources, databases);
    line(
        text,
        "  apply (serial creates through the embedded API server): %d ms, %.0f ms per object",
        apply.toMillis(),
        apply.toMillis() / (double) (resources + databases));
    line(text, "  steady state: %d ms after the first apply", steadyState.toMillis());
    line(text, "  steady state: %d ms after the last apply", afterLastApply.toMillis());
    line(text, "  peak RSS (VmHWM) %s MiB, at end %s MiB", mib(peakRssBytes), mib(endRssBytes));
    line(text, "  peak heap used %s MiB", mib(peakHeapBytes));
    line(text, "  connection pools opened: %d", poolsOpened(metrics));
    line(
        text,
        "  operator sessions in pg_stat_activity: max %d (bound %d); max hikaricp_connections %d",
        maxSessions,
        sessionBound,
        maxHikariConnections);
    line(
        text,
        "  creation to first status (queue wait + first reconcile) ms: p50 %d, p95 %d, p99 %d,"
            + " max %d",
        PhaseTracker.percentile(firstStatusMillis, 50),
        PhaseTracker.percentile(firstStatusMillis, 95),
        PhaseTracker.percentile(firstStatusMillis, 99),
        PhaseTracker.percentile(firstStatusMillis, 100));
    for (String kind : KINDS) {
      String label = "resource_kind=\"" + kind + "\"";
      double count =
          OperatorProcess.sum(
              metrics, "operator_sdk_controllers_execution_reconcile_seconds_count", label);
      double seconds =
          OperatorProcess.sum(
              metrics, "operator_sdk_controllers_execution_reconcile_seconds_sum", label);
      line(
          text,
          "  %s: %.0f reconciles, mean %.0f ms",
          kind,
          count,
          count == 0 ? 0 : seconds * 1000 / count);
    }
    line(
        text,
        "  JOSDK: %.0f reconciliations failed, queue size at end %.0f",
        OperatorProcess.sum(metrics, "operator_sdk_reconciliations_failed_total", null),
        OperatorProcess.sumByPrefix(metrics, "operator_sdk_reconciliations_queue_size_"));
    return text.toString();
  }

  /** Pools are named {@code pitstop-<target>#<n>}, n counting every pool ever opened. */
  static long poolsOpened(String metrics) {
    Matcher m = POOL_NUMBER.matcher(metrics);
    long max = 0;
    while (m.find()) {
      max = Math.max(max, Long.parseLong(m.group(1)));
    }
    return max;
  }

  private static void line(StringBuilder text, String format, Object... args) {
    text.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
  }
}
