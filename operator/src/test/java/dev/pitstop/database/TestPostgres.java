package dev.pitstop.database;

import dev.pitstop.testing.TestPostgresServer;
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
 * This package's view of the shared test server ({@link TestPostgresServer}: embedded, or {@code
 * PITSTOP_TEST_JDBC_URL}): a login role with a password and a database it owns, as an application's
 * Secret would name them.
 *
 * <p>The role is a member of {@link TestPostgresServer#PASSWORD_LOGIN_GROUP}, so the embedded
 * server asks it for its password (and trusts every other login), and tests can see authentication
 * fail.
 */
final class TestPostgres {
  static final String APP_DATABASE = "pitstop_app";
  static final String APP_USER = "pitstop_app";

  /** Reserved URI characters and non-ASCII on purpose: every layout must carry it unharmed. */
  static final String APP_PASSWORD = "s3cr3t:P@ss/w%rd+ü?#";

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
      TestPostgresServer server = TestPostgresServer.shared();
      Properties url = Driver.parseURL(server.jdbcUrl(APP_DATABASE), null);
      if (url == null) {
        throw new IllegalStateException("not a jdbc:postgresql:// URL: " + server.jdbcUrl(""));
      }
      String host = url.getProperty("PGHOST", "localhost").split(",")[0];
      int port = Integer.parseInt(url.getProperty("PGPORT", "5432").split(",")[0]);
      instance = new TestPostgres(host, port, server.adminDataSource());
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

  /**
   * Creates the login role, or resets its password when it exists, and makes it a member of the
   * role whose members must give their password.
   */
  void ensureRole(String role, String password) {
    String verb = exists("select 1 from pg_roles where rolname = ?", role) ? "alter" : "create";
    // DDL takes no bind parameters; the test-owned names and passwords contain no quotes.
    execute(verb + " role " + role + " login password '" + password + "'");
    String group = TestPostgresServer.PASSWORD_LOGIN_GROUP;
    if (!exists("select 1 from pg_roles where rolname = ?", group)) {
      execute("create role " + group + " nologin");
    }
    execute("grant " + group + " to " + role);
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
