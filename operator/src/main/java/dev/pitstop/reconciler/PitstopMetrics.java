package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The operator's own Prometheus metrics (JOSDK adds its reconcile metrics beside these).
 *
 * <p>Every series belongs to one resource (kind, namespace, name). A resource's counters and timers
 * with a {@code result} label exist at 0 for every result its kind has from its first reconcile on
 * ({@link #observed}), so the first failure is an increase from 0 that {@code increase()} sees;
 * every series of a resource is removed when it is deleted ({@link #forget}), so an alert on it
 * resolves.
 */
public final class PitstopMetrics {
  static final String DATABASE_MIGRATION = "DatabaseMigration";
  static final String SANDBOX_RESET = "SandboxReset";
  static final String CLEANUP_SCHEDULE = "CleanupSchedule";
  static final String MAINTENANCE_WINDOW = "MaintenanceWindow";

  /** The results {@code pitstop_run_duration_seconds} has for each kind. */
  static final Map<String, List<String>> RUN_RESULTS =
      Map.of(
          DATABASE_MIGRATION, List.of("Succeeded", "Failed"),
          SANDBOX_RESET, List.of("Succeeded", "Failed"),
          CLEANUP_SCHEDULE, List.of("Succeeded", "Incomplete", "Failed"),
          MAINTENANCE_WINDOW, List.of("Drained", "Failed"));

  /** The results of {@code pitstop_reset_duration_seconds}. */
  static final List<String> RESET_RESULTS = List.of("Succeeded", "Failed");

  /** The results of {@code pitstop_reset_not_run_total}. */
  static final List<String> RESET_NOT_RUN_RESULTS = List.of("Missed", "Skipped");

  private final MeterRegistry registry;

  /** The series of each resource, to remove with it. */
  private final Map<Resource, Series> resources = new ConcurrentHashMap<>();

  /** A resource the series belong to. */
  private record Resource(String kind, String namespace, String name) {}

  /**
   * A resource's meters, and its gauges' values (held here because Micrometer keeps only weak
   * references to them).
   */
  private static final class Series {
    final Set<Meter.Id> meters = ConcurrentHashMap.newKeySet();
    final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    volatile boolean initialised;
  }

  public PitstopMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * A reconcile of a resource: its result-labelled counters exist (at 0 the first time), and its
   * phase and readiness gauges show {@code status}.
   *
   * @param kind the resource's kind, e.g. {@code DatabaseMigration}
   * @param status its status after the reconcile (null: none yet)
   */
  public void observed(String kind, String namespace, String name, PitstopStatus status) {
    Resource resource = new Resource(kind, namespace, name);
    Series series = resources.computeIfAbsent(resource, r -> new Series());
    if (!series.initialised) {
      series.initialised = true;
      initialise(resource);
    }
    Enum<?>[] phases = phases(kind);
    Enum<?> phase = phase(status);
    for (Enum<?> p : phases) {
      gauge(
              resource,
              "pitstop_resource_phase",
              "1 for a resource's current phase (status.phase), 0 for the other phases of its kind",
              true,
              "phase",
              p.name())
          .set(p == phase ? 1 : 0);
      if (kind.equals(MAINTENANCE_WINDOW)) {
        gauge(
                resource,
                "pitstop_window_phase",
                "1 for a MaintenanceWindow's current phase, 0 for the others (deprecated: use"
                    + " pitstop_resource_phase{kind=\"MaintenanceWindow\"})",
                false,
                "phase",
                p.name())
            .set(p == phase ? 1 : 0);
      }
    }
    boolean ready =
        status != null
            && status.conditions != null
            && status.conditions.stream()
                .anyMatch(c -> Condition.READY.equals(c.type) && "True".equals(c.status));
    gauge(
            resource,
            "pitstop_resource_ready",
            "1 when a resource's Ready condition is True, else 0",
            true)
        .set(ready ? 1 : 0);
  }

  /** Removes every series of a deleted resource. */
  public void forget(String kind, String namespace, String name) {
    Series series = resources.remove(new Resource(kind, namespace, name));
    if (series != null) {
      series.meters.forEach(registry::remove);
    }
  }

  /**
   * Removes the series of every resource of {@code kind} that {@code live} no longer has (deleted
   * without its finalizer having run, e.g. while another replica led).
   *
   * @param live whether a resource (namespace, name) still exists
   */
  public void forgetAllBut(String kind, BiPredicate<String, String> live) {
    resources.keySet().stream()
        .filter(r -> r.kind().equals(kind))
        .filter(Predicate.not(r -> live.test(r.namespace(), r.name())))
        .toList()
        .forEach(r -> forget(r.kind(), r.namespace(), r.name()));
  }

  /** A migration applied by a DatabaseMigration. */
  public void migrationApplied(String namespace, String name, Duration took) {
    Resource resource = new Resource(DATABASE_MIGRATION, namespace, name);
    migrationsApplied(resource).increment();
    timer(
            resource,
            Timer.builder("pitstop_migration_duration")
                .description("Time to apply one migration")
                .tag("namespace", namespace)
                .tag("name", name))
        .record(took);
  }

  /** A run of any kind finished with a result (Succeeded, Failed, Incomplete, ...). */
  public void runFinished(
      String kind, String namespace, String name, String result, Duration took) {
    runDuration(new Resource(kind, namespace, name), result).record(took);
  }

  /**
   * The rules a CleanupSchedule has now: their rows-deleted counters exist, at 0 before the rule
   * first deletes, so an alert on their increase sees the first rows too.
   */
  public void cleanupRules(String namespace, String name, Collection<String> rules) {
    rules.forEach(rule -> cleanupRowsDeleted(namespace, name, rule, 0));
  }

  /** Rows a CleanupSchedule rule deleted in a run. */
  public void cleanupRowsDeleted(String namespace, String name, String rule, long rows) {
    Resource resource = new Resource(CLEANUP_SCHEDULE, namespace, name);
    counter(
            resource,
            Counter.builder("pitstop_cleanup_rows_deleted")
                .description("Rows deleted by CleanupSchedule rules")
                .tag("namespace", namespace)
                .tag("name", name)
                .tag("rule", rule))
        .increment(rows);
  }

  /** A CleanupSchedule run succeeded (or stopped cleanly, Incomplete) at {@code at}. */
  public void cleanupSucceeded(String namespace, String name, Instant at) {
    gauge(
            new Resource(CLEANUP_SCHEDULE, namespace, name),
            "pitstop_cleanup_last_success_timestamp_seconds",
            "When a CleanupSchedule run last succeeded, in Unix seconds",
            false)
        .set(at.getEpochSecond());
  }

  /** A SandboxReset run finished (Succeeded or Failed) after {@code took}, deleting rows. */
  public void resetFinished(
      String namespace, String name, String result, Duration took, long rowsDeleted) {
    Resource resource = new Resource(SANDBOX_RESET, namespace, name);
    resetDuration(resource, result).record(took);
    resetRowsDeleted(resource).increment(rowsDeleted);
  }

  /** A SandboxReset fire time that did not run: Missed or Skipped. */
  public void resetNotRun(String namespace, String name, String result) {
    resetNotRun(new Resource(SANDBOX_RESET, namespace, name), result).increment();
  }

  /** The counters and timers of a resource seen for the first time, at 0. */
  private void initialise(Resource resource) {
    RUN_RESULTS.getOrDefault(resource.kind(), List.of()).forEach(r -> runDuration(resource, r));
    switch (resource.kind()) {
      case DATABASE_MIGRATION -> migrationsApplied(resource);
      case SANDBOX_RESET -> {
        RESET_RESULTS.forEach(r -> resetDuration(resource, r));
        RESET_NOT_RUN_RESULTS.forEach(r -> resetNotRun(resource, r));
        resetRowsDeleted(resource);
      }
      default -> {
        // CleanupSchedule's counters are per rule (cleanupRules, from its spec), its gauge
        // appears with the first success;
        // MaintenanceWindow has only runs and phases.
      }
    }
  }

  private Counter migrationsApplied(Resource resource) {
    return counter(
        resource,
        Counter.builder("pitstop_migrations_applied")
            .description("Migrations applied")
            .tag("namespace", resource.namespace())
            .tag("name", resource.name()));
  }

  private Timer runDuration(Resource resource, String result) {
    return timer(
        resource,
        Timer.builder("pitstop_run_duration")
            .description("Duration of an operation run, by kind and result")
            .tag("kind", resource.kind())
            .tag("namespace", resource.namespace())
            .tag("name", resource.name())
            .tag("result", result));
  }

  private Timer resetDuration(Resource resource, String result) {
    return timer(
        resource,
        Timer.builder("pitstop_reset_duration")
            .description("Duration of a SandboxReset run, by result")
            .tag("namespace", resource.namespace())
            .tag("name", resource.name())
            .tag("result", result));
  }

  private Counter resetRowsDeleted(Resource resource) {
    return counter(
        resource,
        Counter.builder("pitstop_reset_rows_deleted")
            .description("Rows deleted by SandboxReset runs that committed")
            .tag("namespace", resource.namespace())
            .tag("name", resource.name()));
  }

  private Counter resetNotRun(Resource resource, String result) {
    return counter(
        resource,
        Counter.builder("pitstop_reset_not_run")
            .description("Scheduled SandboxReset fire times that did not run, by result")
            .tag("namespace", resource.namespace())
            .tag("name", resource.name())
            .tag("result", result));
  }

  private Counter counter(Resource resource, Counter.Builder builder) {
    return remember(resource, builder.register(registry));
  }

  private Timer timer(Resource resource, Timer.Builder builder) {
    return remember(resource, builder.register(registry));
  }

  /**
   * The value of a resource's gauge {@code metric}, registered the first time.
   *
   * @param withKind whether the gauge has a kind label
   * @param extraTags more label names and values, alternating
   */
  private AtomicLong gauge(
      Resource resource, String metric, String description, boolean withKind, String... extraTags) {
    Series series = resources.computeIfAbsent(resource, r -> new Series());
    return series.gauges.computeIfAbsent(
        metric + "/" + String.join("/", extraTags),
        k -> {
          AtomicLong value = new AtomicLong();
          Gauge.Builder<AtomicLong> builder =
              Gauge.builder(metric, value, AtomicLong::get).description(description);
          if (withKind) {
            builder.tag("kind", resource.kind());
          }
          builder.tag("namespace", resource.namespace()).tag("name", resource.name());
          builder.tags(extraTags);
          series.meters.add(builder.register(registry).getId());
          return value;
        });
  }

  private <M extends Meter> M remember(Resource resource, M meter) {
    resources.computeIfAbsent(resource, r -> new Series()).meters.add(meter.getId());
    return meter;
  }

  private static Enum<?>[] phases(String kind) {
    return switch (kind) {
      case DATABASE_MIGRATION -> MigrationPhase.values();
      case SANDBOX_RESET -> ResetPhase.values();
      case CLEANUP_SCHEDULE -> CleanupPhase.values();
      case MAINTENANCE_WINDOW -> WindowPhase.values();
      default -> new Enum<?>[0];
    };
  }

  private static Enum<?> phase(PitstopStatus status) {
    if (status instanceof DatabaseMigrationStatus s) {
      return s.phase;
    }
    if (status instanceof SandboxResetStatus s) {
      return s.phase;
    }
    if (status instanceof CleanupScheduleStatus s) {
      return s.phase;
    }
    if (status instanceof MaintenanceWindowStatus s) {
      return s.phase;
    }
    return null;
  }
}
