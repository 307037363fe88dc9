package dev.pitstop.bench;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.HostPort;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import dev.pitstop.migration.impact.ScratchServer;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Plans N small migrations (a lock-impact plan: scratch databases created, schema copied, every
 * migration measured there in a transaction that is rolled back and applied again, scratch
 * databases dropped) against an empty database, and applies the same migrations to an empty
 * database with the engine (the baseline), interleaved on one embedded server; prints medians and
 * the ratio plan/apply. Also times the migrations' statements alone, once and rolled back then run
 * again on one copy (why the plan shares its work with a second copy). Optionally profiles one run
 * of each with {@code pg_stat_statements} to show where planning spends its time.
 */
public final class PlanBenchmark {
  private static final String APPLY = "apply";
  private static final String PLAN = "plan";
  private static final String SCRATCH = "scratch create+drop";
  private static final String ONCE = "statements once";
  private static final String TWICE = "rolled back + again";

  private final EmbeddedPostgresServer server;
  private final Path scripts;
  private final int migrations;
  private int databases;
  private final List<String> findingSamples = new ArrayList<>();

  private PlanBenchmark(EmbeddedPostgresServer server, Path scripts, int migrations) {
    this.server = server;
    this.scripts = scripts;
    this.migrations = migrations;
  }

  /** Arguments: migrations, repetitions, warm-up rounds, results directory, profile (boolean). */
  public static void main(String[] args) throws Exception {
    int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path results = Path.of(args.length > 3 ? args[3] : "bench/results");
    boolean profile = args.length <= 4 || Boolean.parseBoolean(args[4]);
    Path scripts = Files.createTempDirectory("pitstop-bench-plan-scripts");
    MigrationBenchmark.writeScripts(scripts, migrations);
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      PlanBenchmark bench = new PlanBenchmark(server, scripts, migrations);
      Map<String, Runner> runners = new LinkedHashMap<>();
      runners.put(APPLY, bench::apply);
      runners.put(PLAN, bench::plan);
      runners.put(SCRATCH, bench::scratchOnly);
      runners.put(ONCE, db -> bench.statements(db, false));
      runners.put(TWICE, db -> bench.statements(db, true));
      Map<String, List<Long>> times =
          Interleaved.times(runners, warmups, repetitions, bench::timed);
      StringBuilder report = new StringBuilder(bench.report(repetitions, warmups, times));
      System.out.print(report);
      if (profile) {
        String profiled = bench.profile();
        System.out.print(profiled);
        report.append(profiled);
      }
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("plan-" + Instant.now().toEpochMilli() + ".txt"), report.toString());
    } finally {
      BenchDatabases.deleteFiles(scripts);
    }
  }

  /** An empty database is created before and dropped after each run; only the run is timed. */
  private long timed(Runner runner) throws Exception {
    return BenchDatabases.timedOnFreshDatabase(
        server, "bench_plan_" + (++databases), db -> runner.run(dataSource(db)));
  }

  private void apply(DataSource dataSource) {
    new MigrationEngine(dataSource)
        .migrate(MigrationRequest.builder(MigrationScripts.fromDirectory(scripts)).build());
  }

  /** The whole plan, as the CLI's {@code migrate --plan} makes it. */
  private void plan(DataSource dataSource) {
    ImpactPlan plan =
        new ImpactPlanner(dataSource, scratchServer(server))
            .plan(MigrationRequest.builder(MigrationScripts.fromDirectory(scripts)).build());
    if (plan.scripts().size() != migrations) {
      throw new IllegalStateException(
          "the plan measured " + plan.scripts().size() + " of " + migrations + " migrations");
    }
    if (findingSamples.isEmpty()) {
      // These migrations only create new tables: no finding is expected; show any that come up.
      findingSamples.add(
          plan.findings().isEmpty()
              ? "none"
              : plan.findings().size()
                  + ": "
                  + plan.findings().stream()
                      .limit(5)
                      .map(PlanBenchmark::describe)
                      .collect(Collectors.joining("; ")));
    }
  }

  /**
   * For insight: what creating and dropping an empty database costs on its own, as the plan does
   * for its scratch database.
   */
  private void scratchOnly(DataSource ignored) throws SQLException {
    admin("CREATE DATABASE bench_plan_scratch TEMPLATE template0");
    admin("DROP DATABASE bench_plan_scratch WITH (FORCE)");
  }

  /**
   * For the design: the migrations' statements alone, each migration in one transaction, with no
   * history, lock or measuring. With {@code rollBackFirst} each migration's transaction is first
   * run and rolled back, then run again and committed (the next migration needs its effects): the
   * server work of measuring each migration in a transaction that is rolled back, before anything
   * is measured.
   */
  private void statements(DataSource dataSource, boolean rollBackFirst) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.setEscapeProcessing(false);
      c.setAutoCommit(false);
      for (MigrationScript script : MigrationScripts.fromDirectory(scripts)) {
        List<SqlStatement> statements = SqlSplitter.split(script.sql());
        if (rollBackFirst) {
          for (SqlStatement statement : statements) {
            statement.execute(s);
          }
          c.rollback();
        }
        for (SqlStatement statement : statements) {
          statement.execute(s);
        }
        c.commit();
      }
    }
  }

  static String describe(Finding f) {
    return f.code() + " " + f.severity() + " " + f.script() + ":" + f.line() + " " + f.message();
  }

  /** The scratch server is the target's own, as the CLI uses it without --plan-database-url. */
  static ScratchServer scratchServer(EmbeddedPostgresServer server) {
    return new ScratchServer(
        new ConnectionSettings(
            List.of(new HostPort("127.0.0.1", server.port())),
            "postgres",
            EmbeddedPostgresServer.SUPERUSER,
            null,
            Map.of()),
        Duration.ofSeconds(10));
  }

  /**
   * Restarts the server with pg_stat_statements and runs apply and plan once more each, reporting
   * the server's execution and planning time per database and the statements that took longest. Not
   * part of the timed comparison (the extension adds a little to every statement).
   */
  private String profile() throws Exception {
    admin("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
    server.stop();
    server.restart();
    // Known to the server only once the library is loaded; both take effect on reload.
    admin("ALTER SYSTEM SET pg_stat_statements.track = 'all'");
    admin("ALTER SYSTEM SET pg_stat_statements.track_planning = on");
    admin("SELECT pg_reload_conf()");
    admin("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Profile (one run each, pg_stat_statements; server time = execution + planning;"
                + " statements grouped by kind):%n"));
    Map<String, Runner> runners = new LinkedHashMap<>();
    runners.put(APPLY, this::apply);
    runners.put(PLAN, this::plan);
    for (Map.Entry<String, Runner> runner : runners.entrySet()) {
      String name = "bench_plan_profile_" + runner.getKey();
      admin("CREATE DATABASE " + name);
      admin("CHECKPOINT");
      try {
        admin("SELECT pg_stat_statements_reset()");
        long start = System.nanoTime();
        runner.getValue().run(dataSource(name));
        long wall = (System.nanoTime() - start) / 1_000_000;
        out.append(statements(runner.getKey(), name, wall));
      } finally {
        admin("DROP DATABASE " + name + " WITH (FORCE)");
      }
    }
    return out.toString();
  }

  private String statements(String runner, String database, long wallMillis) throws SQLException {
    StringBuilder out = new StringBuilder();
    String byDatabase =
        "SELECT coalesce(d.datname, '-') AS db, sum(s.calls)::bigint AS calls,"
            + " sum(s.total_exec_time + s.total_plan_time) AS ms"
            + " FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid"
            + " WHERE s.query NOT LIKE '%pg_stat_statements%'"
            + " GROUP BY 1 ORDER BY 3 DESC";
    // Queries (the planner's catalog reads) one by one; the migrations' own statements by kind.
    String top =
        "SELECT coalesce(d.datname, '-') AS db, sum(s.calls)::bigint AS calls,"
            + " sum(s.total_exec_time + s.total_plan_time) AS ms,"
            + " CASE WHEN s.query ~* '^\\s*(select|with|show)'"
            + " THEN left(regexp_replace(s.query, '\\s+', ' ', 'g'), 150)"
            + " ELSE upper(coalesce(substring(s.query from '^\\s*(\\S+\\s+\\S+)'),"
            + " trim(s.query))) || ' ...' END"
            + " AS query"
            + " FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid"
            + " WHERE s.query NOT LIKE '%pg_stat_statements%'"
            + " GROUP BY 1, 4 ORDER BY 3 DESC LIMIT 15";
    try (Connection c = dataSource("postgres").getConnection();
        Statement s = c.createStatement()) {
      double serverMs = 0;
      long calls = 0;
      StringBuilder databases = new StringBuilder();
      try (ResultSet rows = s.executeQuery(byDatabase)) {
        while (rows.next()) {
          serverMs += rows.getDouble("ms");
          calls += rows.getLong("calls");
          databases.append(
              String.format(
                  Locale.ROOT,
                  "    %-28s %7d calls %9.1f ms%n",
                  label(rows.getString("db"), database),
                  rows.getLong("calls"),
                  rows.getDouble("ms")));
        }
      }
      out.append(
          String.format(
              Locale.ROOT,
              "  %s: wall %d ms, server %.0f ms in %d statements (the rest: round trips,"
                  + " connections, Java)%n",
              runner,
              wallMillis,
              serverMs,
              calls));
      out.append(databases);
      out.append(String.format(Locale.ROOT, "    longest statements (total over calls):%n"));
      try (ResultSet rows = s.executeQuery(top)) {
        while (rows.next()) {
          out.append(
              String.format(
                  Locale.ROOT,
                  "    %8.1f ms %6d x  [%s] %s%n",
                  rows.getDouble("ms"),
                  rows.getLong("calls"),
                  label(rows.getString("db"), database),
                  rows.getString("query")));
        }
      }
    }
    return out.toString();
  }

  private static String label(String db, String target) {
    return switch (db) {
      case "-" -> "scratch (dropped)";
      case "postgres" -> "postgres (admin)";
      default -> db.equals(target) ? "target" : db;
    };
  }

  private String report(int repetitions, int warmups, Map<String, List<Long>> times) {
    Map<String, Long> medians = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Lock-impact plan benchmark: %d migrations on an empty database, %d warm-up round(s),"
                + " %d repetitions, %d cores%n",
            migrations,
            warmups,
            repetitions,
            Runtime.getRuntime().availableProcessors()));
    for (Map.Entry<String, List<Long>> entry : times.entrySet()) {
      List<Long> sorted = new ArrayList<>(entry.getValue());
      Collections.sort(sorted);
      long median = sorted.get(sorted.size() / 2);
      medians.put(entry.getKey(), median);
      out.append(
          String.format(
              Locale.ROOT,
              "  %-20s median %6d ms   runs %s%n",
              entry.getKey(),
              median,
              entry.getValue()));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "  plan/apply = %.2f (target <= 2.00)%n",
            (double) medians.get(PLAN) / medians.get(APPLY)));
    // Why the plan splits its work over two copies: on one, every statement runs twice.
    out.append(
        String.format(
            Locale.ROOT,
            "  statements rolled back and run again on one copy / once = %.2f%n",
            (double) medians.get(TWICE) / medians.get(ONCE)));
    out.append(
        String.format(
            Locale.ROOT,
            "  findings of the plan: %s%n",
            findingSamples.isEmpty() ? "-" : findingSamples.get(0)));
    return out.toString();
  }

  private DataSource dataSource(String database) {
    return BenchDatabases.dataSource(server, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  @FunctionalInterface
  private interface Runner {
    void run(DataSource dataSource) throws Exception;
  }
}
