package dev.pitstop.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The operator's own Prometheus metrics (JOSDK adds its reconcile metrics beside these). */
public final class PitstopMetrics {
  private final MeterRegistry registry;

  public PitstopMetrics(MeterRegistry registry) {
    this.registry = registry;
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
}
