package dev.pitstop.testing;

import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A database created for one test, with small helpers to run SQL and read single values. Checked
 * SQL exceptions are rethrown unchecked so test code stays short.
 */
public final class TestDatabase implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final TestPostgresServer server;
  private final String name;
  private final DataSource dataSource;

  private TestDatabase(TestPostgresServer server, String name) {
    this.server = server;
    this.name = name;
    this.dataSource = server.dataSource(name);
  }

  static TestDatabase create(TestPostgresServer server, String prefix, String options) {
    String name =
        prefix
            + "_"
            + ProcessHandle.current().pid()
            + "_"
            + COUNTER.incrementAndGet()
            + "_"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    run(
        server.adminDataSource(),
        "CREATE DATABASE " + SqlIdentifiers.quote(name) + (options.isEmpty() ? "" : " " + options));
    return new TestDatabase(server, name);
  }

  /** An empty database named {@code name}, dropped first (sessions and all) if it exists. */
  static TestDatabase recreate(TestPostgresServer server, String name) {
    run(
        server.adminDataSource(),
        "DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
    run(server.adminDataSource(), "CREATE DATABASE " + SqlIdentifiers.quote(name));
    return new TestDatabase(server, name);
  }

  /** Returns the database name. */
  public String name() {
    return name;
  }

  /** Returns a JDBC URL of this database (credentials as given in {@link #user()}). */
  public String jdbcUrl() {
    return server.jdbcUrl(name);
  }

  /** Returns the role tests connect as. */
  public String user() {
    return server.user();
  }

  /** Returns that role's password. */
  public String password() {
    return server.password();
  }

  /** Returns a non-pooling data source: each {@code getConnection()} opens a new session. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** Runs one or more statements (separated by semicolons) in autocommit mode. */
  public void execute(String sql) {
    run(dataSource, sql);
  }

  /** Returns the first column of the first row as a long; fails if there is no row. */
  public long queryLong(String sql, Object... params) {
    List<String> values = queryStrings(sql, params);
    if (values.isEmpty() || values.get(0) == null) {
      throw new AssertionError("query returned no value: " + sql);
    }
    return Long.parseLong(values.get(0));
  }

  /** Returns the first column of every row as text. */
  public List<String> queryStrings(String sql, Object... params) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      List<String> values = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          values.add(rows.getString(1));
        }
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
    }
  }

  /** Counts the rows of a table given as {@code table} or {@code schema.table}. */
  public long rowCount(String table) {
    return queryLong("SELECT count(*) FROM " + SqlIdentifiers.qualified(table).sql());
  }

  /** Tells whether a table (or view) of that name is visible. */
  public boolean tableExists(String table) {
    return !queryStrings("SELECT to_regclass(?)::text", SqlIdentifiers.qualified(table).sql())
        .contains(null);
  }

  /** Drops the database, disconnecting sessions still open on it. */
  @Override
  public void close() {
    run(
        server.adminDataSource(),
        "DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
  }

  private static void run(DataSource dataSource, String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
    }
  }
}
