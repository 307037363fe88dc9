package dev.pitstop.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL for this package's tests: an embedded server started once per JVM, or the
 * server named by {@code PITSTOP_TEST_JDBC_URL} (a superuser JDBC URL) when that is set.
 *
 * <p>The embedded server trusts the superuser but asks every other role for a password, so tests
 * can see authentication fail.
 */
final class TestPostgres {
  static final String APP_DATABASE = "pitstop_app";
  static final String APP_USER = "pitstop_app";

  /** Reserved URI characters and non-ASCII on purpose: every layout must carry it unharmed. */
  static final String APP_PASSWORD = "s3cr3t:P@ss/w%rd+ü?#";

  private static final String EXTERNAL_URL = System.getenv("PITSTOP_TEST_JDBC_URL");
  private static TestPostgres instance;

  private final String host;
  private final int port;
  private final DataSource admin;

  private TestPostgres(String host, int port, DataSource admin) {
    this.host = host;
    this.port = port;
    this.admin = admin;
  }

  static synchronized TestPostgres get() {
    if (instance == null) {
      instance = EXTERNAL_URL == null || EXTERNAL_URL.isBlank() ? embedded() : external();
      instance.ensureRole(APP_USER, APP_PASSWORD);
      instance.ensureDatabase(APP_DATABASE, APP_USER);
    }
    return instance;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  DataSource admin() {
    return admin;
  }

  /** The host/port/dbname/user/password layout of a Secret pointing at the app database. */
  Map<String, String> appSecret() {
    Map<String, String> keys = new HashMap<>();
    keys.put("host", host);
    keys.put("port", Integer.toString(port));
    keys.put("dbname", APP_DATABASE);
    keys.put("user", APP_USER);
    keys.put("password", APP_PASSWORD);
    return keys;
  }

  /** Creates the login role, or resets its password when it exists. */
  void ensureRole(String role, String password) {
    String verb = exists("select 1 from pg_roles where rolname = ?", role) ? "alter" : "create";
    // DDL takes no bind parameters; the test-owned names and passwords contain no quotes.
    execute(verb + " role " + role + " login password '" + password + "'");
  }

  void ensureDatabase(String database, String owner) {
    if (!exists("select 1 from pg_database where datname = ?", database)) {
      execute("create database " + database + " owner " + owner);
    }
  }

  private boolean exists(String sql, String name) {
    try (Connection c = admin.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, name);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void execute(String sql) {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TestPostgres embedded() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder().setDataDirectoryCustomizer(TestPostgres::writeHba).start();
      return new TestPostgres("localhost", pg.getPort(), pg.getPostgresDatabase());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeHba(java.io.File dataDirectory) {
    String hba =
        String.join(
            "\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all postgres ::1/128 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "");
    try {
      Files.writeString(Path.of(dataDirectory.getPath(), "pg_hba.conf"), hba);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TestPostgres external() {
    Properties parsed = Driver.parseURL(EXTERNAL_URL, null);
    if (parsed == null) {
      throw new IllegalStateException("PITSTOP_TEST_JDBC_URL is not a jdbc:postgresql:// URL");
    }
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL(EXTERNAL_URL);
    String host = parsed.getProperty("PGHOST", "localhost").split(",")[0];
    int port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
    return new TestPostgres(host, port, admin);
  }

  /** Whether the server refuses a wrong password (an external server may trust everyone). */
  boolean enforcesPasswords() {
    PGSimpleDataSource probe = new PGSimpleDataSource();
    probe.setServerNames(new String[] {host});
    probe.setPortNumbers(new int[] {port});
    probe.setDatabaseName(APP_DATABASE);
    probe.setUser(APP_USER);
    probe.setPassword("definitely-not-" + APP_PASSWORD);
    try {
      probe.getConnection().close();
      return false;
    } catch (SQLException e) {
      return true;
    }
  }
}
