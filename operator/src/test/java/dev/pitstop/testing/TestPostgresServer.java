package dev.pitstop.testing;

import dev.pitstop.embedded.EmbeddedPostgresServer;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL server that tests use: the one named by the environment variable {@value
 * #URL_VARIABLE} (a JDBC URL with user and password of a role that may create databases), or else
 * one {@link EmbeddedPostgresServer} per JVM, started on first use, which trusts every login except
 * those of {@link #PASSWORD_LOGIN_GROUP}'s members.
 */
public final class TestPostgresServer {

  /** Environment variable naming an existing server to test against. */
  public static final String URL_VARIABLE = "PITSTOP_TEST_JDBC_URL";

  /**
   * On the embedded server, the members of this role (which tests create when they need it) must
   * log in with their password (scram-sha-256), so tests can see authentication fail; every other
   * login is trusted. A server named by {@value #URL_VARIABLE} authenticates as it is configured.
   */
  public static final String PASSWORD_LOGIN_GROUP = "pitstop_password_login";

  private static final Pattern URL =
      Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(\\?.*)?$");
  private static volatile TestPostgresServer shared;

  private final String urlPrefix;
  private final String maintenanceDatabase;
  private final String urlSuffix;
  private final String user;
  private final String password;

  private TestPostgresServer(String url, String user, String password) {
    Matcher matcher = URL.matcher(url);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          URL_VARIABLE + " must look like jdbc:postgresql://host:port/database?user=...");
    }
    this.urlPrefix = matcher.group(1);
    this.maintenanceDatabase = matcher.group(2).isEmpty() ? "postgres" : matcher.group(2);
    this.urlSuffix = matcher.group(3) == null ? "" : matcher.group(3);
    this.user = user;
    this.password = password;
  }

  /** Returns the server for this JVM, starting the embedded one on first use. */
  public static TestPostgresServer shared() {
    TestPostgresServer server = shared;
    if (server == null) {
      synchronized (TestPostgresServer.class) {
        server = shared;
        if (server == null) {
          server = shared = connect();
        }
      }
    }
    return server;
  }

  private static TestPostgresServer connect() {
    String external = System.getenv(URL_VARIABLE);
    if (external != null && !external.isBlank()) {
      Properties properties = Driver.parseURL(external, new Properties());
      if (properties == null) {
        throw new IllegalArgumentException(URL_VARIABLE + " is not a PostgreSQL JDBC URL");
      }
      return new TestPostgresServer(
          external, properties.getProperty("user"), properties.getProperty("password", ""));
    }
    EmbeddedPostgresServer embedded =
        EmbeddedPostgresServer.start(
            List.of("host all +" + PASSWORD_LOGIN_GROUP + " 127.0.0.1/32 scram-sha-256"));
    return new TestPostgresServer(
        embedded.jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "postgres");
  }

  /** Returns a JDBC URL for a database on this server (with the configured query parameters). */
  public String jdbcUrl(String database) {
    return urlPrefix + database + urlSuffix;
  }

  /** Returns the role tests connect as. */
  public String user() {
    return user;
  }

  /** Returns that role's password ({@code postgres} for the embedded server, which trusts it). */
  public String password() {
    return password;
  }

  /** Returns a data source for a database on this server. */
  public DataSource dataSource(String database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(jdbcUrl(database));
    dataSource.setUser(user);
    dataSource.setPassword(password);
    return dataSource;
  }

  /** Returns a data source for the maintenance database, used to create and drop databases. */
  public DataSource adminDataSource() {
    return dataSource(maintenanceDatabase);
  }

  /**
   * An empty database with exactly this name, dropped first if an earlier run left it: for tests
   * whose manifests name the database (the examples' {@code app} and {@code sandbox}).
   */
  public TestDatabase recreateDatabase(String name) {
    return TestDatabase.recreate(this, name);
  }

  /** Creates a fresh, empty database with a unique name. */
  public TestDatabase createDatabase(String prefix) {
    return TestDatabase.create(this, prefix, "");
  }

  /**
   * Creates a fresh, empty database with a unique name and {@code CREATE DATABASE} options, e.g.
   * {@code ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0}.
   */
  public TestDatabase createDatabase(String prefix, String options) {
    return TestDatabase.create(this, prefix, options);
  }
}
