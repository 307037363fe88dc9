package dev.pitstop.bench;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.reset.DeletionStrategy;
import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetRequest;
import dev.pitstop.reset.SeedScript;
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
import java.util.Map;
import javax.sql.DataSource;

/**
 * Resets a loaded learning-platform database (23 tables, about 1,035,000 rows, 6 system tables)
 * while 4 reader threads query it: Pitstop with strategy Delete, Pitstop with Truncate, the old way
 * (DROP SCHEMA CASCADE, re-apply the migrations, reseed), and hand-written DELETE statements in the
 * same order for comparison. Each run gets a freshly loaded database; only the reset is timed.
 * Prints, per method, the median reset time, reader errors, the longest reader stall, and whether
 * the system tables survived, with ratios.
 */
public final class ResetBenchmark {
  private static final int READERS = 4;
  private static final Duration SETTLE = Duration.ofMillis(500);

  private final EmbeddedPostgresServer server;
  private int databases;

  private ResetBenchmark(EmbeddedPostgresServer server) {
    this.server = server;
  }

  /** One measured run. */
  record Run(
      long millis,
      long errors,
      long stallMillis,
      boolean systemTablesKept,
      long queries,
      List<String> errorSamples) {}

  /** Arguments: repetitions, warm-up rounds, results directory. */
  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Path results = Path.of(args.length > 2 ? args[2] : "bench/results");
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      ResetBenchmark bench = new ResetBenchmark(server);
      Map<String, Method> methods = new LinkedHashMap<>();
      methods.put("pitstop-delete", (ds, db) -> bench.pitstop(ds, db, DeletionStrategy.DELETE));
      methods.put("pitstop-truncate", (ds, db) -> bench.pitstop(ds, db, DeletionStrategy.TRUNCATE));
      methods.put("drop-and-rebuild", (ds, db) -> bench.dropAndRebuild(ds));
      methods.put("plain-deletes", new PlainDeletes());
      for (int i = 0; i < warmups; i++) {
        for (Map.Entry<String, Method> method : methods.entrySet()) {
          System.out.println(
              "warm-up " + method.getKey() + ": " + bench.measure(method.getValue()));
        }
      }
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int i = 0; i < repetitions; i++) {
        for (Map.Entry<String, Method> method : methods.entrySet()) {
          Run run = bench.measure(method.getValue());
          System.out.println(method.getKey() + ": " + run);
          runs.computeIfAbsent(method.getKey(), k -> new ArrayList<>()).add(run);
        }
      }
      String report = report(repetitions, warmups, runs);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(results.resolve("reset-" + Instant.now().toEpochMilli() + ".txt"), report);
    }
  }

  /** Loads a fresh database, starts the readers, times the reset, checks the system tables. */
  private Run measure(Method method) throws Exception {
    String name = "reset_bench_" + (++databases);
    admin("CREATE DATABASE " + name);
    try {
      DataSource dataSource = dataSource(name);
      new MigrationEngine(dataSource)
          .migrate(MigrationRequest.builder(LearningPlatform.migrations()).build());
      try (Connection connection = dataSource.getConnection();
          Statement statement = connection.createStatement()) {
        for (String sql : LearningPlatform.load()) {
          statement.execute(sql);
        }
        statement.execute("VACUUM ANALYZE");
      }
      admin("CHECKPOINT"); // so no checkpoint of the load lands inside the timed reset
      method.prepare(dataSource, name);
      String before = systemTables(dataSource);
      long millis;
      ReaderWorkload readers = new ReaderWorkload(dataSource, READERS);
      try {
        Thread.sleep(SETTLE.toMillis());
        long start = System.nanoTime();
        method.reset(dataSource, name);
        millis = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(SETTLE.toMillis());
      } finally {
        readers.close();
      }
      long left = userRows(dataSource);
      if (left != LearningPlatform.SEEDED_ROWS) {
        throw new IllegalStateException(
            "expected " + LearningPlatform.SEEDED_ROWS + " seeded rows, found " + left);
      }
      return new Run(
          millis,
          readers.errors(),
          readers.longestMillis(),
          before.equals(systemTables(dataSource)),
          readers.queries(),
          readers.errorSamples());
    } finally {
      admin("DROP DATABASE " + name + " WITH (FORCE)");
    }
  }

  private void pitstop(DataSource dataSource, String database, DeletionStrategy strategy) {
    new ResetEngine(dataSource)
        .reset(
            ResetRequest.builder(database)
                .preserveTables(LearningPlatform.PRESERVE)
                .strategy(strategy)
                .seeds(LearningPlatform.seeds())
                .lockTimeout(Duration.ofSeconds(30))
                .build());
  }

  /** The old way: drop everything, re-apply the migrations, run the same seeds. */
  private void dropAndRebuild(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA public CASCADE");
      statement.execute("CREATE SCHEMA public");
    }
    new MigrationEngine(dataSource)
        .migrate(MigrationRequest.builder(LearningPlatform.migrations()).build());
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (SeedScript seed : LearningPlatform.seeds()) {
        for (SqlStatement sql : SqlSplitter.split(seed.sql())) {
          statement.execute(sql.sql());
        }
      }
      connection.commit();
    }
  }

  /** Row counts and a digest of every system table's content; "missing" for a dropped one. */
  private static String systemTables(DataSource dataSource) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String table : LearningPlatform.SYSTEM_TABLES) {
        try (ResultSet row =
            statement.executeQuery(
                "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                    + " FROM "
                    + table
                    + " t")) {
          row.next();
          out.append(table).append('=').append(row.getLong(1)).append('/').append(row.getString(2));
        }
        out.append(';');
      }
    }
    return out.toString();
  }

  private static long userRows(DataSource dataSource) throws SQLException {
    long total = 0;
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String table : LearningPlatform.userTables()) {
        try (ResultSet row = statement.executeQuery("SELECT count(*) FROM " + table)) {
          row.next();
          total += row.getLong(1);
        }
      }
    }
    return total;
  }

  private DataSource dataSource(String database) {
    return BenchDatabases.dataSource(server, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  private static String report(int repetitions, int warmups, Map<String, List<Run>> runs) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "SandboxReset benchmark: 23 tables, ~1,035,000 rows, 6 system tables, %d reader"
                + " threads; %d warm-up round(s), %d repetitions, %d cores%n",
            READERS, warmups, repetitions, Runtime.getRuntime().availableProcessors()));
    out.append(
        String.format(
            "  %-17s %10s %14s %14s %14s %s%n",
            "method", "median ms", "reader errors", "longest stall", "system tables", "runs (ms)"));
    Map<String, Long> medians = new LinkedHashMap<>();
    for (Map.Entry<String, List<Run>> entry : runs.entrySet()) {
      List<Long> times = new ArrayList<>(entry.getValue().stream().map(Run::millis).toList());
      Collections.sort(times);
      long median = times.get(times.size() / 2);
      medians.put(entry.getKey(), median);
      long errors = entry.getValue().stream().mapToLong(Run::errors).sum();
      long stall = entry.getValue().stream().mapToLong(Run::stallMillis).max().orElse(0);
      boolean kept = entry.getValue().stream().allMatch(Run::systemTablesKept);
      out.append(
          String.format(
              "  %-17s %10d %14d %11d ms %14s %s%n",
              entry.getKey(),
              median,
              errors,
              stall,
              kept ? "kept" : "LOST",
              entry.getValue().stream().map(Run::millis).toList()));
    }
    double deleteVsPlain = (double) medians.get("pitstop-delete") / medians.get("plain-deletes");
    double deleteVsTruncate =
        (double) medians.get("pitstop-delete") / medians.get("pitstop-truncate");
    double truncateVsRebuild =
        (double) medians.get("pitstop-truncate") / medians.get("drop-and-rebuild");
    out.append(String.format("  delete/truncate   = %.2f (target <= 3.00)%n", deleteVsTruncate));
    out.append(String.format("  truncate/rebuild  = %.2f (target <= 1.00)%n", truncateVsRebuild));
    out.append(
        String.format(
            "  delete/plain      = %.2f (Pitstop Delete vs hand-written DELETEs in the same order)%n",
            deleteVsPlain));
    return out.toString();
  }

  /** A way to reset; {@link #prepare} runs before the readers start and is not timed. */
  @FunctionalInterface
  interface Method {
    void reset(DataSource dataSource, String database) throws Exception;

    default void prepare(DataSource dataSource, String database) throws Exception {}
  }
}
