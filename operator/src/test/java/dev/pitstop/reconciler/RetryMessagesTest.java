package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A run that is retried later says why and when in one sentence, also when the reason is an engine
 * or driver message that ends in a period.
 */
class RetryMessagesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void aSandboxResetRetryContinuesTheEnginesSentence() {
    SandboxResetStatus status = new SandboxResetStatus();
    ResetStatuses.retrying(
        status,
        "The database failed: Connection refused (SQLSTATE 08001); this may pass, retry later."
            + " Nothing was changed.",
        true,
        Duration.ofSeconds(10),
        1,
        NOW);
    assertThat(status.phase).isEqualTo(ResetPhase.Pending);
    assertThat(status.message)
        .isEqualTo(
            "The database failed: Connection refused (SQLSTATE 08001); this may pass, retry"
                + " later. Nothing was changed; retrying in 10s");
  }

  @Test
  void aDatabaseMigrationRetryContinuesTheDriversSentence() {
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    MigrationStatuses.retrying(
        status,
        "Cannot reach 127.0.0.1:1: Connection to 127.0.0.1:1 refused (SQLSTATE 08001).",
        "DATABASE_ERROR",
        Duration.ofSeconds(5),
        1,
        NOW);
    assertThat(status.phase).isEqualTo(MigrationPhase.Pending);
    assertThat(status.message)
        .isEqualTo(
            "Cannot reach 127.0.0.1:1: Connection to 127.0.0.1:1 refused (SQLSTATE 08001);"
                + " retrying in 5s");
  }

  @Test
  void aReasonWithoutAPeriodIsKeptAsItIs() {
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    MigrationStatuses.retrying(
        status, "lock timeout on public.t", "LOCK_TIMEOUT", Duration.ofSeconds(2), 1, NOW);
    assertThat(status.message).isEqualTo("lock timeout on public.t; retrying in 2s");
  }

  @Test
  void aJitteredDelayIsShownInWholeSeconds() {
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    MigrationStatuses.retrying(
        status, "lock timeout on public.t", "LOCK_TIMEOUT", Duration.ofMillis(4098), 1, NOW);
    assertThat(status.message).isEqualTo("lock timeout on public.t; retrying in 4s");
  }
}
