package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.reconciler.cleanupschedule.model.CleanupRuns;
import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A run whose session is terminated midway reports exactly the rows that are gone. */
class LostConnectionTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void committedBatchesAreCountedWhenTheSessionIsTerminatedMidRun() {
    pg.execute(
        "CREATE TABLE events (id bigserial PRIMARY KEY, kind text NOT NULL);"
            + " INSERT INTO events (kind) SELECT 'debug' FROM generate_series(1, 3000);"
            + "CREATE TABLE event_tags (event_id bigint REFERENCES events ON DELETE CASCADE);"
            + " INSERT INTO event_tags SELECT id FROM events, generate_series(1, 2);"
            + "CREATE TABLE audit (id bigserial PRIMARY KEY, kind text NOT NULL);"
            + " INSERT INTO audit (kind) SELECT 'debug' FROM generate_series(1, 300);");
    AtomicInteger batches = new AtomicInteger();
    CleanupRequest request =
        CleanupRequest.builder()
            .pauseBetweenBatches(Duration.ZERO)
            .batchSize(100)
            .rule(DeletionRule.where("small", "audit", "kind = 'debug'"))
            .rule(DeletionRule.where("debug-events", "events", "kind = 'debug'"))
            .build();

    CleanupException lost =
        catchThrowableOfType(
            () ->
                new CleanupEngine(pg.dataSource())
                    .run(
                        request,
                        new CleanupListener() {
                          @Override
                          public void onBatch(BatchReport batch) {
                            // The work session is terminated from another session after the
                            // 7th batch of the second rule: 4 of audit, then 3 of events.
                            if (batches.incrementAndGet() == 7) {
                              pg.queryLong(
                                  "SELECT count(pg_terminate_backend(pid, 10000))"
                                      + " FROM pg_stat_activity WHERE datname = current_database()"
                                      + " AND pid <> pg_backend_pid()");
                            }
                          }
                        }),
            CleanupException.class);

    long gone = 3000 - pg.rowCount("events");
    assertThat(gone).isPositive();
    assertThat(pg.rowCount("audit")).isZero();
    assertThat(lost.code()).isEqualTo(CleanupErrorCode.DATABASE_ERROR);
    CleanupResult partial = lost.partialResult();
    assertThat(partial.rule("small").orElseThrow().deleted()).isEqualTo(300);
    RuleOutcome events = partial.rule("debug-events").orElseThrow();
    assertThat(events.state()).isEqualTo(RuleState.FAILED);
    assertThat(events.deleted()).isEqualTo(gone);
    assertThat(events.message()).contains("connection was lost").contains("stay deleted");
    assertThat(partial.rowsDeleted()).isEqualTo(300 + gone);
    // Its batches were transactions of their own that counted what the foreign key deleted.
    assertThat(events.cascades())
        .containsExactly(new CascadeCount("public.event_tags", 2 * gone, 0));
    assertThat(pg.rowCount("event_tags")).isEqualTo(6000 - 2 * gone);

    var run =
        CleanupRuns.failed(
            lost.getMessage(), partial, Instant.now(), Instant.now(), "Manual", null, false);
    assertThat(run.rowsDeleted).isEqualTo(300 + gone);
    assertThat(run.message).doesNotContain("nothing was deleted");
    assertThat(run.rules)
        .anySatisfy(
            r -> {
              assertThat(r.name).isEqualTo("debug-events");
              assertThat(r.deleted).isEqualTo(gone);
              assertThat(r.state).isEqualTo("Failed");
            });
  }

  @Test
  void aSessionTerminatedDuringABatchCountsExactlyTheCommittedOnes() throws Exception {
    // Each DELETE sleeps in a statement trigger, so the session is mostly inside a batch.
    pg.execute(
        "CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END $$;"
            + "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);"
            + " INSERT INTO events SELECT g, 'debug' FROM generate_series(1, 2000) g;"
            + "CREATE TRIGGER slow BEFORE DELETE ON events EXECUTE FUNCTION slow_delete();");
    AtomicInteger batches = new AtomicInteger();
    java.util.concurrent.CompletableFuture<Throwable> run =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                new CleanupEngine(pg.dataSource())
                    .run(
                        CleanupRequest.builder()
                            .pauseBetweenBatches(Duration.ZERO)
                            .batchSize(50)
                            .rule(DeletionRule.where("debug-events", "events", "kind = 'debug'"))
                            .build(),
                        new CleanupListener() {
                          @Override
                          public void onBatch(BatchReport batch) {
                            batches.incrementAndGet();
                          }
                        });
                return null;
              } catch (Throwable t) {
                return t;
              }
            });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> batches.get() >= 3);
    // Terminated from another session while a DELETE runs.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
                            + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                            + " AND state = 'active' AND starts_with(query, 'DELETE')")
                    == 1);

    Throwable failure = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(CleanupException.class);
    CleanupResult partial = ((CleanupException) failure).partialResult();
    long gone = 2000 - pg.rowCount("events");
    assertThat(gone).isPositive().isLessThan(2000);
    assertThat(partial.rule("debug-events").orElseThrow().deleted()).isEqualTo(gone);
    assertThat(partial.rowsDeleted()).isEqualTo(gone);
  }
}
