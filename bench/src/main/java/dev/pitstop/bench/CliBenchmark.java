package dev.pitstop.bench;

import dev.pitstop.cli.Cli;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What {@code pitstop migrate} costs on top of the engine it wraps: the same N migrations applied
 * by {@link MigrationEngine#migrate} called directly (the baseline), by the CLI in-process (URL
 * parsing, pool, connection check, progress lines), and by {@code java -jar pitstop.jar migrate} in
 * a new JVM (adds JVM start-up and class loading), each on a fresh database of one embedded server.
 */
public final class CliBenchmark {
  private final EmbeddedPostgresServer server;
  private final Path scripts;
  private final Path jar;
  private int databases;

  private CliBenchmark(EmbeddedPostgresServer server, Path scripts, Path jar) {
    this.server = server;
    this.scripts = scripts;
    this.jar = jar;
  }

  /** Arguments: migrations, repetitions, warm-up rounds, results directory, pitstop.jar. */
  public static void main(String[] args) throws Exception {
    int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path results = Path.of(args.length > 3 ? args[3] : "bench/results");
    Path jar = Path.of(args.length > 4 ? args[4] : "operator/target/pitstop.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; build it with mvn package first");
    }
    Path scripts = Files.createTempDirectory("pitstop-cli-bench-scripts");
    MigrationBenchmark.writeScripts(scripts, migrations);
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      CliBenchmark bench = new CliBenchmark(server, scripts, jar);
      Map<String, Runner> runners = new LinkedHashMap<>();
      runners.put("engine", bench::engine);
      runners.put("cli", bench::cliInProcess);
      runners.put("jar", bench::jar);
      Map<String, List<Long>> times =
          Interleaved.times(runners, warmups, repetitions, bench::timed);
      String report = report(migrations, repetitions, warmups, times);
      System.out.println(report);
      Files.createDirectories(results);
      Files.writeString(results.resolve("cli-" + Instant.now().toEpochMilli() + ".txt"), report);
    } finally {
      BenchDatabases.deleteFiles(scripts);
    }
  }

  /** A database is created before and dropped after each run; only the run itself is timed. */
  private long timed(Runner runner) throws Exception {
    return BenchDatabases.timedOnFreshDatabase(server, "cli_bench_" + (++databases), runner::run);
  }

  private void engine(String database) {
    PGSimpleDataSource dataSource = dataSource(database);
    new MigrationEngine(dataSource)
        .migrate(MigrationRequest.builder(MigrationScripts.fromDirectory(scripts)).build());
  }

  private void cliInProcess(String database) {
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    int exit =
        Cli.standard()
            .run(
                List.of("migrate", "--dir", scripts.toString(), "--database-url", url(database)),
                discard,
                discard,
                Map.of());
    if (exit != 0) {
      throw new IllegalStateException("pitstop migrate exited with " + exit);
    }
  }

  private void jar(String database) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "migrate",
                "--dir",
                scripts.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("PITSTOP_DATABASE_URL", url(database));
    Process process = builder.start();
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException("java -jar pitstop.jar migrate failed");
    }
  }

  private String url(String database) {
    URI uri = URI.create(server.jdbcUrl(database).substring("jdbc:".length()));
    return "postgresql://"
        + EmbeddedPostgresServer.SUPERUSER
        + "@"
        + uri.getHost()
        + ":"
        + uri.getPort()
        + "/"
        + database;
  }

  private PGSimpleDataSource dataSource(String database) {
    return BenchDatabases.dataSource(server, database);
  }

  private void admin(String sql) throws SQLException {
    BenchDatabases.admin(server, sql);
  }

  private static String report(
      int migrations, int repetitions, int warmups, Map<String, List<Long>> times) {
    Map<String, Long> medians = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "pitstop migrate (CLI) benchmark: %d migrations, %d warm-up round(s), %d repetitions,"
                + " %d cores%n",
            migrations, warmups, repetitions, Runtime.getRuntime().availableProcessors()));
    for (Map.Entry<String, List<Long>> entry : times.entrySet()) {
      List<Long> sorted = new ArrayList<>(entry.getValue());
      Collections.sort(sorted);
      long median = sorted.get(sorted.size() / 2);
      medians.put(entry.getKey(), median);
      out.append(
          String.format(
              "  %-7s median %6d ms   runs %s%n", entry.getKey(), median, entry.getValue()));
    }
    // Runs of one repetition follow each other, so their differences cancel most of the load
    // the machine had at the time; the medians alone vary much more.
    long cliOverhead = medianDifference(times.get("cli"), times.get("engine"));
    long jarOverhead = medianDifference(times.get("jar"), times.get("engine"));
    long engine = medians.get("engine");
    out.append(
        String.format(
            "  cli - engine = %d ms (median of pairwise differences; cli/engine = %.2f)%n",
            cliOverhead, (double) (engine + cliOverhead) / engine));
    out.append(
        String.format(
            "  jar - engine = %d ms (median of pairwise differences; jar/engine = %.2f)%n",
            jarOverhead, (double) (engine + jarOverhead) / engine));
    return out.toString();
  }

  private static long medianDifference(List<Long> a, List<Long> b) {
    List<Long> differences = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      differences.add(a.get(i) - b.get(i));
    }
    Collections.sort(differences);
    return differences.get(differences.size() / 2);
  }

  @FunctionalInterface
  private interface Runner {
    void run(String database) throws Exception;
  }
}
