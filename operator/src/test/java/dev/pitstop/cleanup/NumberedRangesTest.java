package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Range batches sized from the key density (integer and timestamp keys): whatever the keys look
 * like, every matching row goes, nothing else does, and no batch holds more than batchSize rows.
 */
class NumberedRangesTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final List<BatchReport> batches = new CopyOnWriteArrayList<>();

  /** Runs the rule; every batch it committed held at most {@code batchSize} rows. */
  private CleanupResult run(int batchSize, DeletionRule rule) {
    CleanupResult result =
        new CleanupEngine(pg.dataSource())
            .run(
                CleanupRequest.builder()
                    .pauseBetweenBatches(Duration.ZERO)
                    .batchSize(batchSize)
                    .rule(rule)
                    .build(),
                new CleanupListener() {
                  @Override
                  public void onBatch(BatchReport batch) {
                    batches.add(batch);
                  }
                });
    assertThat(batches).allSatisfy(b -> assertThat(b.deleted()).isBetween(0, batchSize));
    return result;
  }

  @Test
  void timestampsOfVeryUnevenDensityAreDeletedExactlyInBatchesOfAtMostBatchSize() {
    pg.execute(
        "CREATE TABLE events (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL,"
            + " kind text NOT NULL);"
            + " CREATE INDEX events_created_at_idx ON events (created_at);"
            // one a second, then 4,000 one microsecond apart, then one a minute, then recent ones
            + " INSERT INTO events (created_at, kind) SELECT '2021-03-01T00:00:00Z'::timestamptz"
            + " + i * interval '1 second', 'steady' FROM generate_series(1, 3000) i;"
            + " INSERT INTO events (created_at, kind) SELECT '2021-03-01T01:00:00.000001Z'"
            + "::timestamptz + i * interval '1 microsecond', 'burst' FROM generate_series(1, 4000) i;"
            + " INSERT INTO events (created_at, kind) SELECT '2021-03-02T00:00:00Z'::timestamptz"
            + " + i * interval '1 minute', 'sparse' FROM generate_series(1, 2000) i;"
            + " INSERT INTO events (created_at, kind) SELECT now() + i * interval '1 second',"
            + " 'recent' FROM generate_series(1, 500) i;"
            + " ANALYZE events");

    CleanupResult result =
        run(500, DeletionRule.olderThan("old-events", "events", "created_at", Duration.ofDays(1)));

    RuleOutcome outcome = result.rule("old-events").orElseThrow();
    assertThat(outcome.state()).isEqualTo(RuleState.DONE);
    assertThat(outcome.deleted()).isEqualTo(9000);
    assertThat(outcome.remaining()).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM events WHERE kind <> 'recent'")).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM events WHERE kind = 'recent'")).isEqualTo(500);
    assertThat(batches).extracting(BatchReport::deleted).contains(500);
    // 18 full batches would do; ranges adapt to the density within a few batches of a change.
    assertThat(outcome.batches()).isBetween(18, 60);
  }

  @Test
  void integerKeysWithHugeGapsAreWalkedWithAWhereRule() {
    pg.execute(
        "CREATE TABLE jobs (id bigint PRIMARY KEY, status text NOT NULL);"
            + " INSERT INTO jobs SELECT i, CASE WHEN i % 3 = 0 THEN 'running' ELSE 'done' END"
            + " FROM generate_series(1, 1500) i;"
            + " INSERT INTO jobs SELECT 1000000000000 + i * 7, 'done'"
            + " FROM generate_series(1, 3000) i;"
            + " INSERT INTO jobs VALUES (9223372036854775806, 'done'),"
            + " (9223372036854775807, 'running');"
            + " ANALYZE jobs");

    CleanupResult result = run(400, DeletionRule.where("done-jobs", "jobs", "status = 'done'"));

    RuleOutcome outcome = result.rule("done-jobs").orElseThrow();
    assertThat(outcome.state()).isEqualTo(RuleState.DONE);
    assertThat(outcome.deleted()).isEqualTo(1000 + 3000 + 1);
    assertThat(pg.queryLong("SELECT count(*) FROM jobs WHERE status = 'done'")).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM jobs WHERE status = 'running'")).isEqualTo(501);
  }

  @Test
  void smallIntegerKeysAreWalkedAsNumbersToo() {
    pg.execute(
        "CREATE TABLE codes (id smallint PRIMARY KEY, retired boolean NOT NULL);"
            + " INSERT INTO codes SELECT i, i % 5 <> 0 FROM generate_series(-32768, 32767, 3) i;");
    long retired = pg.queryLong("SELECT count(*) FROM codes WHERE retired");

    CleanupResult result = run(1000, DeletionRule.where("retired", "codes", "retired"));

    assertThat(result.rule("retired").orElseThrow().deleted()).isEqualTo(retired);
    assertThat(pg.queryLong("SELECT count(*) FROM codes WHERE retired")).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM codes WHERE NOT retired")).isPositive();
  }

  @Test
  void timestampsWithoutTimeZoneKeepMicrosecondBoundaries() {
    pg.execute(
        "CREATE TABLE readings (id bigserial PRIMARY KEY, taken_at timestamp NOT NULL);"
            + " CREATE INDEX readings_taken_at_idx ON readings (taken_at);"
            + " INSERT INTO readings (taken_at) SELECT '1960-06-01 12:00:00'::timestamp"
            + " + i * interval '1 microsecond' FROM generate_series(1, 2500) i;"
            + " INSERT INTO readings (taken_at) SELECT '2019-06-01 12:00:00'::timestamp"
            + " + i * interval '3 microseconds' FROM generate_series(1, 2500) i;"
            + " INSERT INTO readings (taken_at) SELECT localtimestamp + interval '1 day'"
            + " FROM generate_series(1, 10)");

    CleanupResult result =
        run(300, DeletionRule.olderThan("old", "readings", "taken_at", Duration.ofDays(30)));

    assertThat(result.rule("old").orElseThrow().deleted()).isEqualTo(5000);
    assertThat(pg.rowCount("readings")).isEqualTo(10);
  }

  @Test
  void anInfiniteTimestampFallsBackToSearchedRanges() {
    pg.execute(
        "CREATE TABLE sessions (id bigserial PRIMARY KEY, seen_at timestamptz NOT NULL);"
            + " CREATE INDEX sessions_seen_at_idx ON sessions (seen_at);"
            + " INSERT INTO sessions (seen_at) VALUES ('-infinity');"
            + " INSERT INTO sessions (seen_at) SELECT now() - interval '10 days'"
            + " + i * interval '1 second' FROM generate_series(1, 700) i;"
            + " INSERT INTO sessions (seen_at) VALUES ('infinity');");

    CleanupResult result =
        run(200, DeletionRule.olderThan("stale", "sessions", "seen_at", Duration.ofDays(1)));

    assertThat(result.rule("stale").orElseThrow().deleted()).isEqualTo(701);
    assertThat(pg.queryLong("SELECT count(*) FROM sessions WHERE seen_at = 'infinity'"))
        .isEqualTo(1);
    assertThat(pg.rowCount("sessions")).isEqualTo(1);
  }
}
