package dev.pitstop.e2e;

import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.testing.TestPostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * PostgreSQL for the end-to-end tests: databases with the names the examples use, and the
 * connection Secrets that point the operator at them.
 */
final class E2eDatabases {
  private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/");

  private E2eDatabases() {}

  /** An empty database {@code name}, dropped first if an earlier run left it. */
  static DataSource fresh(String name) {
    TestPostgresServer server = TestPostgresServer.shared();
    try (Connection c = server.adminDataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
      s.execute("CREATE DATABASE " + SqlIdentifiers.quote(name));
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name, e);
    }
    return server.dataSource(name);
  }

  /** A connection Secret in CloudNativePG's layout for database {@code database}. */
  static String secret(String name, String namespace, String database) {
    TestPostgresServer server = TestPostgresServer.shared();
    Matcher m = HOST_PORT.matcher(server.jdbcUrl(database));
    if (!m.find()) {
      throw new IllegalStateException("unexpected JDBC URL " + server.jdbcUrl(database));
    }
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: " + name,
        "  namespace: " + namespace,
        "type: kubernetes.io/basic-auth",
        "stringData:",
        "  host: \"" + m.group(1) + "\"",
        "  port: \"" + m.group(2) + "\"",
        "  dbname: \"" + database + "\"",
        "  username: \"" + server.user() + "\"",
        "  password: \"" + server.password() + "\"",
        "");
  }

  static long queryLong(DataSource db, String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static List<String> queryStrings(DataSource db, String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static void execute(DataSource db, String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
