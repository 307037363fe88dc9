package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two runners of the same rule (e.g. two operator replicas) never run batches at once. */
class ConcurrentCleanupTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void twoEnginesOnTheSameRuleTakeTurnsAndDeleteEachRowOnce() throws Exception {
    pg.execute(
        "CREATE TABLE api_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);"
            + " INSERT INTO api_logs (created_at) SELECT now() - interval '2 days'"
            + " FROM generate_series(1, 3000)");
    CleanupRequest request =
        CleanupRequest.builder()
            .lockScope("default/nightly")
            .batchSize(100)
            .pauseBetweenBatches(Duration.ofMillis(15))
            .rule(DeletionRule.olderThan("old-logs", "api_logs", "created_at", Duration.ofDays(1)))
            .build();
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<CleanupResult> a =
          pool.submit(() -> new CleanupEngine(pg.dataSource()).run(request, first));
      assertThat(first.firstBatch.await(30, TimeUnit.SECONDS)).isTrue();
      Future<CleanupResult> b =
          pool.submit(() -> new CleanupEngine(pg.dataSource()).run(request, second));
      CleanupResult ra = a.get(60, TimeUnit.SECONDS);
      CleanupResult rb = b.get(60, TimeUnit.SECONDS);

      assertThat(ra.rowsDeleted() + rb.rowsDeleted()).isEqualTo(3000);
      assertThat(pg.rowCount("api_logs")).isZero();
      assertThat(second.lockWaits).isNotEmpty();
      assertThat(second.lockWaits.get(0).detail()).contains("another runner (pid ");
      for (Interval x : first.batches) {
        for (Interval y : second.batches) {
          assertThat(x.overlaps(y)).as("batches %s and %s overlap", x, y).isFalse();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void differentRulesOrScopesDoNotWaitForEachOther() throws Exception {
    pg.execute(
        "CREATE TABLE api_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);"
            + " INSERT INTO api_logs (created_at) SELECT now() - interval '2 days'"
            + " FROM generate_series(1, 1000)");
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<CleanupResult> a =
          pool.submit(
              () ->
                  new CleanupEngine(pg.dataSource())
                      .run(request("shop/nightly", Duration.ofMillis(20)), first));
      assertThat(first.firstBatch.await(30, TimeUnit.SECONDS)).isTrue();
      new CleanupEngine(pg.dataSource())
          .run(request("school/nightly", Duration.ZERO), second)
          .rowsDeleted();
      a.get(60, TimeUnit.SECONDS);
      assertThat(second.lockWaits).isEmpty();
      assertThat(pg.rowCount("api_logs")).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRunIsSeenGoingFromAnotherSessionUntilItEnds() throws Exception {
    pg.execute(
        "CREATE TABLE api_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL);"
            + " INSERT INTO api_logs (created_at) SELECT now() - interval '2 days'"
            + " FROM generate_series(1, 200)");
    CleanupEngine elsewhere = new CleanupEngine(pg.dataSource());
    assertThat(elsewhere.runGoing("shop/nightly")).isFalse();
    Recorder recorder = new Recorder();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    // the runner's session outlives the run, as an operator's pooled session does
    HikariConfig config = new HikariConfig();
    config.setDataSource(pg.dataSource());
    config.setMaximumPoolSize(1);
    try (HikariDataSource sessions = new HikariDataSource(config)) {
      Future<CleanupResult> run =
          pool.submit(
              () ->
                  new CleanupEngine(sessions)
                      .run(request("shop/nightly", Duration.ofMillis(100)), recorder));
      assertThat(recorder.firstBatch.await(30, TimeUnit.SECONDS)).isTrue();

      assertThat(elsewhere.runGoing("shop/nightly")).isTrue();
      assertThat(elsewhere.runGoing("school/nightly")).isFalse();

      assertThat(run.get(60, TimeUnit.SECONDS).rowsDeleted()).isEqualTo(200);
      // the pooled session that ran it is open and idle: the mark went with the run
      assertThat(elsewhere.runGoing("shop/nightly")).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  private static CleanupRequest request(String scope, Duration pause) {
    return CleanupRequest.builder()
        .lockScope(scope)
        .batchSize(20)
        .pauseBetweenBatches(pause)
        .rule(DeletionRule.olderThan("old-logs", "api_logs", "created_at", Duration.ofDays(1)))
        .build();
  }

  private record Interval(Instant start, Instant end) {
    boolean overlaps(Interval other) {
      return start.isBefore(other.end) && other.start.isBefore(end);
    }
  }

  private static final class Recorder implements CleanupListener {
    final List<Interval> batches = new CopyOnWriteArrayList<>();
    final List<CleanupProgress> lockWaits = new CopyOnWriteArrayList<>();
    final CountDownLatch firstBatch = new CountDownLatch(1);

    @Override
    public void onBatch(BatchReport batch) {
      batches.add(new Interval(batch.started(), batch.started().plus(batch.took())));
      firstBatch.countDown();
    }

    @Override
    public void onProgress(CleanupProgress progress) {
      if (progress.activity() == CleanupProgress.Activity.WAITING_FOR_LOCK) {
        lockWaits.add(progress);
      }
    }
  }
}
