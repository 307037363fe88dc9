package dev.pitstop.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Does planning slow the application down? A target database holds an orders schema whose biggest
 * table has 1,000,000 rows (indexes, a foreign key); a writer process does small single-row INSERT
 * and UPDATE transactions on it at a fixed pace and times each one. Phases, interleaved over
 * several rounds: A, the writer alone (the baseline); B, the writer while lock-impact plans of 50
 * pending migrations (risky ones included) are made against the target back to back with the
 * scratch database on a plan server of its own ({@code --plan-database-url}, {@code
 * spec.planDatabase}); N, a control for the machine, the same plans of a twin of the target's
 * schema that lives on the plan server, for as long as B took: the same work on the same machine,
 * nothing of it on the target's server; S, as B with the scratch database on the target's own
 * server (the default); C, a control, one session of the target's server only burns CPU for as long
 * as B took.
 *
 * <p>What would run on other machines in a cluster (the planner, this JVM, as the operator or CLI;
 * the plan server) runs on CPUs of its own at idle priority; the target's server and the writer get
 * the other CPUs ({@link Placement}). B differs from N only in what a plan does on the target's
 * server: reading its catalogs and statistics. In S the scratch database's session also runs there.
 */
public final class PlanWriterBenchmark implements AutoCloseable {
  /** One writer transaction every 2 ms: about 500 per second. */
  private static final Duration WRITER_PACE = Duration.ofMillis(2);

  private static final String TARGET = "plan_target";

  /** On the plan server: the target's schema without its data, planned in phase N. */
  private static final String TWIN = "plan_twin";

  private static final String ALONE = "A alone";
  private static final String PLAN_SERVER = "B plan, plan server";
  private static final String TWIN_PLANS = "N plan a twin";
  private static final String SAME_SERVER = "S plan, same server";
  private static final String BUSY = "C busy session";

  static final int ACCOUNTS = 50_000;
  static final int PRODUCTS = 10_000;

  private final EmbeddedPostgresServer server;
  private final EmbeddedPostgresServer planServer;
  private final Placement placement;
  private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();
  private final int cores;
  private final long rows;
  private final Path scripts;

