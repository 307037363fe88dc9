package dev.pitstop.bench;

import dev.pitstop.cleanup.BatchReport;
import dev.pitstop.cleanup.CleanupEngine;
import dev.pitstop.cleanup.CleanupListener;
import dev.pitstop.cleanup.CleanupRequest;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.cleanup.DeletionRule;
import dev.pitstop.cleanup.RuleOutcome;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Deletes the expired half of a 2,000,000-row events table (indexed timestamp, a foreign key to
 * accounts) while an application writes to it: Pitstop's cleanup at several batch sizes against a
 * single {@code DELETE ... WHERE} (the floor), each on a fresh copy of the same database, all in
 * one run. A writer (4 threads, each inserting and updating recent rows at a fixed pace) runs alone
 * first (the baseline) and then during every deletion; its latencies are compared with the
 * baseline.
 */
public final class CleanupBenchmark {
  private static final int WRITERS = 4;
  private static final Duration WRITER_PACE = Duration.ofMillis(4);
  private static final Duration BASELINE = Duration.ofSeconds(15);

  /**
   * The control run: one core kept busy inside PostgreSQL as long as the floor took, deleting
   * nothing, so the writer's latency shows what occupying a core alone costs it on this machine.
   */
  private static final String BUSY_CORE = "busy core";

  private final EmbeddedPostgresServer server;
  private final long rows;
  private final Duration pause;
  private int databases;

  private CleanupBenchmark(EmbeddedPostgresServer server, long rows, Duration pause) {
    this.server = server;
    this.rows = rows;
    this.pause = pause;
  }

