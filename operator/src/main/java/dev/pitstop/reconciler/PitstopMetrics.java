package dev.pitstop.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The operator's own Prometheus metrics (JOSDK adds its reconcile metrics beside these). */
public final class PitstopMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> windowPhases = new ConcurrentHashMap<>();

  /** Gauge values by namespace/name; held here because Micrometer keeps only weak references. */
  private final Map<String, AtomicLong> lastCleanupSuccess = new ConcurrentHashMap<>();

  public PitstopMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * The current phase of a MaintenanceWindow: one series per phase, 1 for the current one and 0 for
   * the others, so {@code pitstop_window_phase{phase="Failed"} == 1} can alert.
   */
  public void windowPhase(
      String namespace, String name, dev.pitstop.api.v1alpha1.WindowPhase phase) {
    for (dev.pitstop.api.v1alpha1.WindowPhase p : dev.pitstop.api.v1alpha1.WindowPhase.values()) {
      windowPhases
          .computeIfAbsent(
              namespace + "/" + name + "/" + p.name(),
              k -> {
                AtomicLong value = new AtomicLong();
                Gauge.builder("pitstop_window_phase", value, AtomicLong::get)
                    .description("1 for a MaintenanceWindow's current phase, 0 for the others")
                    .tag("namespace", namespace)
                    .tag("name", name)
                    .tag("phase", p.name())
                    .register(registry);
                return value;
              })
          .set(p == phase ? 1 : 0);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A migration applied by a DatabaseMigration. */
  public void migrationApplied(String namespace, String name, Duration took) {
    Counter.builder("pitstop_migrations_applied")
        .description("Migrations applied")
        .tag("namespace", namespace)
        .tag("name", name)
        .register(registry)
        .increment();
    Timer.builder("pitstop_migration_duration")
        .description("Time to apply one migration")
        .tag("namespace", namespace)
        .tag("name", name)
        .register(registry)
        .record(took);
  }

  /** A run of any kind finished with a result (Succeeded, Failed, Incomplete, ...). */
  public void runFinished(
      String kind, String namespace, String name, String result, Duration took) {
    Timer.builder("pitstop_run_duration")
        .description("Duration of an operation run, by kind and result")
        .tag("kind", kind)
        .tag("namespace", namespace)
        .tag("name", name)
        .tag("result", result)
        .register(registry)
        .record(took);
  }

  /** Rows a CleanupSchedule rule deleted in a run. */
  public void cleanupRowsDeleted(String namespace, String name, String rule, long rows) {
    Counter.builder("pitstop_cleanup_rows_deleted")
        .description("Rows deleted by CleanupSchedule rules")
        .tag("namespace", namespace)
        .tag("name", name)
        .tag("rule", rule)
        .register(registry)
        .increment(rows);
  }

  /** A CleanupSchedule run succeeded (or stopped cleanly, Incomplete) at {@code at}. */
  public void cleanupSucceeded(String namespace, String name, Instant at) {
    lastCleanupSuccess
        .computeIfAbsent(
            namespace + "/" + name,
            k -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder(
                      "pitstop_cleanup_last_success_timestamp_seconds", value, AtomicLong::get)
                  .description("When a CleanupSchedule run last succeeded, in Unix seconds")
                  .tag("namespace", namespace)
                  .tag("name", name)
                  .register(registry);
              return value;
            })
        .set(at.getEpochSecond());
  }

  /** A SandboxReset run finished (Succeeded or Failed) after {@code took}, deleting rows. */
  public void resetFinished(
      String namespace, String name, String result, Duration took, long rowsDeleted) {
    Timer.builder("pitstop_reset_duration")
        .description("Duration of a SandboxReset run, by result")
        .tag("namespace", namespace)
        .tag("name", name)
        .tag("result", result)
        .register(registry)
        .record(took);
    Counter.builder("pitstop_reset_rows_deleted")
        .description("Rows deleted by SandboxReset runs that committed")
        .tag("namespace", namespace)
        .tag("name", name)
        .register(registry)
        .increment(rowsDeleted);
  }

  /** A SandboxReset fire time that did not run: Missed or Skipped. */
  public void resetNotRun(String namespace, String name, String result) {
    Counter.builder("pitstop_reset_not_run")
        .description("Scheduled SandboxReset fire times that did not run, by result")
        .tag("namespace", namespace)
        .tag("name", name)
        .tag("result", result)
        .register(registry)
        .increment();
  }
}
