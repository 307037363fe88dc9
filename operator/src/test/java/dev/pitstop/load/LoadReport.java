package dev.pitstop.load;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one load scenario measured, as printed by {@link LoadIT} and copied into
 * docs/reliability.md.
 */
record LoadReport(
    String scenario,
    int resources,
    int databases,
    Timings timings,
    String cpu,
    long peakRssBytes,
    long endRssBytes,
    long peakHeapBytes,
    long maxSessions,
    long maxHikariConnections,
    int sessionBound,
    List<Long> firstStatusMillis,
    String loadAverages,
    String metrics) {

  /**
   * The scenario's durations.
   *
   * @param apply the serial creates of the Secrets and resources
   * @param operatorRunning whether the operator was running during the apply
   * @param ready operator process start to {@code /readyz}
   * @param fromOperatorStart operator process start to the last resource in its expected phase
   *     (cold start), or null
   * @param fromFirstApply first create to the last resource in its expected phase (apply while
   *     running), or null
   * @param afterLastApply last create to the last resource in its expected phase (apply while
   *     running), or null
   */
  record Timings(
      Duration apply,
      boolean operatorRunning,
      Duration ready,
      Duration fromOperatorStart,
      Duration fromFirstApply,
      Duration afterLastApply) {

    static Timings coldStart(Duration apply, Duration ready, Duration fromOperatorStart) {
      return new Timings(apply, false, ready, fromOperatorStart, null, null);
    }

    static Timings applyWhileRunning(
        Duration apply, Duration ready, Duration fromFirstApply, Duration afterLastApply) {
      return new Timings(apply, true, ready, null, fromFirstApply, afterLastApply);
    }
  }

  private static final Pattern POOL_NUMBER = Pattern.compile("pool=\"pitstop-[^\"]*#(\\d+)\"");

  private static final List<String> KINDS =
      List.of("DatabaseMigration", "SandboxReset", "CleanupSchedule", "MaintenanceWindow");

  String text() {
    StringBuilder text = new StringBuilder();
    line(text, "LOAD RESULT (%s): %d resources on %d databases", scenario, resources, databases);
    line(
        text,
        "  apply %s (serial creates through the embedded API server): %d ms, %.1f ms per object",
        timings.operatorRunning() ? "with the operator running" : "before the operator started",
        timings.apply().toMillis(),
        timings.apply().toMillis() / (double) (resources + databases));
    line(text, "  operator process start to ready: %d ms", timings.ready().toMillis());
    if (timings.fromOperatorStart() != null) {
      line(
          text,
          "  steady state: %d ms after the operator process start",
          timings.fromOperatorStart().toMillis());
    }
    if (timings.fromFirstApply() != null) {
      line(
          text, "  steady state: %d ms after the first apply", timings.fromFirstApply().toMillis());
      line(text, "  steady state: %d ms after the last apply", timings.afterLastApply().toMillis());
    }
    line(text, "  CPU until steady state: %s", cpu);
    line(text, "  peak RSS (VmHWM) %s MiB, at end %s MiB", mib(peakRssBytes), mib(endRssBytes));
    line(text, "  peak heap used %s MiB", mib(peakHeapBytes));
    line(text, "  connection pools opened: %d", poolsOpened(metrics));
    line(text, "  /metrics page at end: %d KiB", metrics.length() / 1024);
    line(
        text,
        "  operator sessions in pg_stat_activity: max %d (bound %d); max hikaricp_connections %d",
        maxSessions,
        sessionBound,
        maxHikariConnections);
    line(
        text,
        "  %s to first status (queue wait + first reconcile) ms: p50 %d, p95 %d, p99 %d,"
            + " max %d",
        timings.operatorRunning() ? "creation" : "operator process start",
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
    line(text, "  machine load average (1 min) before / after: %s", loadAverages);
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
