package dev.pitstop.e2e;

import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestPostgresServer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL for the end-to-end tests: databases with the names the examples use, and the
 * connection Secrets that point the operator at them.
 */
final class E2eDatabases {
  private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/");

  private E2eDatabases() {}

  /** An empty database {@code name}, dropped first if an earlier run left it. */
  static TestDatabase fresh(String name) {
    return TestPostgresServer.shared().recreateDatabase(name);
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
}
