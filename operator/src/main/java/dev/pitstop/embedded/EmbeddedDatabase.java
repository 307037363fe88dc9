package dev.pitstop.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A PostgreSQL server started from Maven artifacts (no installation needed), for {@code demo}. It
 * listens on loopback only and is deleted when closed.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts a server on a free loopback port. */
  public static EmbeddedDatabase start() {
    try {
      return new EmbeddedDatabase(
          EmbeddedPostgres.builder()
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("max_connections", "200")
              .start());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start the embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** The server's port on 127.0.0.1. */
  public int port() {
    return postgres.getPort();
  }

  /** The superuser the embedded server runs with (no password on loopback). */
  public String user() {
    return "postgres";
  }

  /** Creates an empty database unless it exists. */
  public void createDatabase(String name) {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      var rs =
          s.executeQuery(
              "SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'");
      if (!rs.next()) {
        s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not create database " + name + ": " + e.getMessage(), e);
    }
  }

  /** A data source for database {@code name}. */
  public DataSource dataSource(String name) {
    return postgres.getDatabase(user(), name);
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