  /**
   * Arguments: total rows (half expired), batch sizes (comma-separated), pause in ms, results
   * directory, repetitions.
   */
  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    int[] batchSizes =
        Arrays.stream((args.length > 1 ? args[1] : "1000,5000,20000").split(","))
            .mapToInt(s -> Integer.parseInt(s.trim()))
            .toArray();
    Duration pause = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 0);
    Path results = Path.of(args.length > 3 ? args[3] : "bench/results");
    int repetitions = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      CleanupBenchmark bench = new CleanupBenchmark(server, rows, pause);
      long setupStart = System.nanoTime();
      bench.createTemplate();
      System.out.printf(
          Locale.ROOT,
          "template with %,d rows ready in %.1f s%n",
          rows,
          (System.nanoTime() - setupStart) / 1e9);

      bench.warmUp();
      Latencies baseline = bench.baseline();
      // Interleaved repetitions, each on a fresh copy: a noisy moment hits one run, not one kind.
      Map<String, List<Outcome>> runs = new LinkedHashMap<>();
      for (int i = 0; i < repetitions; i++) {
        Outcome floor = bench.floor();
        runs.computeIfAbsent("floor", k -> new ArrayList<>()).add(floor);
        runs.computeIfAbsent(BUSY_CORE, k -> new ArrayList<>()).add(bench.busyCore(floor.took()));
        for (int batchSize : batchSizes) {
          runs.computeIfAbsent("pitstop-" + batchSize, k -> new ArrayList<>())
              .add(bench.pitstop(batchSize));
        }
      }
      Map<String, Outcome> outcomes = new LinkedHashMap<>();
      runs.forEach((name, list) -> outcomes.put(name, Outcome.median(list)));
      String report = bench.report(baseline, outcomes, repetitions);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("cleanup-" + Instant.now().toEpochMilli() + ".txt"), report);
    }
  }

  /** One deletion: what it deleted, how fast, and what the writer saw meanwhile. */
  private record Outcome(long deleted, Duration took, Duration longestBatch, Latencies writer) {
    double rowsPerSecond() {
      return deleted / (took.toNanos() / 1e9);
    }

    /**
     * The repetitions as one: the median time, the longest batch of all, and the writer's latencies
     * of all runs pooled (more samples make a steadier p99).
     */
    static Outcome median(List<Outcome> runs) {
      List<Outcome> byTime = new ArrayList<>(runs);
      byTime.sort(java.util.Comparator.comparing(Outcome::took));
      Outcome middle = byTime.get(byTime.size() / 2);
      Duration longest =
          runs.stream().map(Outcome::longestBatch).max(Duration::compareTo).orElseThrow();
      return new Outcome(
          middle.deleted(),
          middle.took(),
          longest,
          Latencies.pooled(runs.stream().map(Outcome::writer).toList()));
    }
  }

  private void createTemplate() throws SQLException {
    admin("CREATE DATABASE cleanup_template");
    try (Connection c = dataSource("cleanup_template").getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL)");
      s.execute("INSERT INTO accounts SELECT i, 'account ' || i FROM generate_series(1, 10000) i");
      s.execute(
          "CREATE TABLE events (id bigserial PRIMARY KEY, account_id bigint NOT NULL,"
              + " created_at timestamptz NOT NULL, kind text NOT NULL, payload text)");
      long expired = rows / 2;
      // Expired rows first (the oldest ids), then recent ones, as an append-only log grows.
      s.execute(
          "INSERT INTO events (account_id, created_at, kind, payload)"
              + " SELECT 1 + i % 10000, now() - interval '400 days' + i * interval '1 second',"
              + " 'page_view', md5(i::text) FROM generate_series(1, "
              + expired
              + ") i");
      s.execute(
          "INSERT INTO events (account_id, created_at, kind, payload)"
              + " SELECT 1 + i % 10000, now() - interval '30 days' + i * interval '1 second',"
              + " 'page_view', md5(i::text) FROM generate_series(1, "
              + (rows - expired)
              + ") i");
      s.execute("CREATE INDEX events_created_at_idx ON events (created_at)");
      s.execute("CREATE INDEX events_account_idx ON events (account_id)");
      s.execute(
          "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (account_id)"
              + " REFERENCES accounts (id)");
      s.execute("VACUUM ANALYZE events");
      s.execute("VACUUM ANALYZE accounts");
    }
  }

  /** One untimed cleanup of a small table, so class loading and JIT do not land in a timed run. */
  private void warmUp() throws SQLException {
    String db = freshCopy();
    try {
      for (int i = 0; i < 3; i++) {
        try (Connection c = dataSource(db).getConnection();
            Statement s = c.createStatement()) {
          s.execute(
              "CREATE TABLE IF NOT EXISTS warmup (id bigserial PRIMARY KEY,"
                  + " created_at timestamptz NOT NULL);"
                  + " CREATE INDEX IF NOT EXISTS warmup_created_at_idx ON warmup (created_at);"
                  + " INSERT INTO warmup (created_at) SELECT now() - interval '100 days'"
                  + " FROM generate_series(1, 50000)");
        }
        new CleanupEngine(dataSource(db))
            .run(
                CleanupRequest.builder()
                    .batchSize(1000)
                    .pauseBetweenBatches(Duration.ZERO)
                    .rule(
                        DeletionRule.olderThan(
                            "warmup", "warmup", "created_at", Duration.ofDays(90)))
                    .build(),
                CleanupListener.NONE);
      }
    } finally {
      drop(db);
    }
  }

  /** A fresh copy of the template, so every scenario starts from the same table. */
  private String freshCopy() throws SQLException {
    String name = "cleanup_" + (++databases);
    admin("CHECKPOINT");
    admin("CREATE DATABASE " + name + " TEMPLATE cleanup_template STRATEGY FILE_COPY");
    admin("CHECKPOINT");
    return name;
  }

  private Latencies baseline() throws Exception {
    String db = freshCopy();
    try (Writer writer = new Writer(dataSource(db), rows)) {
      Thread.sleep(BASELINE.toMillis());
      return writer.stop();
    } finally {
      drop(db);
    }
  }

  private Outcome floor() throws Exception {
    String db = freshCopy();
    try (Writer writer = new Writer(dataSource(db), rows)) {
      long start = System.nanoTime();
      long deleted;
      try (Connection c = dataSource(db).getConnection();
          PreparedStatement delete =
              c.prepareStatement(
                  "DELETE FROM events WHERE created_at < now() - interval '90 days'")) {
        deleted = delete.executeUpdate();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      return new Outcome(deleted, took, took, writer.stop());
    } finally {
      drop(db);
    }
  }

  /** A server session that only burns CPU for {@code length}: no rows, locks or WAL. */
  private Outcome busyCore(Duration length) throws Exception {
    String db = freshCopy();
    try (Writer writer = new Writer(dataSource(db), rows)) {
      long start = System.nanoTime();
      try (Connection c = dataSource(db).getConnection();
          Statement spin = c.createStatement()) {
        spin.execute(
            "DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() + interval '"
                + length.toMillis()
                + " milliseconds' LOOP END LOOP; END $$");
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      return new Outcome(0, took, Duration.ZERO, writer.stop());
    } finally {
      drop(db);
    }
  }

  private Outcome pitstop(int batchSize) throws Exception {
    String db = freshCopy();
    AtomicLong longest = new AtomicLong();
    try (Writer writer = new Writer(dataSource(db), rows)) {
      long start = System.nanoTime();
      CleanupResult result =
          new CleanupEngine(dataSource(db))
              .run(
                  CleanupRequest.builder()
                      .batchSize(batchSize)
                      .pauseBetweenBatches(pause)
                      .maxDuration(Duration.ofMinutes(10))
                      .rule(
                          DeletionRule.olderThan(
                              "expired-events", "events", "created_at", Duration.ofDays(90)))
                      .build(),
                  new CleanupListener() {
                    @Override
                    public void onBatch(BatchReport batch) {
                      longest.accumulateAndGet(batch.took().toNanos(), Math::max);
                    }
                  });
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // The rule's own figure also counts batches rolled back for holding more than batchSize.
      for (RuleOutcome rule : result.rules()) {
        longest.accumulateAndGet(rule.longestBatch().toNanos(), Math::max);
      }
      return new Outcome(
          result.rowsDeleted(), took, Duration.ofNanos(longest.get()), writer.stop());
    } finally {
      drop(db);
    }
  }

  private String report(Latencies baseline, Map<String, Outcome> outcomes, int repetitions) {
    StringBuilder out = new StringBuilder();
    Outcome floor = outcomes.get("floor");
    out.append(
        String.format(
            Locale.ROOT,
            "CleanupSchedule benchmark: %,d-row events table (indexed created_at, FK to accounts),"
                + " %,d expired; writer: %d threads, one insert or update every %d ms each;"
                + " pauseBetweenBatches %d ms; median of %d interleaved runs (writer latencies"
                + " pooled); %d cores%n",
            rows,
            floor.deleted(),
            WRITERS,
            WRITER_PACE.toMillis(),
            pause.toMillis(),
            repetitions,
            Runtime.getRuntime().availableProcessors()));
    out.append(
        String.format(
            Locale.ROOT,
            "  %-15s %10s %9s %12s %9s %9s %9s %9s %12s%n",
            "run",
            "deleted",
            "time s",
            "rows/s",
            "vs floor",
            "p50 us",
            "p99 us",
            "p99 x",
            "longest ms"));
    out.append(
        String.format(
            Locale.ROOT,
            "  %-15s %10s %9s %12s %9s %9d %9d %9s %12s%n",
            "no cleanup",
            "-",
            String.format(Locale.ROOT, "%.1f", BASELINE.toMillis() / 1000.0),
            "-",
            "-",
            baseline.percentile(50),
            baseline.percentile(99),
            "1.00",
            "-"));
    for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
      Outcome o = e.getValue();
      if (e.getKey().equals(BUSY_CORE)) {
        out.append(
            String.format(
                Locale.ROOT,
                "  %-15s %10s %9.1f %12s %9s %9d %9d %9.2f %12s%n",
                e.getKey(),
                "-",
                o.took().toMillis() / 1000.0,
                "-",
                "-",
                o.writer().percentile(50),
                o.writer().percentile(99),
                (double) o.writer().percentile(99) / baseline.percentile(99),
                "-"));
        continue;
      }
      out.append(
          String.format(
              Locale.ROOT,
              "  %-15s %,10d %9.1f %,12.0f %9.2f %9d %9d %9.2f %12d%n",
              e.getKey(),
              o.deleted(),
              o.took().toMillis() / 1000.0,
              o.rowsPerSecond(),
              o.rowsPerSecond() / floor.rowsPerSecond(),
              o.writer().percentile(50),
              o.writer().percentile(99),
              (double) o.writer().percentile(99) / baseline.percentile(99),
              o.longestBatch().toMillis()));
    }
    Outcome target = outcomes.get("pitstop-5000");
    if (target != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "  batch 5000: throughput %.2f x floor (target >= 0.70), writer p99 %.2f x baseline"
                  + " (target <= 2.00), writer p50 %.2f x baseline, longest batch %d ms (target <="
                  + " 250)%n",
              target.rowsPerSecond() / floor.rowsPerSecond(),
              (double) target.writer().percentile(99) / baseline.percentile(99),
              (double) target.writer().percentile(50) / baseline.percentile(50),
              target.longestBatch().toMillis()));
    }
    Outcome busy = outcomes.get(BUSY_CORE);
    out.append(
        String.format(
            Locale.ROOT,
            "  control: one server session burning CPU for as long as the floor (no rows, locks or"
                + " WAL) puts the writer's p99 at %.2f x baseline; the floor: %.2f x%n",
            (double) busy.writer().percentile(99) / baseline.percentile(99),
            (double) floor.writer().percentile(99) / baseline.percentile(99)));
    return out.toString();
  }

  private DataSource dataSource(String database) {
    return BenchDatabases.dataSource(server, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  private void drop(String database) throws SQLException {
    admin("DROP DATABASE " + database + " WITH (FORCE)");
  }

  /**
   * The application: each thread alternately inserts a new event and updates a random recent one,
   * one operation every {@link #WRITER_PACE}, each its own transaction, timing every operation.
   */
  private static final class Writer implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<long[]> samples = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    private Latencies stopped;

    Writer(DataSource dataSource, long rows) throws SQLException {
      long firstRecent = rows / 2 + 1;
      for (int t = 0; t < WRITERS; t++) {
        long[] buffer = new long[2_000_000];
        samples.add(buffer);
        counts.add(0);
        int index = t;
        Connection connection = dataSource.getConnection();
        Thread thread =
            new Thread(() -> write(connection, buffer, index, firstRecent, rows), "writer-" + t);
        threads.add(thread);
      }
      threads.forEach(Thread::start);
    }

    private void write(Connection c, long[] buffer, int index, long firstRecent, long rows) {
      int n = 0;
      try (c;
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO events (account_id, created_at, kind, payload)"
                      + " VALUES (?, now(), 'click', 'new')");
          PreparedStatement update =
              c.prepareStatement(
                  "UPDATE events SET payload = 'seen', kind = 'view' WHERE id = ?")) {
        long next = System.nanoTime();
        while (running.get() && n < buffer.length) {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long start = System.nanoTime();
          if (n % 2 == 0) {
            insert.setLong(1, 1 + random.nextInt(10_000));
            insert.executeUpdate();
          } else {
            update.setLong(1, firstRecent + random.nextLong(rows - firstRecent));
            update.executeUpdate();
          }
          buffer[n++] = (System.nanoTime() - start) / 1000;
          next += WRITER_PACE.toNanos();
          long sleep = next - System.nanoTime();
          if (sleep > 0) {
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
          } else {
            next = System.nanoTime(); // behind: do not burst to catch up
          }
        }
      } catch (SQLException | InterruptedException e) {
        throw new IllegalStateException("writer failed: " + e.getMessage(), e);
      } finally {
        synchronized (counts) {
          counts.set(index, n);
        }
      }
    }

    Latencies stop() throws InterruptedException {
      if (stopped == null) {
        running.set(false);
        for (Thread thread : threads) {
          thread.join();
        }
        int total = counts.stream().mapToInt(Integer::intValue).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < threads.size(); t++) {
          System.arraycopy(samples.get(t), 0, all, at, counts.get(t));
          at += counts.get(t);
        }
        Arrays.sort(all);
        stopped = new Latencies(all);
      }
      return stopped;
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
