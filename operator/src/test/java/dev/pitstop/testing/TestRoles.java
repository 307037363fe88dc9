package dev.pitstop.testing;

import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Login roles and sessions for one test. Roles are cluster-wide, so each gets a unique name and is
 * dropped (after its sessions are closed) when the test ends. Register after the {@link
 * PostgresExtension} so it runs before the test database is dropped.
 */
public final class TestRoles implements AfterEachCallback {
  public static final String PASSWORD = "role-pw";

  private final PostgresExtension pg;
  private final List<String> roles = new ArrayList<>();
  private final List<Connection> sessions = new ArrayList<>();

  public TestRoles(PostgresExtension pg) {
    this.pg = pg;
  }

  /** Creates a login role {@code <prefix>_<random>} with extra options, e.g. {@code CREATEROLE}. */
  public String create(String prefix, String options) {
    String name = prefix + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    pg.execute(
        "CREATE ROLE "
            + SqlIdentifiers.quote(name)
            + " LOGIN PASSWORD '"
            + PASSWORD
            + "' "
            + options);
    pg.execute("GRANT ALL ON SCHEMA public TO " + SqlIdentifiers.quote(name));
    roles.add(name);
    return name;
  }

  /**
   * Creates a login role that owns nothing, with SELECT, INSERT and DELETE on the tables of schema
   * public and USAGE, SELECT and UPDATE on its sequences: a reset's role that restarts sequences
   * with setval (which a rollback does not undo), since it cannot ALTER them.
   */
  public String createOwningNothing(String prefix) {
    String name = create(prefix, "");
    pg.execute(
        "GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO "
            + SqlIdentifiers.quote(name)
            + "; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "
            + SqlIdentifiers.quote(name));
    return name;
  }

  /**
   * Creates a login role that must give its password even on the embedded server (which trusts
   * everyone else): a member of {@link TestPostgresServer#PASSWORD_LOGIN_GROUP}. Embedded server
   * only; callers skip otherwise.
   */
  public String createWithPasswordLogin(String prefix) {
    String group = TestPostgresServer.PASSWORD_LOGIN_GROUP;
    pg.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
            + group
            + "') THEN CREATE ROLE "
            + group
            + " NOLOGIN; END IF; END $$");
    return create(prefix, "IN ROLE " + group);
  }

  /** Opens a session as {@code role} on the test database with an application name. */
  public Connection connect(String role, String applicationName) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", role);
    properties.setProperty("password", PASSWORD);
    properties.setProperty("ApplicationName", applicationName);
    Connection connection = DriverManager.getConnection(pg.jdbcUrl(), properties);
    sessions.add(connection);
    return connection;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (Connection session : sessions) {
      try {
        session.close();
      } catch (SQLException ignored) {
        // already terminated
      }
    }
    for (String role : roles) {
      String quoted = SqlIdentifiers.quote(role);
      pg.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
              + role.replace("'", "''")
              + "'");
      pg.execute("DROP OWNED BY " + quoted);
      try (Connection admin = pg.adminDataSource().getConnection();
          Statement statement = admin.createStatement()) {
        statement.execute("DROP ROLE IF EXISTS " + quoted);
      }
    }
  }
}
