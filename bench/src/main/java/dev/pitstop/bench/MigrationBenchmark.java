package dev.pitstop.bench;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Applies the same N small migrations with Pitstop's engine, with Flyway and with a bare JDBC
 * session (the floor: same SQL, no bookkeeping), each on a fresh database of one embedded server,
 * and prints medians and ratios.
 */
public final class MigrationBenchmark {

  private final EmbeddedPostgresServer server;
  private final Path scripts;
  private int databases;

  private MigrationBenchmark(EmbeddedPostgresServer server, Path scripts) {
    this.server = server;
    this.scripts = scripts;
  }

  /** Arguments: migrations, repetitions, warm-up rounds, results directory. */
  public static void main(String[] args) throws Exception {
    int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path results = Path.of(args.length > 3 ? args[3] : "bench/results");
    Path scripts = Files.createTempDirectory("pitstop-bench-scripts");
    writeScripts(scripts, migrations);
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      MigrationBenchmark bench = new MigrationBenchmark(server, scripts);
      Map<String, Runner> runners = new LinkedHashMap<>();
      runners.put("pitstop", bench::pitstop);
      runners.put("flyway", bench::flyway);
      runners.put("floor", bench::floor);
      runners.put("floor-statements", bench::floorPerStatement);
      Map<String, List<Long>> times =
          Interleaved.times(runners, warmups, repetitions, bench::timed);
      String report = report(migrations, repetitions, warmups, times);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(
          results.resolve("migration-" + Instant.now().toEpochMilli() + ".txt"), report);
    } finally {
      BenchDatabases.deleteFiles(scripts);
    }
  }

  /** A database is created before and dropped after each run; only the run itself is timed. */
  private long timed(Runner runner) throws Exception {
    return BenchDatabases.timedOnFreshDatabase(
        server, "bench_" + (++databases), db -> runner.run(dataSource(db)));
  }

  private void pitstop(DataSource dataSource) {
    new MigrationEngine(dataSource)
        .migrate(MigrationRequest.builder(MigrationScripts.fromDirectory(scripts)).build());
  }

  private void flyway(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("filesystem:" + scripts).load().migrate();
  }

  /** The same files, one transaction each, each file sent in one call; nothing recorded. */
  private void floor(DataSource dataSource) throws SQLException, IOException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (var script : MigrationScripts.fromDirectory(scripts)) {
        statement.execute(script.sql());
        connection.commit();
      }
    }
  }

  /**
   * For insight, not a target: like the floor but one call per statement, as Pitstop sends them, so
   * the rest of the difference is Pitstop's bookkeeping.
   */
  private void floorPerStatement(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (var script : MigrationScripts.fromDirectory(scripts)) {
        for (SqlStatement sql : SqlSplitter.split(script.sql())) {
          statement.execute(sql.sql());
        }
        connection.commit();
      }
    }
  }

  private DataSource dataSource(String database) {
    return BenchDatabases.dataSource(server, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  /** Each migration: a table, an index and a few inserts, as a typical small schema change. */
  static void writeScripts(Path dir, int count) throws IOException {
    for (int i = 1; i <= count; i++) {
      String t = "item_" + i;
      Files.writeString(
          dir.resolve(String.format("V%d__create_%s.sql", i, t)),
          "CREATE TABLE "
              + t
              + " (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz"
              + " DEFAULT now());\n"
              + "CREATE INDEX "
              + t
              + "_name_idx ON "
              + t
              + " (name);\n"
              + "INSERT INTO "
              + t
              + " (name) VALUES ('a');\n"
              + "INSERT INTO "
              + t
              + " (name) VALUES ('b');\n"
              + "INSERT INTO "
              + t
              + " (name) VALUES ('c');\n");
    }
  }

  private static String report(
      int migrations, int repetitions, int warmups, Map<String, List<Long>> times) {
    Map<String, Long> medians = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "DatabaseMigration engine benchmark: %d migrations, %d warm-up round(s), %d"
                + " repetitions, %d cores%n",
            migrations, warmups, repetitions, Runtime.getRuntime().availableProcessors()));
    for (Map.Entry<String, List<Long>> entry : times.entrySet()) {
      List<Long> sorted = new ArrayList<>(entry.getValue());
      Collections.sort(sorted);
      long median = sorted.get(sorted.size() / 2);
      medians.put(entry.getKey(), median);
      out.append(
          String.format(
              "  %-16s median %6d ms   runs %s%n", entry.getKey(), median, entry.getValue()));
    }
    double vsFlyway = (double) medians.get("pitstop") / medians.get("flyway");
    double vsFloor = (double) medians.get("pitstop") / medians.get("floor");
    out.append(String.format("  pitstop/flyway = %.2f (target <= 0.80)%n", vsFlyway));
    out.append(String.format("  pitstop/floor  = %.2f (target <= 1.50)%n", vsFloor));
    if (medians.containsKey("floor-statements")) {
      out.append(
          String.format(
              "  pitstop/floor-statements = %.2f (bookkeeping only, for insight)%n",
              (double) medians.get("pitstop") / medians.get("floor-statements")));
    }
    return out.toString();
  }

  @FunctionalInterface
  private interface Runner {
    void run(DataSource dataSource) throws Exception;
  }
}
