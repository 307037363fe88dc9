package dev.pitstop.bench;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import java.io.IOException;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Does planning slow the application down? A target database holds an orders schema whose biggest
 * table has 1,000,000 rows (indexes, a foreign key); a writer thread does small single-row INSERT
 * and UPDATE transactions on it at a fixed pace and times each one. Phases, interleaved over
 * several rounds: A, the writer alone (the baseline); B, the writer while lock-impact plans of 50
 * pending migrations (risky ones included) are made against the target back to back; C, a control,
 * the writer while one server session only burns CPU for as long as B took; D, for insight, the
 * writer while empty databases are created and dropped for as long as B took; E, for insight, the
 * writer while the pending migrations are applied, unmeasured, to schema-only copies of the target
 * created from a template and dropped, for as long as B took; F, as B but with the scratch database
 * on a second server (as {@code --plan-database-url} or {@code spec.planDatabase} name one), which
 * runs on the same machine. Planning reads only the target's catalogs and statistics and runs the
 * migrations on a scratch database of the same server, so what the writer feels in B is the shared
 * server's (and machine's) load.
 */
public final class PlanWriterBenchmark {
  /** One writer transaction every 2 ms: about 500 per second. */
  private static final Duration WRITER_PACE = Duration.ofMillis(2);

  private static final String TARGET = "plan_target";

  /** The target's schema (V1 applied) without data, the template of phase E's copies. */
  private static final String SCHEMA_ONLY = "plan_schema_only";

  private static final int ACCOUNTS = 50_000;
  private static final int PRODUCTS = 10_000;

  private final EmbeddedPostgresServer server;
  private final EmbeddedPostgresServer otherServer;
  private final long rows;
  private final Path scripts;

  private PlanWriterBenchmark(
      EmbeddedPostgresServer server, EmbeddedPostgresServer otherServer, long rows, Path scripts) {
    this.server = server;
    this.otherServer = otherServer;
    this.rows = rows;
    this.scripts = scripts;
  }

