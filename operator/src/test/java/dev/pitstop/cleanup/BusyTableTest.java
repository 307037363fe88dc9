package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A table the application is using: locked rows, a locked table, timeouts. */
class BusyTableTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @BeforeEach
  void tables() {
    pg.execute(
        "CREATE TABLE refresh_tokens (token text PRIMARY KEY, expires_at timestamptz NOT NULL);"
            + " INSERT INTO refresh_tokens SELECT 'expired-' || i, now() - interval '1 hour'"
            + " FROM generate_series(1, 2000) i;"
            + " INSERT INTO refresh_tokens SELECT 'live-' || i, now() + interval '1 hour'"
            + " FROM generate_series(1, 100) i;"
            + "CREATE TABLE cache_entries (key text, invalid boolean NOT NULL);"
            + " INSERT INTO cache_entries SELECT 'k' || i, i % 2 = 0 FROM generate_series(1, 40) i");
  }

  private static DeletionRule tokens() {
    return DeletionRule.olderThan("expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void rowsLockedByTheApplicationAreSkippedNeverWaitedForAndCountedAsRemaining()
      throws SQLException {
    try (Connection app = pg.dataSource().getConnection()) {
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.executeQuery(
                "SELECT * FROM refresh_tokens"
                    + " WHERE token IN ('expired-1', 'expired-2', 'expired-3') FOR UPDATE")
            .close();
      }
      // No lock_timeout: waiting for a locked row would hang until the test's timeout.
      CleanupResult result =
          new CleanupEngine(pg.dataSource())
              .run(
                  CleanupRequest.builder()
                      .batchSize(500)
                      .pauseBetweenBatches(Duration.ZERO)
                      .lockTimeout(Duration.ZERO)
                      .rule(tokens())
                      .build(),
                  CleanupListener.NONE);
      app.rollback();

      RuleOutcome outcome = result.rule("expired-tokens").orElseThrow();
      assertThat(outcome.state()).isEqualTo(RuleState.DONE);
      assertThat(outcome.deleted()).isEqualTo(1997);
      assertThat(outcome.remaining()).isEqualTo(3);
      assertThat(outcome.message()).contains("3 matching row(s) were locked by other sessions");
      assertThat(result.outcome()).isEqualTo(CleanupOutcome.INCOMPLETE);
    }
    assertThat(pg.queryStrings("SELECT token FROM refresh_tokens WHERE token LIKE 'expired-%'"))
        .containsExactlyInAnyOrder("expired-1", "expired-2", "expired-3");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aBriefTableLockShrinksTheBatchRetriesAndTheRuleFinishes() throws SQLException {
    List<CleanupProgress> busy = new CopyOnWriteArrayList<>();
    List<BatchReport> batches = new CopyOnWriteArrayList<>();
    try (Connection app = pg.dataSource().getConnection()) {
      app.setAutoCommit(false);
      CleanupListener lockAfterTheFirstBatchReleaseAfterTwoTimeouts =
          new CleanupListener() {
            @Override
            public void onProgress(CleanupProgress progress) {
              try {
                if (progress.activity() == CleanupProgress.Activity.BUSY
                    && busy.add(progress)
                    && busy.size() == 2) {
                  app.commit(); // the application's transaction ends; the lock goes
                }
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            }

            @Override
            public void onBatch(BatchReport batch) {
              batches.add(batch);
              if (batches.size() == 1) {
                try (Statement s = app.createStatement()) {
                  s.execute("LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              }
            }
          };
      CleanupResult result =
          new CleanupEngine(pg.dataSource())
              .run(
                  CleanupRequest.builder()
                      .batchSize(1000)
                      .pauseBetweenBatches(Duration.ZERO)
                      .lockTimeout(Duration.ofMillis(100))
                      .busyBackoff(Duration.ofMillis(10))
                      .rule(tokens())
                      .build(),
                  lockAfterTheFirstBatchReleaseAfterTwoTimeouts);

      assertThat(busy).hasSize(2);
      assertThat(busy)
          .extracting(CleanupProgress::detail)
          .allSatisfy(d -> assertThat(d).contains("SQLSTATE 55P03"));
      assertThat(busy.get(0).detail()).endsWith("retrying with batches of 500");
      assertThat(busy.get(1).detail()).endsWith("retrying with batches of 250");
      assertThat(batches).extracting(BatchReport::batchSize).startsWith(1000, 250, 500, 1000);
      RuleOutcome outcome = result.rule("expired-tokens").orElseThrow();
      assertThat(outcome.state()).isEqualTo(RuleState.DONE);
      assertThat(outcome.matched()).isEqualTo(2000);
      assertThat(outcome.deleted()).isEqualTo(2000);
      assertThat(outcome.remaining()).isZero();
      assertThat(result.outcome()).isEqualTo(CleanupOutcome.SUCCEEDED);
    }
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(100);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aRuleWhoseTableIsLockedWhileCheckingIsCheckedAgainBeforeItDeletes() throws SQLException {
    List<CleanupProgress> busy = new CopyOnWriteArrayList<>();
    try (Connection app = pg.dataSource().getConnection()) {
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.execute("LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE");
      }
      CleanupResult result =
          new CleanupEngine(pg.dataSource())
              .run(
                  CleanupRequest.builder()
                      .pauseBetweenBatches(Duration.ZERO)
                      .lockTimeout(Duration.ofMillis(100))
                      .busyBackoff(Duration.ofMillis(10))
                      .rule(tokens())
                      .build(),
                  new CleanupListener() {
                    @Override
                    public void onProgress(CleanupProgress progress) {
                      if (progress.activity() == CleanupProgress.Activity.BUSY
                          && busy.add(progress)) {
                        try {
                          app.commit();
                        } catch (SQLException e) {
                          throw new IllegalStateException(e);
                        }
                      }
                    }
                  });
      assertThat(busy).hasSize(1);
      assertThat(busy.get(0).detail()).contains("checking the rule again");
      assertThat(result.rule("expired-tokens").orElseThrow().deleted()).isEqualTo(2000);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aTableLockedThroughoutLeavesThatRuleBusyWhileTheOtherRulesRun() throws SQLException {
    AtomicInteger timeouts = new AtomicInteger();
    try (Connection app = pg.dataSource().getConnection()) {
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.execute("LOCK TABLE refresh_tokens IN ACCESS EXCLUSIVE MODE");
      }
      CleanupResult result =
          new CleanupEngine(pg.dataSource())
              .run(
                  CleanupRequest.builder()
                      .pauseBetweenBatches(Duration.ZERO)
                      .lockTimeout(Duration.ofMillis(50))
                      .busyRetries(2)
                      .busyBackoff(Duration.ofMillis(10))
                      .rule(tokens())
                      .rule(DeletionRule.where("stale-cache", "cache_entries", "invalid"))
                      .build(),
                  new CleanupListener() {
                    @Override
                    public void onProgress(CleanupProgress progress) {
                      if (progress.activity() == CleanupProgress.Activity.BUSY) {
                        timeouts.incrementAndGet();
                      }
                    }
                  });
      app.rollback();

      RuleOutcome locked = result.rule("expired-tokens").orElseThrow();
      assertThat(locked.state()).isEqualTo(RuleState.BUSY);
      assertThat(locked.deleted()).isZero();
      assertThat(locked.message()).contains("stayed locked").contains("left for the next run");
      assertThat(timeouts).hasValue(2);
      RuleOutcome cache = result.rule("stale-cache").orElseThrow();
      assertThat(cache.state()).isEqualTo(RuleState.DONE);
      assertThat(cache.deleted()).isEqualTo(20);
      assertThat(result.outcome()).isEqualTo(CleanupOutcome.INCOMPLETE);
    }
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(2100);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(20);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aBatchThatFailsForGoodFailsOnlyItsRule() {
    pg.execute(
        "CREATE TABLE courses (id int PRIMARY KEY, archived boolean);"
            + " CREATE TABLE enrollments (id int PRIMARY KEY, course_id int REFERENCES courses);"
            + " INSERT INTO courses VALUES (1, true), (2, true), (3, false);"
            + " INSERT INTO enrollments VALUES (10, 2)");
    CleanupResult result =
        new CleanupEngine(pg.dataSource())
            .run(
                CleanupRequest.builder()
                    .pauseBetweenBatches(Duration.ZERO)
                    .rule(DeletionRule.where("archived-courses", "courses", "archived"))
                    .rule(DeletionRule.where("stale-cache", "cache_entries", "invalid"))
                    .build(),
                CleanupListener.NONE);

    RuleOutcome courses = result.rule("archived-courses").orElseThrow();
    assertThat(courses.state()).isEqualTo(RuleState.FAILED);
    assertThat(courses.message()).startsWith("a batch failed:").contains("SQLSTATE 23503");
    assertThat(result.rule("stale-cache").orElseThrow().deleted()).isEqualTo(20);
    assertThat(result.outcome()).isEqualTo(CleanupOutcome.FAILED);
    assertThat(pg.rowCount("courses")).as("the failed batch rolled back").isEqualTo(3);
  }
}
