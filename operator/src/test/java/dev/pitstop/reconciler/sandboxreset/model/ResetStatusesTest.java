package dev.pitstop.reconciler.sandboxreset.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.RunStatuses;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The conditions of a run that waits or goes on match its phase, not the last run's outcome. */
class ResetStatusesTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static String condition(PitstopStatus status, String type) {
    return Conditions.find(status, type).map(c -> c.status + "/" + c.reason).orElse(null);
  }

  @Test
  void aRetryAfterACancelledResetIsNotFailed() {
    SandboxResetStatus status = new SandboxResetStatus();
    ResetStatuses.started(status, false, "app@db/sandbox", 1, T0);
    RunStatuses.cancelled(status, "the annotation pitstop.dev/cancel=1", 1, T0);
    assertThat(condition(status, Condition.FAILED)).isEqualTo("True/Cancelled");

    ResetStatuses.retrying(
        status, "The lock was not granted.", false, Duration.ofSeconds(10), 1, T0);

    assertThat(status.phase).isEqualTo(ResetPhase.Pending);
    assertThat(condition(status, Condition.READY)).isEqualTo("False/RetryScheduled");
    assertThat(condition(status, Condition.PROGRESSING)).isEqualTo("True/RetryScheduled");
    assertThat(condition(status, Condition.FAILED)).isEqualTo("False/RetryScheduled");
  }

  @Test
  void aResetStartedAfterASucceededOneIsNotReady() {
    SandboxResetStatus status = new SandboxResetStatus();
    RunStatuses.settled(status, false, "Succeeded", "deleted 5 rows", 1, T0);

    ResetStatuses.started(status, false, "app@db/sandbox", 1, T0);
    assertThat(condition(status, Condition.READY)).isEqualTo("False/Resetting");
    assertThat(condition(status, Condition.FAILED)).isEqualTo("False/Resetting");

    ResetStatuses.waitingForWindow(status, "MaintenanceWindow 'nightly' to open", 1, T0);
    assertThat(status.phase).isEqualTo(ResetPhase.WaitingForWindow);
    assertThat(condition(status, Condition.READY)).isEqualTo("False/WaitingForWindow");
    assertThat(condition(status, Condition.FAILED)).isEqualTo("False/WaitingForWindow");
  }

  @Test
  void aMigrationRetriedAfterACancelledOneIsNotFailed() {
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    MigrationStatuses.started(status, false, "app@db/app", 1, T0);
    assertThat(condition(status, Condition.READY)).isEqualTo("False/Migrating");
    RunStatuses.cancelled(status, "the annotation pitstop.dev/cancel=1", 1, T0);

    MigrationStatuses.retrying(
        status, "The lock was not granted.", "LOCK_TIMEOUT", Duration.ofSeconds(10), 1, T0);

    assertThat(status.phase).isEqualTo(MigrationPhase.Pending);
    assertThat(condition(status, Condition.READY)).isEqualTo("False/RetryScheduled");
    assertThat(condition(status, Condition.FAILED)).isEqualTo("False/RetryScheduled");
  }
}
