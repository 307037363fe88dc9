package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TargetSizesTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @Test
  void describesActivityWhenTheStatisticsRecordedAny() {
    assertThat(
            new TargetSizes.Table("public.orders", 12_400_000, 3_328_599_654L, 1, 1, 0, 0)
                .describe())
        .isEqualTo("12.4M rows, 3.1 GB");
    assertThat(
            new TargetSizes.Table("public.orders", 5000, 8192, 1, 1, 52_000, 1_300_000).describe())
        .isEqualTo("5k rows, 8 kB, 52k writes and 1.3M scans since statistics were reset");
    assertThat(new TargetSizes.Table("public.orders", 1, 8192, 1, 1, 1, 1).describe())
        .isEqualTo("1 row, 8 kB, 1 write and 1 scan since statistics were reset");
  }

  @Test
  void formatsRowsAndBytesForHumans() {
    assertThat(TargetSizes.format(12_400_000, 3_328_599_654L)).isEqualTo("12.4M rows, 3.1 GB");
    assertThat(TargetSizes.format(1, 8192)).isEqualTo("1 row, 8 kB");
    assertThat(TargetSizes.format(0, 0)).isEqualTo("0 rows, 0 bytes");
    assertThat(TargetSizes.format(999, 1023)).isEqualTo("999 rows, 1023 bytes");
    assertThat(TargetSizes.format(20_000, 1_572_864)).isEqualTo("20k rows, 1.5 MB");
    assertThat(TargetSizes.format(999_999, 1_048_575)).isEqualTo("1M rows, 1 MB");
    assertThat(TargetSizes.format(2_500_000_000L, 5L << 40)).isEqualTo("2.5B rows, 5 TB");
  }

  @Test
  void readsRowsBytesAndEmptinessFromCatalogs() throws Exception {
    pg.execute(
        "CREATE TABLE big (id int PRIMARY KEY, payload text);"
            + " INSERT INTO big SELECT i, repeat('x', 100) FROM generate_series(1, 5000) i;"
            + " CREATE TABLE empty (id int PRIMARY KEY);"
            + " CREATE TABLE never_analyzed (id int);"
            + " ANALYZE big; ANALYZE empty;");
    TargetSizes sizes;
    try (Connection c = pg.dataSource().getConnection()) {
      sizes = TargetSizes.read(c);
    }
    TargetSizes.Table big = sizes.table("public.big");
    assertThat(big.rows()).isEqualTo(5000);
    long pages =
        pg.queryLong(
            "SELECT sum(relpages) FROM pg_class WHERE oid IN ('big'::regclass, 'big_pkey'::regclass)");
    assertThat(big.bytes()).isGreaterThanOrEqualTo(pages * 8192).isGreaterThan(0);
    assertThat(big.nonEmpty()).isTrue();
    assertThat(sizes.nonEmpty("public.empty")).isFalse();
    assertThat(sizes.table("public.never_analyzed").rows()).isZero();
    assertThat(sizes.table("public.missing")).isNull();
    assertThat(sizes.tables().keySet()).noneMatch(n -> n.startsWith("pg_catalog."));
  }

  @Test
  void activityIsWhatPgStatUserTablesShowsAndBytesCountTheToastTableAndAllIndexes()
      throws Exception {
    pg.execute(
        "CREATE TABLE busy (id int PRIMARY KEY, note text);"
            + " CREATE INDEX busy_note_idx ON busy (note);"
            + " INSERT INTO busy SELECT i, repeat(md5(i::text), 200) FROM generate_series(1, 300) i;"
            + " UPDATE busy SET note = 'short' WHERE id <= 10; DELETE FROM busy WHERE id > 290;"
            + " ANALYZE busy;");
    pg.queryLong("SELECT count(*) FROM busy"); // a sequential scan
    pg.queryLong("SELECT count(*) FROM busy WHERE id = 5"); // an index scan, once planned so
    String view =
        "SELECT n_live_tup || ' ' || (n_tup_ins + n_tup_upd + n_tup_del) || ' '"
            + " || (seq_scan + COALESCE(idx_scan, 0)) FROM pg_stat_user_tables WHERE relname = 'busy'";
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> pg.queryStrings(view).get(0).startsWith("290 320 ") && scans() >= 2);
    TargetSizes sizes;
    try (Connection c = pg.dataSource().getConnection()) {
      sizes = TargetSizes.read(c);
    }
    TargetSizes.Table busy = sizes.table("public.busy");
    assertThat(busy.liveTuples() + " " + busy.writes() + " " + busy.scans())
        .isEqualTo(pg.queryStrings(view).get(0));
    long pages =
        pg.queryLong(
            "SELECT sum(relpages) FROM pg_class WHERE oid = 'busy'::regclass"
                + " OR oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'busy'::regclass)"
                + " OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('busy'::regclass,"
                + " (SELECT reltoastrelid FROM pg_class WHERE oid = 'busy'::regclass)))");
    assertThat(pg.queryLong("SELECT count(*) FROM pg_index WHERE indrelid = 'busy'::regclass"))
        .isEqualTo(2);
    assertThat(busy.bytes()).isEqualTo(pages * 8192);
  }

  @Test
  void aPartitionedTableIsAsBigAsItsPartitionsAtEveryLevel() throws Exception {
    pg.execute(
        "CREATE TABLE events (id int, at date, payload text) PARTITION BY RANGE (at);"
            + " CREATE INDEX events_at ON events (at);"
            + " CREATE TABLE events_2025 PARTITION OF events"
            + "  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY HASH (id);"
            + " CREATE TABLE events_2025_a PARTITION OF events_2025"
            + "  FOR VALUES WITH (MODULUS 2, REMAINDER 0);"
            + " CREATE TABLE events_2025_b PARTITION OF events_2025"
            + "  FOR VALUES WITH (MODULUS 2, REMAINDER 1);"
            + " CREATE TABLE events_2026 PARTITION OF events"
            + "  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
            + " INSERT INTO events SELECT i, date '2025-01-01' + i % 700, md5(i::text)"
            + "  FROM generate_series(1, 3000) i;"
            + " ANALYZE events_2025_a, events_2025_b, events_2026;");
    TargetSizes sizes;
    try (Connection c = pg.dataSource().getConnection()) {
      sizes = TargetSizes.read(c);
    }
    TargetSizes.Table a = sizes.table("public.events_2025_a");
    TargetSizes.Table b = sizes.table("public.events_2025_b");
    TargetSizes.Table y2026 = sizes.table("public.events_2026");
    TargetSizes.Table y2025 = sizes.table("public.events_2025");
    TargetSizes.Table events = sizes.table("public.events");
    assertThat(a.bytes()).isPositive();
    assertThat(y2025.bytes()).isEqualTo(a.bytes() + b.bytes());
    assertThat(y2025.rows()).isEqualTo(a.rows() + b.rows());
    assertThat(events.bytes()).isEqualTo(y2025.bytes() + y2026.bytes());
    assertThat(events.rows())
        .isEqualTo(pg.queryLong("SELECT count(*) FROM events"))
        .isEqualTo(a.rows() + b.rows() + y2026.rows());
    assertThat(events.describe()).startsWith("3k rows, ").doesNotContain("-");
    assertThat(events.nonEmpty()).isTrue();
  }

  /** The scans pg_stat_user_tables counts for the table "busy", once the statistics have them. */
  private static long scans() {
    return pg.queryLong(
        "SELECT seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'busy'");
  }

  @Test
  void takesNoLockOnTheTargetsTables() throws Exception {
    pg.execute(
        "CREATE TABLE held (id int PRIMARY KEY); INSERT INTO held SELECT generate_series(1, 10);"
            + " ANALYZE held;");
    try (Connection holder = pg.dataSource().getConnection();
        Connection reader = pg.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
      }
      try (Statement s = reader.createStatement()) {
        s.execute("SET statement_timeout = '2s'");
        s.execute("SET lock_timeout = '1s'");
      }
      TargetSizes sizes = TargetSizes.read(reader);
      assertThat(sizes.table("public.held").rows()).isEqualTo(10);
      holder.rollback();
    }
  }
}