  /**
   * Arguments: rows of the biggest table, pending migrations, seconds per phase, rounds, results
   * directory.
   */
  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    int pending = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Duration phase = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path results = Path.of(args.length > 4 ? args[4] : "bench/results");
    Path scripts = Files.createTempDirectory("pitstop-bench-plan-writer");
    writeScripts(scripts, pending);
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start();
        EmbeddedPostgresServer otherServer = EmbeddedPostgresServer.start()) {
      PlanWriterBenchmark bench = new PlanWriterBenchmark(server, otherServer, rows, scripts);
      long setupStart = System.nanoTime();
      bench.createTarget();
      System.out.printf(
          Locale.ROOT,
          "target with %,d orders ready in %.1f s%n",
          rows,
          (System.nanoTime() - setupStart) / 1e9);

      // Warm-up: one plan alone (class loading, JIT), shown for what it finds; the writer briefly.
      long warmStart = System.nanoTime();
      ImpactPlan first = bench.plan();
      long warmMillis = (System.nanoTime() - warmStart) / 1_000_000;
      try (Writer writer = new Writer(bench.dataSource(TARGET), rows)) {
        Thread.sleep(2_000);
      }

      List<Latencies> alone = new ArrayList<>();
      List<Latencies> planning = new ArrayList<>();
      List<Latencies> busy = new ArrayList<>();
      List<Latencies> scratchOnly = new ArrayList<>();
      List<Latencies> applying = new ArrayList<>();
      List<Latencies> planningElsewhere = new ArrayList<>();
      List<Long> elsewhereMillis = new ArrayList<>();
      List<Long> planMillis = new ArrayList<>();
      List<Long> planningPhaseMillis = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        alone.add(bench.writerAlone(phase));
        long start = System.nanoTime();
        planning.add(bench.writerWhilePlanning(phase, planMillis));
        long took = (System.nanoTime() - start) / 1_000_000;
        planningPhaseMillis.add(took);
        busy.add(bench.writerWithBusyCore(Duration.ofMillis(took)));
        scratchOnly.add(bench.writerWhileCreatingDatabases(Duration.ofMillis(took)));
        applying.add(bench.writerWhileApplyingOnCopies(Duration.ofMillis(took)));
        planningElsewhere.add(bench.writerWhilePlanning(phase, elsewhereMillis, bench.otherServer));
      }
      String report =
          bench.report(
              pending,
              phase,
              first,
              warmMillis,
              alone,
              planning,
              busy,
              scratchOnly,
              applying,
              planningElsewhere,
              elsewhereMillis,
              planMillis,
              planningPhaseMillis);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("plan-writer-" + Instant.now().toEpochMilli() + ".txt"), report);
    } finally {
      try (var files = Files.list(scripts)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(scripts);
    }
  }

  /** Writer transaction latencies in microseconds, sorted. */
  record Latencies(long[] micros) {
    long percentile(double p) {
      if (micros.length == 0) {
        return 0;
      }
      int index = (int) Math.ceil(p / 100.0 * micros.length) - 1;
      return micros[Math.max(0, Math.min(micros.length - 1, index))];
    }

    long max() {
      return micros.length == 0 ? 0 : micros[micros.length - 1];
    }

    static Latencies pooled(List<Latencies> runs) {
      return new Latencies(
          runs.stream().flatMapToLong(l -> Arrays.stream(l.micros())).sorted().toArray());
    }
  }

  /** The schema, applied as migration V1 so the target has a history; the data loaded after it. */
  private static final String SCHEMA =
      """
      CREATE TABLE accounts (
        id bigserial PRIMARY KEY,
        email varchar(200) NOT NULL,
        name text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
      CREATE TABLE products (
        id bigserial PRIMARY KEY,
        sku varchar(40) NOT NULL,
        title text,
        price numeric(10,2) NOT NULL
      );
      CREATE TABLE orders (
        id bigserial PRIMARY KEY,
        account_id bigint NOT NULL REFERENCES accounts (id),
        product_id bigint,
        status varchar(20),
        amount numeric(10,2) NOT NULL,
        note varchar(100),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_account_idx ON orders (account_id);
      CREATE INDEX orders_created_at_idx ON orders (created_at);
      CREATE TABLE order_events (
        id bigserial PRIMARY KEY,
        order_id bigint NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX order_events_order_idx ON order_events (order_id);
      """;

  /**
   * The pending set: the risky changes a team writes (rewrites, plain index builds, validated
   * constraints, data updates next to DDL, renames) with their safe look-alikes, then small new
   * tables and nullable columns up to {@code count}.
   */
  private static final List<String> PENDING =
      List.of(
          // rewrite of the 1M-row table and its indexes (scale changes)
          "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,4);",
          "CREATE INDEX orders_status_idx ON orders (status);",
          "ALTER TABLE orders ADD CONSTRAINT orders_product_fk FOREIGN KEY (product_id)"
              + " REFERENCES products (id);",
          "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;",
          "ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;",
          "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();",
          "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);",
          "ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0);",
          "ALTER TABLE order_events ADD CONSTRAINT order_events_order_fk FOREIGN KEY (order_id)"
              + " REFERENCES orders (id) NOT VALID;",
          "ALTER TABLE order_events VALIDATE CONSTRAINT order_events_order_fk;",
          "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);",
          "ALTER TABLE accounts ADD COLUMN tier text;\nUPDATE accounts SET tier = 'basic';",
          "ALTER TABLE accounts RENAME COLUMN name TO display_name;",
          "CREATE TABLE invoices (\n  id bigserial PRIMARY KEY,\n"
              + "  order_id bigint NOT NULL REFERENCES orders (id),\n"
              + "  total numeric(12,2) NOT NULL\n);\n"
              + "CREATE INDEX invoices_order_idx ON invoices (order_id);",
          "SET lock_timeout = 0;\nALTER TABLE products ADD COLUMN discontinued boolean;",
          "CREATE INDEX CONCURRENTLY order_events_kind_idx ON order_events (kind);\n"
              + "CREATE INDEX CONCURRENTLY order_events_at_idx ON order_events (at);",
          "ALTER TABLE products ADD CONSTRAINT products_title_nn CHECK (title IS NOT NULL)"
              + " NOT VALID;",
          "ALTER TABLE products VALIDATE CONSTRAINT products_title_nn;",
          "ALTER TABLE products ALTER COLUMN title SET NOT NULL;",
          "CREATE VIEW account_totals AS\n"
              + "  SELECT account_id, count(*) AS orders, sum(amount) AS total\n"
              + "  FROM orders GROUP BY account_id;",
          "ALTER TABLE order_events ADD COLUMN source text;\n"
              + "DELETE FROM order_events WHERE kind = 'obsolete';",
          "ALTER TABLE orders SET (fillfactor = 90);",
          "COMMENT ON TABLE orders IS 'one row per order';",
          "ALTER TABLE accounts ALTER COLUMN email TYPE text;",
          "ALTER TABLE order_events ALTER COLUMN order_id TYPE integer;",
          "CREATE FUNCTION order_total(p_account bigint) RETURNS numeric\n"
              + "LANGUAGE sql STABLE AS $$ SELECT sum(amount) FROM orders"
              + " WHERE account_id = p_account $$;");

  static void writeScripts(Path dir, int pending) throws IOException {
    Files.writeString(dir.resolve("V1__schema.sql"), SCHEMA);
    for (int i = 0; i < pending; i++) {
      int version = i + 2;
      String sql;
      String name;
      if (i < PENDING.size()) {
        sql = PENDING.get(i);
        name = "change_" + version;
      } else {
        String t = "feature_" + version;
        sql =
            "CREATE TABLE "
                + t
                + " (id bigserial PRIMARY KEY, account_id bigint REFERENCES accounts (id),"
                + " value text);\n"
                + "CREATE INDEX "
                + t
                + "_account_idx ON "
                + t
                + " (account_id);\n"
                + "ALTER TABLE orders ADD COLUMN attr_"
                + version
                + " text;\n";
        name = "create_" + t;
      }
      Files.writeString(dir.resolve(String.format("V%d__%s.sql", version, name)), sql + "\n");
    }
  }

  private MigrationRequest request() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(scripts)).build();
  }

  private void createTarget() throws SQLException {
    admin("CREATE DATABASE " + SCHEMA_ONLY);
    new MigrationEngine(dataSource(SCHEMA_ONLY))
        .migrate(
            MigrationRequest.builder(MigrationScripts.fromDirectory(scripts))
                .targetVersion("1")
                .build());
    admin("CREATE DATABASE " + TARGET);
    DataSource target = dataSource(TARGET);
    new MigrationEngine(target)
        .migrate(
            MigrationRequest.builder(MigrationScripts.fromDirectory(scripts))
                .targetVersion("1")
                .build());
    try (Connection c = target.getConnection();
        Statement s = c.createStatement()) {
      // Loaded in replica mode: the foreign key holds by construction, checking it per row is slow.
      s.execute("SET session_replication_role = replica");
      s.execute(
          "INSERT INTO accounts (email, name) SELECT 'user' || i || '@example.com', 'User ' || i"
              + " FROM generate_series(1, "
              + ACCOUNTS
              + ") i");
      s.execute(
          "INSERT INTO products (sku, title, price) SELECT 'SKU-' || i, 'Product ' || i,"
              + " (i % 500) + 0.99 FROM generate_series(1, "
              + PRODUCTS
              + ") i");
      s.execute(
          "INSERT INTO orders (account_id, product_id, status, amount, note, created_at)"
              + " SELECT 1 + i % "
              + ACCOUNTS
              + ", 1 + i % "
              + PRODUCTS
              + ", (ARRAY['new','paid','shipped','done'])[1 + i % 4], (i % 1000) + 0.5,"
              + " 'order ' || i, now() - i * interval '1 second'"
              + " FROM generate_series(1, "
              + rows
              + ") i");
      s.execute(
          "INSERT INTO order_events (order_id, kind) SELECT 1 + (i * 5) % "
              + rows
              + ", (ARRAY['created','paid','shipped'])[1 + i % 3] FROM generate_series(1, "
              + Math.max(1, rows / 5)
              + ") i");
      s.execute("RESET session_replication_role");
      s.execute("VACUUM ANALYZE");
    }
    admin("CHECKPOINT");
  }

  private ImpactPlan plan() {
    return plan(server);
  }

  /** A plan whose scratch database is made on the given server. */
  private ImpactPlan plan(EmbeddedPostgresServer scratchOn) {
    return new ImpactPlanner(dataSource(TARGET), PlanBenchmark.scratchServer(scratchOn))
        .plan(request());
  }

  private Latencies writerAlone(Duration phase) throws Exception {
    try (Writer writer = new Writer(dataSource(TARGET), rows)) {
      Thread.sleep(phase.toMillis());
      return writer.stop();
    }
  }

  /** Plans back to back until the phase is over (the last plan is finished, not cut). */
  private Latencies writerWhilePlanning(Duration phase, List<Long> planMillis) throws Exception {
    return writerWhilePlanning(phase, planMillis, server);
  }

  private Latencies writerWhilePlanning(
      Duration phase, List<Long> planMillis, EmbeddedPostgresServer scratchOn) throws Exception {
    try (Writer writer = new Writer(dataSource(TARGET), rows)) {
      long end = System.nanoTime() + phase.toNanos();
      while (System.nanoTime() < end) {
        long start = System.nanoTime();
        plan(scratchOn);
        planMillis.add((System.nanoTime() - start) / 1_000_000);
      }
      return writer.stop();
    }
  }

  /** The control: one server session (not on the target) burns CPU, touching no row, no lock. */
  private Latencies writerWithBusyCore(Duration length) throws Exception {
    try (Writer writer = new Writer(dataSource(TARGET), rows);
        Connection c = dataSource("postgres").getConnection();
        Statement spin = c.createStatement()) {
      spin.execute(
          "DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() + interval '"
              + length.toMillis()
              + " milliseconds' LOOP END LOOP; END $$");
      return writer.stop();
    }
  }

  /**
   * For insight, like C: only what every plan does first and last, creating an empty database from
   * template0 and dropping it, back to back for as long as B took.
   */
  private Latencies writerWhileCreatingDatabases(Duration length) throws Exception {
    try (Writer writer = new Writer(dataSource(TARGET), rows)) {
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end) {
        admin("CREATE DATABASE plan_bench_scratch TEMPLATE template0");
        admin("DROP DATABASE plan_bench_scratch WITH (FORCE)");
      }
      return writer.stop();
    }
  }

  /**
   * For insight: the pending migrations applied by the engine (no measurement) on schema-only
   * copies of the target, each copy created from a template and dropped, for as long as B took.
   * What B adds on top is the plan's schema copy and measurement.
   */
  private Latencies writerWhileApplyingOnCopies(Duration length) throws Exception {
    try (Writer writer = new Writer(dataSource(TARGET), rows)) {
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end) {
        admin("CREATE DATABASE plan_bench_apply TEMPLATE " + SCHEMA_ONLY);
        try {
          new MigrationEngine(dataSource("plan_bench_apply")).migrate(request());
        } finally {
          admin("DROP DATABASE plan_bench_apply WITH (FORCE)");
        }
      }
      return writer.stop();
    }
  }

  private String report(
      int pending,
      Duration phase,
      ImpactPlan first,
      long warmMillis,
      List<Latencies> alone,
      List<Latencies> planning,
      List<Latencies> busy,
      List<Latencies> scratchOnly,
      List<Latencies> applying,
      List<Latencies> planningElsewhere,
      List<Long> elsewhereMillis,
      List<Long> planMillis,
      List<Long> planningPhaseMillis) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Writer under planning: orders %,d rows (+ accounts %,d, products %,d, order_events"
                + " %,d), %d pending migrations; writer: 1 thread, one INSERT or UPDATE every %d"
                + " ms; %d rounds of A (writer alone, %d s), B (plans back to back, >= %d s),"
                + " C (busy core as long as B), D (create and drop databases as long as B),"
                + " E (apply the pending migrations on schema-only copies as long as B),"
                + " F (as B, the scratch database on a second server on the same machine);"
                + " %d cores%n",
            rows,
            ACCOUNTS,
            PRODUCTS,
            Math.max(1, rows / 5),
            pending,
            WRITER_PACE.toMillis(),
            alone.size(),
            phase.toSeconds(),
            phase.toSeconds(),
            Runtime.getRuntime().availableProcessors()));
    Map<String, Long> codes = new TreeMap<>();
    for (Finding f : first.findings()) {
      codes.merge(f.code() + "/" + f.severity(), 1L, Long::sum);
    }
    out.append(
        String.format(
            Locale.ROOT,
            "  first plan (alone, warm-up): %d ms, %d migrations measured, %d findings %s%n",
            warmMillis,
            first.scripts().size(),
            first.findings().size(),
            codes));
    for (Finding f : first.findings()) {
      out.append("    ").append(PlanBenchmark.describe(f)).append('\n');
    }
    if (!first.notCopied().isEmpty()) {
      out.append("  not copied: ").append(first.notCopied()).append('\n');
    }
    List<Long> sortedPlans = planMillis.stream().sorted().toList();
    out.append(
        String.format(
            Locale.ROOT,
            "  plans during B: %d, median %d ms (min %d, max %d); B phases took %s ms;"
                + " plans during F: %d, median %d ms%n",
            planMillis.size(),
            sortedPlans.get(sortedPlans.size() / 2),
            sortedPlans.get(0),
            sortedPlans.get(sortedPlans.size() - 1),
            planningPhaseMillis,
            elsewhereMillis.size(),
            elsewhereMillis.stream().sorted().toList().get(elsewhereMillis.size() / 2)));
    out.append(
        String.format(
            Locale.ROOT,
            "  %-22s %8s %8s %8s %9s %8s %8s%n",
            "phase",
            "txns",
            "p50 us",
            "p99 us",
            "p99.9 us",
            "max us",
            "p99 x A"));
    Latencies a = Latencies.pooled(alone);
    for (int i = 0; i < alone.size(); i++) {
      line(out, "round " + (i + 1) + " A alone", alone.get(i), alone.get(i));
      line(out, "round " + (i + 1) + " B planning", planning.get(i), alone.get(i));
      line(out, "round " + (i + 1) + " C busy core", busy.get(i), alone.get(i));
      line(out, "round " + (i + 1) + " D create+drop db", scratchOnly.get(i), alone.get(i));
      line(out, "round " + (i + 1) + " E apply on copies", applying.get(i), alone.get(i));
      line(out, "round " + (i + 1) + " F plan, other srv", planningElsewhere.get(i), alone.get(i));
    }
    Latencies b = Latencies.pooled(planning);
    Latencies c = Latencies.pooled(busy);
    line(out, "all A (pooled)", a, a);
    line(out, "all B (pooled)", b, a);
    line(out, "all C (pooled)", c, a);
    Latencies d = Latencies.pooled(scratchOnly);
    line(out, "all D (pooled)", d, a);
    Latencies e = Latencies.pooled(applying);
    line(out, "all E (pooled)", e, a);
    Latencies f = Latencies.pooled(planningElsewhere);
    line(out, "all F (pooled)", f, a);
    out.append(
        String.format(
            Locale.ROOT,
            "  writer p99 B/A = %.2f (target <= 1.20); p50 B/A = %.2f; control C/A p99 = %.2f;"
                + " D/A p99 = %.2f; E/A p99 = %.2f; F/A p99 = %.2f (scratch on another server)%n",
            (double) b.percentile(99) / a.percentile(99),
            (double) b.percentile(50) / a.percentile(50),
            (double) c.percentile(99) / a.percentile(99),
            (double) d.percentile(99) / a.percentile(99),
            (double) e.percentile(99) / a.percentile(99),
            (double) f.percentile(99) / a.percentile(99)));
    out.append(
        "  findings by code: "
            + codes.entrySet().stream()
                .map(code -> code.getKey() + " x" + code.getValue())
                .collect(Collectors.joining(", "))
            + "\n");
    return out.toString();
  }

  private static void line(StringBuilder out, String name, Latencies l, Latencies baseline) {
    out.append(
        String.format(
            Locale.ROOT,
            "  %-22s %8d %8d %8d %9d %8d %8.2f%n",
            name,
            l.micros().length,
            l.percentile(50),
            l.percentile(99),
            l.percentile(99.9),
            l.max(),
            (double) l.percentile(99) / baseline.percentile(99)));
  }

  private DataSource dataSource(String database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(server.jdbcUrl(database));
    dataSource.setUser(EmbeddedPostgresServer.SUPERUSER);
    return dataSource;
  }

  private void admin(String sql) throws SQLException {
    try (Connection connection = dataSource("postgres").getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /**
   * The application: one thread alternately inserts an order and updates a random existing one, one
   * transaction every {@link #WRITER_PACE} (autocommit), timing each; a late transaction does not
   * make the next ones burst.
   */
  private static final class Writer implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final long[] buffer = new long[2_000_000];
    private final Thread thread;
    private final long rows;
    private volatile int count;
    private volatile RuntimeException failure;
    private Latencies stopped;

    Writer(DataSource dataSource, long rows) throws SQLException {
      this.rows = rows;
      Connection connection = dataSource.getConnection();
      thread = new Thread(() -> write(connection), "plan-bench-writer");
      thread.start();
    }

    private void write(Connection c) {
      int n = 0;
      try (c;
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO orders (account_id, product_id, status, amount, note)"
                      + " VALUES (?, ?, 'new', 10.00, 'written')");
          PreparedStatement update =
              c.prepareStatement(
                  "UPDATE orders SET status = 'paid', amount = amount + 1 WHERE id = ?")) {
        long next = System.nanoTime();
        while (running.get() && n < buffer.length) {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long start = System.nanoTime();
          if (n % 2 == 0) {
            insert.setLong(1, 1 + random.nextInt(ACCOUNTS));
            insert.setLong(2, 1 + random.nextInt(PRODUCTS));
            insert.executeUpdate();
          } else {
            update.setLong(1, 1 + random.nextLong(rows));
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
      } catch (SQLException e) {
        failure = new IllegalStateException("writer failed: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        count = n;
      }
    }

    Latencies stop() throws InterruptedException {
      if (stopped == null) {
        running.set(false);
        thread.join();
        if (failure != null) {
          throw failure;
        }
        long[] all = Arrays.copyOf(buffer, count);
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
