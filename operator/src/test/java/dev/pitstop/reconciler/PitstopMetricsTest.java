package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PitstopMetricsTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PitstopMetrics metrics = new PitstopMetrics(registry);

  /**
   * A counter born at 1 has no increase to see: the first failure of a resource would never alert.
   * Every result exists at 0 from the resource's first reconcile on.
   */
  @Test
  void aResourceHasEveryResultAtZeroFromItsFirstReconcile() {
    metrics.observed("DatabaseMigration", "shop", "app", null);
    metrics.observed("SandboxReset", "shop", "nightly", new SandboxResetStatus());

    assertThat(lines())
        .contains(
            "pitstop_run_duration_seconds_count{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"shop\",result=\"Failed\"} 0",
            "pitstop_run_duration_seconds_count{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"shop\",result=\"Succeeded\"} 0",
            "pitstop_migrations_applied_total{name=\"app\",namespace=\"shop\"} 0.0",
            "pitstop_run_duration_seconds_count{kind=\"SandboxReset\",name=\"nightly\","
                + "namespace=\"shop\",result=\"Failed\"} 0",
            "pitstop_reset_duration_seconds_count{name=\"nightly\",namespace=\"shop\","
                + "result=\"Failed\"} 0",
            "pitstop_reset_not_run_total{name=\"nightly\",namespace=\"shop\",result=\"Missed\"}"
                + " 0.0",
            "pitstop_reset_rows_deleted_total{name=\"nightly\",namespace=\"shop\"} 0.0");

    metrics.runFinished("DatabaseMigration", "shop", "app", "Failed", Duration.ofSeconds(1));
    metrics.observed("DatabaseMigration", "shop", "app", null);
    assertThat(lines())
        .contains(
            "pitstop_run_duration_seconds_count{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"shop\",result=\"Failed\"} 1");
  }

  @Test
  void everyCleanupRuleHasItsRowsDeletedCounterAtZeroBeforeItDeletes() {
    metrics.cleanupRules("shop", "logs", List.of("old-events", "orphans"));
    assertThat(lines())
        .contains(
            "pitstop_cleanup_rows_deleted_total{name=\"logs\",namespace=\"shop\","
                + "rule=\"old-events\"} 0.0",
            "pitstop_cleanup_rows_deleted_total{name=\"logs\",namespace=\"shop\","
                + "rule=\"orphans\"} 0.0");
    metrics.cleanupRowsDeleted("shop", "logs", "orphans", 7);
    metrics.cleanupRules("shop", "logs", List.of("old-events", "orphans"));
    assertThat(lines())
        .contains(
            "pitstop_cleanup_rows_deleted_total{name=\"logs\",namespace=\"shop\","
                + "rule=\"orphans\"} 7.0");
  }

  @Test
  void thePhaseGaugeIsOneForTheCurrentPhaseOnlyAndReadyFollowsTheCondition() {
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    status.phase = MigrationPhase.Migrating;
    metrics.observed("DatabaseMigration", "shop", "app", status);
    status.phase = MigrationPhase.Succeeded;
    Condition ready = new Condition();
    ready.type = Condition.READY;
    ready.status = "True";
    status.conditions = List.of(ready);
    metrics.observed("DatabaseMigration", "shop", "app", status);

    assertThat(phase("DatabaseMigration", "Succeeded")).isEqualTo(1.0);
    assertThat(phase("DatabaseMigration", "Migrating")).isZero();
    assertThat(registry.find("pitstop_resource_phase").gauges())
        .hasSize(MigrationPhase.values().length);
    assertThat(registry.get("pitstop_resource_ready").tag("name", "app").gauge().value())
        .isEqualTo(1.0);

    MaintenanceWindowStatus window = new MaintenanceWindowStatus();
    window.phase = WindowPhase.Failed;
    metrics.observed("MaintenanceWindow", "shop", "nightly", window);
    assertThat(phase("MaintenanceWindow", "Failed")).isEqualTo(1.0);
    assertThat(
            registry
                .get("pitstop_window_phase")
                .tag("name", "nightly")
                .tag("phase", "Failed")
                .gauge()
                .value())
        .as("the older window-only gauge stays")
        .isEqualTo(1.0);
    assertThat(registry.get("pitstop_resource_ready").tag("name", "nightly").gauge().value())
        .isZero();
  }

  /** A series that outlives its resource keeps an alert on it firing for ever. */
  @Test
  void aDeletedResourceTakesEverySeriesWithIt() {
    MaintenanceWindowStatus window = new MaintenanceWindowStatus();
    window.phase = WindowPhase.Failed;
    metrics.observed("MaintenanceWindow", "shop", "nightly", window);
    metrics.runFinished("MaintenanceWindow", "shop", "nightly", "Failed", Duration.ofSeconds(3));
    metrics.observed("CleanupSchedule", "shop", "logs", null);
    metrics.cleanupRowsDeleted("shop", "logs", "old", 10);
    metrics.cleanupSucceeded("shop", "logs", Instant.ofEpochSecond(1_000));
    metrics.observed("DatabaseMigration", "shop", "app", null);
    metrics.migrationApplied("shop", "app", Duration.ofMillis(5));
    metrics.observed("DatabaseMigration", "other", "app", null);

    metrics.forget("MaintenanceWindow", "shop", "nightly");
    metrics.forget("CleanupSchedule", "shop", "logs");
    metrics.forgetAllBut("DatabaseMigration", (namespace, name) -> namespace.equals("other"));

    assertThat(lines())
        .filteredOn(l -> l.startsWith("pitstop_"))
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l).contains("namespace=\"other\""));

    // Seen again (created anew under the same name): its series come back, at 0.
    metrics.observed("MaintenanceWindow", "shop", "nightly", window);
    assertThat(lines())
        .contains(
            "pitstop_run_duration_seconds_count{kind=\"MaintenanceWindow\",name=\"nightly\","
                + "namespace=\"shop\",result=\"Failed\"} 0");
  }

  private double phase(String kind, String phase) {
    return registry
        .get("pitstop_resource_phase")
        .tag("kind", kind)
        .tag("phase", phase)
        .gauge()
        .value();
  }

  private List<String> lines() {
    return registry.scrape().lines().toList();
  }
}