  /**
   * The one thread of this JVM that stays on the target server's CPUs at normal priority when
   * placed: writers are started from it, so they run there like the target's server (a child
   * inherits the CPUs and policy of the thread that starts it; started from the planner's threads,
   * the writer would run with the planner, as an idle-priority task).
   */
  private final ExecutorService launcher =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "writer-launcher");
            t.setDaemon(true);
            return t;
          });

  private PlanWriterBenchmark(
      EmbeddedPostgresServer server,
      EmbeddedPostgresServer planServer,
      Placement placement,
      long rows,
      Path scripts) {
    this.server = server;
    this.planServer = planServer;
    this.placement = placement;
    this.cores = Runtime.getRuntime().availableProcessors();
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
        EmbeddedPostgresServer planServer = EmbeddedPostgresServer.start();
        PlanWriterBenchmark bench =
            new PlanWriterBenchmark(server, planServer, Placement.ofThisMachine(), rows, scripts)) {
      long setupStart = System.nanoTime();
      bench.createTarget();
      System.out.printf(
          Locale.ROOT,
          "target with %,d orders ready in %.1f s%n",
          rows,
          (System.nanoTime() - setupStart) / 1e9);
      bench.place();

      // Warm-up: one plan alone (class loading, JIT), shown for what it finds; the writer briefly.
      long warmStart = System.nanoTime();
      ImpactPlan first = bench.plan(bench.target(), planServer);
      long warmMillis = (System.nanoTime() - warmStart) / 1_000_000;
      bench.plan(bench.target(), server);
      bench.plan(bench.twin(), planServer);
      try (Writer writer = bench.writer()) {
        Thread.sleep(2_000);
      }

      Map<String, List<Latencies>> phases = new LinkedHashMap<>();
      Map<String, List<Long>> plans = new LinkedHashMap<>();
      for (int round = 0; round < rounds; round++) {
        phases.computeIfAbsent(ALONE, k -> new ArrayList<>()).add(bench.writerAlone(phase));
        long start = System.nanoTime();
        bench.planning(PLAN_SERVER, phase, bench.target(), planServer, phases, plans);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        bench.planning(TWIN_PLANS, took, bench.twin(), planServer, phases, plans);
        bench.planning(SAME_SERVER, phase, bench.target(), server, phases, plans);
        phases.computeIfAbsent(BUSY, k -> new ArrayList<>()).add(bench.writerWithBusyCore(took));
      }
      String report = bench.report(pending, phase, first, warmMillis, phases, plans);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("plan-writer-" + Instant.now().toEpochMilli() + ".txt"), report);
    } finally {
      BenchDatabases.deleteFiles(scripts);
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
    try (Connection c = dataSource(planServer, "postgres").getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + TWIN);
    }
    new MigrationEngine(twin())
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

  /**
   * Runs this JVM (the planner, as the operator or CLI) and the plan server on CPUs of their own at
   * idle priority, as if they ran on other machines; the target's server and the writers on the
   * other CPUs.
   */
  private void place() throws IOException, InterruptedException, SQLException {
    if (placement == null) {
      System.out.println(
          "no taskset/chrt or one CPU: planner, plan server, target and writer share every CPU");
      return;
    }
    ProcessHandle target = postmaster(server);
    placement.server(target);
    placement.elsewhere(postmaster(planServer));
    placement.elsewhereButThread(onLauncher(Placement::currentThread));
    if (Placement.isLowered(target.pid())) {
      throw new IllegalStateException("the target's server runs at idle priority");
    }
  }

  private <T> T onLauncher(Callable<T> task) throws IOException, InterruptedException {
    try {
      return launcher.submit(task).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static ProcessHandle postmaster(EmbeddedPostgresServer of) throws SQLException {
    try (Connection c = dataSource(of, "postgres").getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
      r.next();
      long backend = r.getLong(1);
      return ProcessHandle.of(backend)
          .flatMap(ProcessHandle::parent)
          .orElseThrow(() -> new IllegalStateException("no postmaster of session " + backend));
    }
  }

  /** Pooled sessions on the target, as the operator keeps them between plans. */
  private DataSource target() {
    return sessions(server, TARGET);
  }

  /** Pooled sessions on the twin, as on the target. */
  private DataSource twin() {
    return sessions(planServer, TWIN);
  }

  private DataSource sessions(EmbeddedPostgresServer on, String database) {
    return pools.computeIfAbsent(
        on.jdbcUrl(database),
        url -> {
          HikariConfig config = new HikariConfig();
          config.setDataSource(dataSource(on, database));
          config.setMaximumPoolSize(2);
          config.setMinimumIdle(0);
          return new HikariDataSource(config);
        });
  }

  @Override
  public void close() {
    pools.values().forEach(HikariDataSource::close);
    launcher.shutdownNow();
  }

  /** A plan of {@code target} whose scratch database is made on the given server. */
  private ImpactPlan plan(DataSource target, EmbeddedPostgresServer scratchOn) {
    return new ImpactPlanner(target, PlanBenchmark.scratchServer(scratchOn)).plan(request());
  }

  private Writer writer() throws IOException, InterruptedException {
    Writer writer =
        onLauncher(() -> new Writer(server.jdbcUrl(TARGET), rows, WRITER_PACE.toNanos() / 1000));
    if (placement != null && Placement.isLowered(writer.process.pid())) {
      writer.close();
      throw new IllegalStateException("the writer runs at idle priority, like the planner");
    }
    return writer;
  }

  private Latencies writerAlone(Duration phase) throws Exception {
    try (Writer writer = writer()) {
      Thread.sleep(phase.toMillis());
      return writer.stop();
    }
  }

  /**
   * Plans {@code target} back to back while the writer writes, until {@code length} is over (the
   * last plan is finished, not cut); records the writer's latencies and each plan's time.
   */
  private void planning(
      String name,
      Duration length,
      DataSource target,
      EmbeddedPostgresServer scratchOn,
      Map<String, List<Latencies>> phases,
      Map<String, List<Long>> plans)
      throws Exception {
    List<Long> millis = plans.computeIfAbsent(name, k -> new ArrayList<>());
    try (Writer writer = writer()) {
      long end = System.nanoTime() + length.toNanos();
      while (System.nanoTime() < end) {
        long start = System.nanoTime();
        plan(target, scratchOn);
        millis.add((System.nanoTime() - start) / 1_000_000);
      }
      phases.computeIfAbsent(name, k -> new ArrayList<>()).add(writer.stop());
    }
  }

  /**
   * The control: one session of the target's server (not on the target database) burns CPU,
   * touching no row, taking no lock.
   */
  private Latencies writerWithBusyCore(Duration length) throws Exception {
    try (Writer writer = writer();
        Connection c = dataSource("postgres").getConnection();
        Statement spin = c.createStatement()) {
      spin.execute(
          "DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() + interval '"
              + length.toMillis()
              + " milliseconds' LOOP END LOOP; END $$");
      return writer.stop();
    }
  }

  private String report(
      int pending,
      Duration phase,
      ImpactPlan first,
      long warmMillis,
      Map<String, List<Latencies>> phases,
      Map<String, List<Long>> plans) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Writer under planning: orders %,d rows (+ accounts %,d, products %,d, order_events"
                + " %,d), %d pending migrations; writer: 1 process, one INSERT or UPDATE every %d"
                + " ms; %d rounds of A (writer alone, %d s), B (plans of the target back to back,"
                + " scratch on the plan server, >= %d s), N (plans of a twin of the target's schema"
                + " on the plan server, as long as B), S (as B, scratch on the target's server),"
                + " C (a session of the target's server burns CPU as long as B); %d cores; %s%n",
            rows,
            ACCOUNTS,
            PRODUCTS,
            Math.max(1, rows / 5),
            pending,
            WRITER_PACE.toMillis(),
            phases.get(ALONE).size(),
            phase.toSeconds(),
            phase.toSeconds(),
            cores,
            placement != null
                ? "target's server and writer on CPU "
                    + placement.serverCpus
                    + "; planner and plan server on CPU "
                    + placement.otherCpus
                    + " at idle priority (SCHED_IDLE)"
                : "all on every CPU at normal priority"));
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
    out.append("  plans:");
    plans.forEach(
        (name, millis) ->
            out.append(
                String.format(
                    Locale.ROOT,
                    " %s %d (median %d ms);",
                    name.substring(0, 1),
                    millis.size(),
                    median(millis))));
    out.append('\n');
    out.append(
        String.format(
            Locale.ROOT,
            "  %-26s %8s %8s %8s %9s %8s %8s%n",
            "phase",
            "txns",
            "p50 us",
            "p99 us",
            "p99.9 us",
            "max us",
            "p99 x A"));
    List<Latencies> alone = phases.get(ALONE);
    for (int i = 0; i < alone.size(); i++) {
      for (Map.Entry<String, List<Latencies>> p : phases.entrySet()) {
        line(out, "round " + (i + 1) + " " + p.getKey(), p.getValue().get(i), alone.get(i));
      }
    }
    Map<String, Latencies> pooled = new LinkedHashMap<>();
    phases.forEach((name, runs) -> pooled.put(name, Latencies.pooled(runs)));
    Latencies a = pooled.get(ALONE);
    pooled.forEach((name, l) -> line(out, "all " + name.substring(0, 1) + " (pooled)", l, a));
    out.append(
        String.format(
            Locale.ROOT,
            "  writer p99 B/A = %.2f (target <= 1.20); p50 B/A = %.2f; B/N p99 = %.2f (planning"
                + " the target against the same load elsewhere); N/A = %.2f; S/A = %.2f; S/N ="
                + " %.2f; control C/A = %.2f%n",
            ratio(pooled.get(PLAN_SERVER), a, 99),
            ratio(pooled.get(PLAN_SERVER), a, 50),
            ratio(pooled.get(PLAN_SERVER), pooled.get(TWIN_PLANS), 99),
            ratio(pooled.get(TWIN_PLANS), a, 99),
            ratio(pooled.get(SAME_SERVER), a, 99),
            ratio(pooled.get(SAME_SERVER), pooled.get(TWIN_PLANS), 99),
            ratio(pooled.get(BUSY), a, 99)));
    out.append(
        "  findings by code: "
            + codes.entrySet().stream()
                .map(code -> code.getKey() + " x" + code.getValue())
                .collect(Collectors.joining(", "))
            + "\n");
    return out.toString();
  }

  private static double ratio(Latencies of, Latencies to, double percentile) {
    return (double) of.percentile(percentile) / to.percentile(percentile);
  }

  private static long median(List<Long> values) {
    return values.isEmpty() ? 0 : values.stream().sorted().toList().get(values.size() / 2);
  }

  private static void line(StringBuilder out, String name, Latencies l, Latencies baseline) {
    out.append(
        String.format(
            Locale.ROOT,
            "  %-26s %8d %8d %8d %9d %8d %8.2f%n",
            name,
            l.micros().length,
            l.percentile(50),
            l.percentile(99),
            l.percentile(99.9),
            l.max(),
            (double) l.percentile(99) / baseline.percentile(99)));
  }

  private DataSource dataSource(String database) {
    return dataSource(server, database);
  }

  private static DataSource dataSource(EmbeddedPostgresServer on, String database) {
    return BenchDatabases.dataSource(on, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  /**
   * A running {@link WriterProcess}; when placed, on the target server's CPUs at normal priority.
   */
  private static final class Writer implements AutoCloseable {
    private final Process process;
    private final BufferedReader output;
    private Latencies stopped;

    Writer(String url, long rows, long paceMicros) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(
          List.of(
              "-Xms256m",
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              WriterProcess.class.getName(),
              url,
              EmbeddedPostgresServer.SUPERUSER,
              Long.toString(rows),
              Integer.toString(ACCOUNTS),
              Integer.toString(PRODUCTS),
              Long.toString(paceMicros)));
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      output =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = output.readLine();
      if (!"ready".equals(first)) {
        process.destroyForcibly();
        throw new IOException("the writer process did not start: " + first);
      }
    }

    Latencies stop() throws IOException, InterruptedException {
      if (stopped == null) {
        OutputStream in = process.getOutputStream();
        in.write('\n');
        in.flush();
        int count = Integer.parseInt(output.readLine().strip());
        long[] all = new long[count];
        for (int i = 0; i < count; i++) {
          all[i] = Long.parseLong(output.readLine().strip());
        }
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
          process.destroyForcibly();
          throw new IOException("the writer process failed");
        }
        Arrays.sort(all);
        stopped = new Latencies(all);
      }
      return stopped;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        stop();
      } finally {
        process.destroyForcibly();
      }
    }
  }
}
