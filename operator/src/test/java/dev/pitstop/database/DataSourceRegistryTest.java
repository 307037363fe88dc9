package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pools against a real PostgreSQL: connecting, replacing, closing when idle, limits. */
class DataSourceRegistryTest {
  private static final TargetKey KEY = TargetKey.ofSecret("shop", "app-db", null);

  private final TestPostgres postgres = TestPostgres.get();
  private DataSourceRegistry registry;

  @AfterEach
  void closeRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void poolFromSecretRunsQueriesAsPitstop() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);

    DataSource dataSource = registry.dataSource(KEY, settings);

    assertThat(query(dataSource, "select 1")).isEqualTo("1");
    assertThat(query(dataSource, "select current_user")).isEqualTo(TestPostgres.APP_USER);
    assertThat(query(dataSource, "select current_setting('application_name')"))
        .isEqualTo("pitstop");
    assertThat(registry.usage())
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.key()).isEqualTo(KEY);
              assertThat(u.active()).isZero();
              assertThat(u.total()).isEqualTo(u.idle()).isPositive();
              assertThat(u.maximum()).isEqualTo(4);
            });
  }

  @Test
  void uriLayoutWithPercentEncodedPasswordConnects() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    String uri =
        "postgresql://"
            + TestPostgres.APP_USER
            + ":"
            + java.net.URLEncoder.encode(
                    TestPostgres.APP_PASSWORD, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20")
            + "@"
            + postgres.host()
            + ":"
            + postgres.port()
            + "/postgres?application_name=nightly-reset";
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", Map.of("uri", uri), TestPostgres.APP_DATABASE);

    DataSource dataSource = registry.dataSource(KEY, settings);

    assertThat(query(dataSource, "select current_database()")).isEqualTo(TestPostgres.APP_DATABASE);
    assertThat(query(dataSource, "select current_setting('application_name')"))
        .isEqualTo("nightly-reset");
  }

  @Test
  void changedPasswordMovesNewConnectionsToANewPoolAndLetsInFlightWorkFinish() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    postgres.ensureRole("pitstop_rotating", "first-password-1");
    Map<String, String> secret = new java.util.HashMap<>(postgres.appSecret());
    secret.put("user", "pitstop_rotating");
    secret.put("password", "first-password-1");
    ConnectionSettings before = ConnectionSettings.fromSecret("app-db", secret, null);
    DataSource oldDataSource = registry.dataSource(KEY, before);

    try (Connection inFlight = oldDataSource.getConnection()) {
      postgres.ensureRole("pitstop_rotating", "second-password-2");
      secret.put("password", "second-password-2");
      ConnectionSettings after = ConnectionSettings.fromSecret("app-db", secret, null);
      assertThat(after.fingerprint()).isNotEqualTo(before.fingerprint());

      DataSource newDataSource = registry.dataSource(KEY, after);

      assertThat(query(newDataSource, "select 2")).isEqualTo("2");
      assertThat(query(oldDataSource, "select 3"))
          .as("a DataSource handed out earlier follows the new pool")
          .isEqualTo("3");
      assertThat(query(inFlight, "select 4"))
          .as("the old pool's borrowed connection")
          .isEqualTo("4");
      assertThat(registry.usage()).hasSize(2);
      assertThat(registry.closeIdle()).as("the old pool still lends a connection").isZero();
    }

    assertThat(registry.closeIdle()).isEqualTo(1);
    assertThat(registry.usage()).singleElement().satisfies(u -> assertThat(u.key()).isEqualTo(KEY));
  }

  @Test
  void sameSettingsKeepThePool() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);
    query(registry.dataSource(KEY, settings), "select 1");

    query(
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null)),
        "select 1");

    assertThat(registry.usage()).hasSize(1);
  }

  @Test
  void idlePoolsAreClosedAndReopenOnDemand() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults().withIdleClose(Duration.ofMillis(300)));
    DataSource dataSource =
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null));
    query(dataSource, "select 1");
    assertThat(registry.usage()).hasSize(1);

    await().atMost(Duration.ofSeconds(10)).until(() -> registry.usage().isEmpty());

    assertThat(query(dataSource, "select 5")).isEqualTo("5");
    assertThat(registry.usage()).hasSize(1);
  }

  @Test
  void aPoolOpeningAConnectionIsNotIdle() throws SQLException {
    // Swept every millisecond: each first connection takes longer than that to open.
    registry = new DataSourceRegistry(PoolOptions.defaults().withIdleClose(Duration.ofMillis(1)));
    DataSource dataSource =
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null));

    for (int i = 0; i < 20; i++) {
      assertThat(query(dataSource, "select " + i)).isEqualTo(Integer.toString(i));
    }
  }

  @Test
  void forgottenTargetsCloseOnceTheirConnectionsComeBack() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    DataSource dataSource =
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null));

    try (Connection held = dataSource.getConnection()) {
      registry.forget(KEY);
      assertThat(registry.closeIdle()).isZero();
      assertThat(query(held, "select 1")).isEqualTo("1");
    }

    assertThat(registry.closeIdle()).isEqualTo(1);
    assertThat(registry.usage()).isEmpty();
  }

  @Test
  void aPoolLendingAConnectionIsNotIdle() throws Exception {
    registry = new DataSourceRegistry(PoolOptions.defaults().withIdleClose(Duration.ofMillis(100)));
    DataSource dataSource =
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null));

    try (Connection held = dataSource.getConnection()) {
      // Four times idleClose, while the registry's sweeper looks for idle pools: this one stays.
      await()
          .during(Duration.ofMillis(400))
          .atMost(Duration.ofSeconds(5))
          .until(() -> !registry.usage().isEmpty());
      assertThat(registry.closeIdle()).isZero();
      assertThat(query(held, "select 1")).isEqualTo("1");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.usage().isEmpty());
  }

  @Test
  void poolSizeIsBounded() throws SQLException {
    registry =
        new DataSourceRegistry(
            PoolOptions.defaults()
                .withMaxPoolSize(2)
                .withConnectionTimeout(Duration.ofMillis(500)));
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);
    DataSource dataSource = registry.dataSource(KEY, settings);

    try (Connection a = dataSource.getConnection();
        Connection b = dataSource.getConnection()) {
      assertThat(a).isNotSameAs(b);
      assertThat(registry.usage().get(0).active()).isEqualTo(2);
      assertThatThrownBy(dataSource::getConnection)
          .isInstanceOfSatisfying(
              SQLException.class,
              e ->
                  assertThat(Reachability.unreachable(e, settings).reason())
                      .isEqualTo(ReachabilityReason.POOL_EXHAUSTED));
    }
  }

  @Test
  void poolCountIsBoundedAndTheLeastRecentlyUsedIdlePoolMakesRoom() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults().withMaxPools(1));
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);
    DataSource first = registry.dataSource(TargetKey.ofSecret("a", "app-db", null), settings);
    DataSource second = registry.dataSource(TargetKey.ofSecret("b", "app-db", null), settings);

    try (Connection held = first.getConnection()) {
      assertThat(query(held, "select 1")).isEqualTo("1");
      assertThatThrownBy(second::getConnection)
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                Reachability r = Reachability.unreachable(e, settings);
                assertThat(r.reason()).isEqualTo(ReachabilityReason.TOO_MANY_CONNECTIONS);
                assertThat(r.message())
                    .isEqualTo(
                        "Pitstop already has 1 connection pools open and all of them are in use.");
              });
    }

    assertThat(query(second, "select 1")).isEqualTo("1");
    assertThat(registry.usage())
        .singleElement()
        .satisfies(u -> assertThat(u.key().value()).isEqualTo("b/app-db"));
  }

  @Test
  void publishesHikariMetricsWhenGivenAMeterRegistry() throws SQLException {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    registry = new DataSourceRegistry(PoolOptions.defaults(), meters);

    query(
        registry.dataSource(
            KEY, ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null)),
        "select 1");

    assertThat(meters.find("hikaricp.connections.max").gauge()).isNotNull();
    assertThat(meters.get("hikaricp.connections.max").gauge().value()).isEqualTo(4.0);
  }

  @Test
  void closedRegistryRefusesWork() throws SQLException {
    registry = new DataSourceRegistry(PoolOptions.defaults());
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db", postgres.appSecret(), null);
    DataSource dataSource = registry.dataSource(KEY, settings);
    query(dataSource, "select 1");

    registry.close();

    assertThat(registry.usage()).isEmpty();
    assertThatThrownBy(dataSource::getConnection).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> registry.dataSource(KEY, settings))
        .isInstanceOf(IllegalStateException.class);
  }

  static String query(DataSource dataSource, String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      return query(connection, sql);
    }
  }

  static String query(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
