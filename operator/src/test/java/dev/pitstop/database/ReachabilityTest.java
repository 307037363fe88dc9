package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Probing a real PostgreSQL, and what each way of failing says. */
class ReachabilityTest {
  private static final Duration GENEROUS = Duration.ofSeconds(20);

  private final TestPostgres postgres = TestPostgres.get();
  private final DataSourceRegistry registry =
      new DataSourceRegistry(PoolOptions.defaults().withConnectionTimeout(Duration.ofSeconds(2)));

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void reachableDatabase() {
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);

    Reachability result = probe(settings);

    assertThat(result.reachable()).isTrue();
    assertThat(result.reason()).isEqualTo(ReachabilityReason.REACHABLE);
    assertThat(result.message()).startsWith("Connected to database \"pitstop_app\" on PostgreSQL ");
  }

  @Test
  void closedPortFailsFastAsRefused() throws IOException {
    Map<String, String> secret = new HashMap<>(postgres.appSecret());
    secret.put("host", "127.0.0.1");
    secret.put("port", Integer.toString(closedPort()));
    ConnectionSettings settings = ConnectionSettings.fromSecret("app-db", secret, null);

    long start = System.nanoTime();
    Reachability result = probe(settings);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.reachable()).isFalse();
    assertThat(result.reason()).isEqualTo(ReachabilityReason.CONNECTION_REFUSED);
    assertThat(result.message())
        .isEqualTo(
            "The connection to 127.0.0.1:"
                + secret.get("port")
                + " was refused; check the host and port and that PostgreSQL is running.");
    assertThat(result.sqlState()).startsWith("08");
    assertThat(elapsed).isLessThan(GENEROUS);
  }

  @Test
  void wrongPasswordIsAnAuthenticationFailureThatDoesNotQuoteIt() {
    assumeTrue(postgres.enforcesPasswords(), "the server accepts any password");
    Map<String, String> secret = new HashMap<>(postgres.appSecret());
    secret.put("password", "wrong-" + TestPostgres.APP_PASSWORD);
    ConnectionSettings settings = ConnectionSettings.fromSecret("app-db", secret, null);

    Reachability result = probe(settings);

    assertThat(result.reachable()).isFalse();
    assertThat(result.reason()).isEqualTo(ReachabilityReason.AUTHENTICATION_FAILED);
    assertThat(result.sqlState()).isEqualTo("28P01");
    assertThat(result.message())
        .startsWith(
            "Password authentication failed for \"pitstop_app\"; check the password in the Secret."
                + " The server said: ")
        .contains("28P01");
    assertThat(result.toString()).doesNotContain(TestPostgres.APP_PASSWORD);
  }

  @Test
  void unknownDatabaseIsNamed() {
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), "no_such_database");

    Reachability result = probe(settings);

    assertThat(result.reason()).isEqualTo(ReachabilityReason.UNKNOWN_DATABASE);
    assertThat(result.sqlState()).isEqualTo("3D000");
    assertThat(result.message())
        .isEqualTo(
            "Database \"no_such_database\" does not exist on "
                + settings.hosts().get(0)
                + "; check the database name or create the database."
                + " The server said: FATAL: database \"no_such_database\" does not exist"
                + " (SQLSTATE 3D000).");
  }

  @Test
  void unresolvableHost() {
    Map<String, String> secret = new HashMap<>(postgres.appSecret());
    secret.put("host", "pitstop-no-such-host.invalid");
    ConnectionSettings settings = ConnectionSettings.fromSecret("app-db", secret, null);

    Reachability result = probe(settings);

    assertThat(result.reason()).isEqualTo(ReachabilityReason.UNKNOWN_HOST);
    assertThat(result.message())
        .isEqualTo(
            "The host name of pitstop-no-such-host.invalid:"
                + postgres.port()
                + " could not be resolved; check the host in the Secret.");
  }

  @Test
  void serverStatesMapToFriendlySentences() {
    ConnectionSettings settings = ConnectionSettings.fromUrl("postgresql://app:hunter2@db/app");

    assertThat(Reachability.unreachable(new SQLException("FATAL", "57P03"), settings).message())
        .isEqualTo(
            "The server db:5432 is starting up, shutting down or in recovery and accepts no"
                + " connections yet.");
    assertThat(Reachability.unreachable(new SQLException("FATAL", "53300"), settings).reason())
        .isEqualTo(ReachabilityReason.TOO_MANY_CONNECTIONS);
    assertThat(Reachability.unreachable(new SQLException("FATAL", "28000"), settings).message())
        .isEqualTo(
            "The server rejected the login of \"app\" (no pg_hba.conf entry matches, or the role"
                + " may not log in). The server said: FATAL (SQLSTATE 28000).");
    assertThat(
            Reachability.unreachable(
                    new SQLException("The server does not support SSL.", "08004"), settings)
                .reason())
        .isEqualTo(ReachabilityReason.TLS_FAILED);
    assertThat(
            Reachability.unreachable(
                    new SQLException("SSL error", new javax.net.ssl.SSLHandshakeException("bad")),
                    settings)
                .message())
        .startsWith("TLS to db:5432 failed; check sslmode in the Secret");
    assertThat(
            Reachability.unreachable(new SQLTransientConnectionException("timed out"), settings)
                .reason())
        .isEqualTo(ReachabilityReason.POOL_EXHAUSTED);
    assertThat(
            Reachability.unreachable(
                    new SQLException("x", "08001", new ConnectException("refused")), null)
                .message())
        .isEqualTo(
            "The connection to the database server was refused; check the host and port and that"
                + " PostgreSQL is running.");
  }

  @Test
  void unknownFailuresQuoteTheDriverWithoutSecrets() {
    ConnectionSettings settings = ConnectionSettings.fromUrl("postgresql://app:hunter2@db/app");
    SQLException failure =
        new SQLException(
            "Something odd about jdbc:postgresql://db/app?user=app&password=hunter2.\nDetail: x",
            "08006");

    Reachability result = Reachability.unreachable(failure, settings);

    assertThat(result.reason()).isEqualTo(ReachabilityReason.CONNECTION_FAILED);
    assertThat(result.message())
        .isEqualTo(
            "Could not connect to db:5432: Something odd about"
                + " jdbc:postgresql://db/app?user=app&password=**** (SQLSTATE 08006).");
    assertThat(
            Reachability.unreachable(
                    new SQLException("permission denied for hunter2", "42501"), settings)
                .message())
        .isEqualTo("The database failed: permission denied for **** (SQLSTATE 42501).");
  }

  private Reachability probe(ConnectionSettings settings) {
    return Reachability.probe(
        registry.dataSource(
            TargetKey.ofSecret("shop", "app-db", settings.databaseName()), settings),
        settings);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
