package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.pitstop.logging.Redaction;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Drives pools through success and every failure with HikariCP, pgjdbc and Pitstop logging at debug
 * level, and checks that the password shows up in no log line, message or toString.
 */
class PasswordSecrecyTest {
  private static final String PASSWORD = TestPostgres.APP_PASSWORD;
  private static final List<String> SPELLINGS =
      List.of(
          PASSWORD,
          URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8),
          URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8).replace("+", "%20"));

  private final TestPostgres postgres = TestPostgres.get();

  @Test
  void passwordNeverReachesLogsMessagesOrToString() throws Exception {
    List<String> texts = new ArrayList<>();
    try (LogCapture logs = new LogCapture()) {
      try (DataSourceRegistry registry =
          new DataSourceRegistry(
              PoolOptions.defaults()
                  .withConnectionTimeout(Duration.ofSeconds(1))
                  .withIdleClose(Duration.ofMillis(200)))) {
        ConnectionSettings good =
            ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);
        DataSource dataSource = registry.dataSource(new TargetKey("good"), good);
        try (Connection c = dataSource.getConnection()) {
          texts.add(c.toString());
        }
        texts.add(Reachability.probe(dataSource, good).toString());
        texts.add(good.toString());
        texts.add(good.jdbcUrl());
        texts.add(good.describe());
        texts.add(good.fingerprint());
        texts.add(dataSource.toString());
        texts.add(registry.usage().toString());

        // The same password against a closed port, and as the wrong password of another role.
        Map<String, String> refused = new HashMap<>(postgres.appSecret());
        refused.put("host", "127.0.0.1");
        refused.put("port", Integer.toString(closedPort()));
        texts.addAll(
            failures(registry, "refused", ConnectionSettings.fromSecret("s", refused, null)));
        Map<String, String> wrongUser = new HashMap<>(postgres.appSecret());
        wrongUser.put("user", "pitstop_nobody");
        texts.addAll(
            failures(registry, "wrong", ConnectionSettings.fromSecret("s", wrongUser, null)));

        // A changed Secret replaces the pool; idle pools close.
        Map<String, String> uriSecret =
            Map.of(
                "uri",
                "postgresql://"
                    + TestPostgres.APP_USER
                    + ":"
                    + SPELLINGS.get(2)
                    + "@"
                    + postgres.host()
                    + ":"
                    + postgres.port()
                    + "/"
                    + TestPostgres.APP_DATABASE
                    + "?connect_timeout=3");
        ConnectionSettings viaUri = ConnectionSettings.fromSecret("app-db", uriSecret, null);
        DataSourceRegistryTest.query(
            registry.dataSource(new TargetKey("good"), viaUri), "select 1");
        texts.add(viaUri.toString());
        String jdbcUri =
            "jdbc:postgresql://"
                + postgres.host()
                + ":"
                + postgres.port()
                + "/"
                + TestPostgres.APP_DATABASE
                + "?user="
                + TestPostgres.APP_USER
                + "&password="
                + SPELLINGS.get(1)
                + "&sslpassword=Key-"
                + SPELLINGS.get(1);
        ConnectionSettings viaJdbcUri =
            ConnectionSettings.fromSecret("app-db", Map.of("jdbc-uri", jdbcUri), null);
        DataSourceRegistryTest.query(
            registry.dataSource(new TargetKey("jdbc"), viaJdbcUri), "select 1");
        texts.add(viaJdbcUri.toString());
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  registry.closeIdle();
                  return registry.usage().isEmpty();
                });

        // Parse errors of URIs that carry the password.
        texts.add(parseError(Map.of("uri", "postgresql://u:" + PASSWORD + "@h:x/d")));
        texts.add(parseError(Map.of("jdbc-uri", "jdbc:postgresql://h/d?password=" + PASSWORD)));
        texts.add(parseError(Map.of("password", PASSWORD, "host", "h", "port", "0")));
      }
      texts.addAll(logs.lines());
      assertThat(logs.lines())
          .as("HikariCP did log at debug level, so the check below means something")
          .anyMatch(line -> line.contains("pitstop-good"));
    }

    for (String spelling : SPELLINGS) {
      assertThat(texts).noneMatch(text -> text != null && text.contains(spelling));
    }
  }

  private static List<String> failures(
      DataSourceRegistry registry, String key, ConnectionSettings settings) {
    DataSource dataSource = registry.dataSource(new TargetKey(key), settings);
    List<String> texts = new ArrayList<>();
    Reachability result = Reachability.probe(dataSource, settings);
    assertThat(result.reachable()).isFalse();
    texts.add(result.toString());
    try (Connection unexpected = dataSource.getConnection()) {
      throw new AssertionError("connected to " + unexpected.getMetaData().getURL());
    } catch (SQLException e) {
      texts.add(Redaction.none().apply(e));
      for (Throwable t = e; t != null; t = t.getCause()) {
        texts.add(t.toString());
      }
    }
    return texts;
  }

  private static String parseError(Map<String, String> secret) {
    Throwable error = catchThrowable(() -> ConnectionSettings.fromSecret("app-db", secret, null));
    assertThat(error).isInstanceOf(InvalidConnectionSettingsException.class);
    return error.getMessage();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
