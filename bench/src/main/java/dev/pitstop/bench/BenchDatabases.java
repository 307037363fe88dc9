package dev.pitstop.bench;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What the benchmarks do with an embedded server's databases, in one place: a superuser data
 * source, a statement on the admin database, a timed run on a fresh database, and the removal of a
 * scripts directory.
 */
final class BenchDatabases {
  private BenchDatabases() {}

  /** A timed run on a database, given its name. */
  @FunctionalInterface
  interface Run {
    void on(String database) throws Exception;
  }

  /** A data source for {@code database} of {@code server}, as the superuser. */
  static PGSimpleDataSource dataSource(EmbeddedPostgresServer server, String database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(server.jdbcUrl(database));
    dataSource.setUser(EmbeddedPostgresServer.SUPERUSER);
    return dataSource;
  }

  /** Runs one statement on the {@code postgres} database, e.g. CREATE DATABASE or CHECKPOINT. */
  static void admin(EmbeddedPostgresServer server, String sql) throws SQLException {
    try (Connection connection = dataSource(server, "postgres").getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /**
   * Creates the empty database {@code name}, checkpoints (so no checkpoint of earlier work lands
   * inside the timed run), times {@code run} on it and drops it; only the run is timed.
   *
   * @return the run's time in milliseconds
   */
  static long timedOnFreshDatabase(EmbeddedPostgresServer server, String name, Run run)
      throws Exception {
    admin(server, "CREATE DATABASE " + name);
    admin(server, "CHECKPOINT");
    try {
      long start = System.nanoTime();
      run.on(name);
      return (System.nanoTime() - start) / 1_000_000;
    } finally {
      admin(server, "DROP DATABASE " + name + " WITH (FORCE)");
    }
  }

  /** Deletes a directory holding only files, as the benchmarks' scripts directories do. */
  static void deleteFiles(Path directory) throws IOException {
    try (var files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(directory);
  }
}
