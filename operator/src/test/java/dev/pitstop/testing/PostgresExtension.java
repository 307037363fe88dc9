package dev.pitstop.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives every test a fresh, empty PostgreSQL database on one server shared by the whole JVM (see
 * {@link TestPostgresServer}: embedded, or {@code PITSTOP_TEST_JDBC_URL}).
 *
 * <pre>{@code
 * @RegisterExtension static PostgresExtension pg = new PostgresExtension();
 *
 * @Test void works() {
 *   pg.execute("CREATE TABLE t (id int)");
 *   new MigrationEngine(pg.dataSource())...;
 *   assertThat(pg.rowCount("t")).isZero();
 * }
 * }</pre>
 *
 * Databases are dropped after each test unless the system property {@code
 * pitstop.test.keepDatabases} is {@code true}. Extra databases from {@link #createDatabase()} are
 * dropped too. Tests of one class must not run concurrently with each other.
 */
public final class PostgresExtension implements BeforeEachCallback, AfterEachCallback {

  private volatile TestDatabase current;
  private final List<TestDatabase> extra = new CopyOnWriteArrayList<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    current = server().createDatabase("pitstop_test");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (Boolean.getBoolean("pitstop.test.keepDatabases")) {
      return;
    }
    for (TestDatabase database : extra) {
      database.close();
    }
    extra.clear();
    if (current != null) {
      current.close();
      current = null;
    }
  }

  /** Returns the shared server. */
  public TestPostgresServer server() {
    return TestPostgresServer.shared();
  }

  /** Returns the current test's database. */
  public TestDatabase database() {
    TestDatabase database = current;
    if (database == null) {
      throw new IllegalStateException("No test database: is the extension registered?");
    }
    return database;
  }

  /** Creates one more fresh database, dropped after the test. */
  public TestDatabase createDatabase() {
    return createDatabase("");
  }

  /**
   * Creates one more fresh database with {@code CREATE DATABASE} options, dropped after the test.
   */
  public TestDatabase createDatabase(String options) {
    TestDatabase database = server().createDatabase("pitstop_test", options);
    extra.add(database);
    return database;
  }

  /** Returns a data source for the test's database (a new session per connection). */
  public DataSource dataSource() {
    return database().dataSource();
  }

  /** Returns a data source for the server's maintenance database, as the test role. */
  public DataSource adminDataSource() {
    return server().adminDataSource();
  }

  /** Returns the JDBC URL of the test's database. */
  public String jdbcUrl() {
    return database().jdbcUrl();
  }

  /** Returns the role tests connect as. */
  public String user() {
    return server().user();
  }

  /** Returns that role's password. */
  public String password() {
    return server().password();
  }

  /** Returns the name of the test's database. */
  public String databaseName() {
    return database().name();
  }

  /** Runs SQL on the test's database in autocommit mode. */
  public void execute(String sql) {
    database().execute(sql);
  }

  /** Returns the first column of the first row as a long. */
  public long queryLong(String sql, Object... params) {
    return database().queryLong(sql, params);
  }

  /** Returns the first column of every row as text. */
  public List<String> queryStrings(String sql, Object... params) {
    return database().queryStrings(sql, params);
  }

  /** Counts the rows of a table. */
  public long rowCount(String table) {
    return database().rowCount(table);
  }

  /** Tells whether a table or view is visible. */
  /**
   * Waits until a session on this database runs a statement starting with {@code prefix} (e.g. a
   * {@code SELECT pg_sleep(60)} a test cancels), at most 30 s.
   */
  public void awaitActiveStatement(String prefix) {
    org.awaitility.Awaitility.await("a session running " + prefix)
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> activeStatements(prefix) == 1);
  }

  /** How many sessions on this database run a statement starting with {@code prefix} now. */
  public long activeStatements(String prefix) {
    return queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
            + " AND datname = current_database() AND starts_with(query, ?)",
        prefix);
  }

  public boolean tableExists(String table) {
    return database().tableExists(table);
  }
}
