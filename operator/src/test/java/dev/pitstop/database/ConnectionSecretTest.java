package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Secrets as CloudNativePG and Crunchy PGO write them, and what goes wrong with hand-made ones. */
class ConnectionSecretTest {

  /** What CloudNativePG writes into {@code <cluster>-app} (cluster app-db, namespace shop). */
  static Map<String, String> cloudNativePgSecret() {
    String password = "tX7ZdpQ4WbN2yLk9Rf0aHc3Ve6Sj8Mu1";
    Map<String, String> keys = new HashMap<>();
    keys.put("username", "app");
    keys.put("user", "app");
    keys.put("password", password);
    keys.put("dbname", "app");
    keys.put("host", "app-db-rw");
    keys.put("port", "5432");
    keys.put("pgpass", "app-db-rw:5432:app:app:" + password + "\n");
    keys.put("uri", "postgresql://app:" + password + "@app-db-rw.shop:5432/app");
    keys.put(
        "jdbc-uri", "jdbc:postgresql://app-db-rw.shop:5432/app?password=" + password + "&user=app");
    keys.put(
        "fqdn-uri", "postgresql://app:" + password + "@app-db-rw.shop.svc.cluster.local:5432/app");
    keys.put(
        "fqdn-jdbc-uri",
        "jdbc:postgresql://app-db-rw.shop.svc.cluster.local:5432/app?password="
            + password
            + "&user=app");
    return keys;
  }

  static final String PGO_PASSWORD = "Jv;9X<q@u4cK}h[f=1|Z/Rt+ ?:";

  /**
   * What Crunchy PGO writes into {@code <cluster>-pguser-<user>} (cluster hippo, namespace
   * postgres-operator), with a password that needs escaping: userinfo-escaped in {@code uri},
   * query-escaped in {@code jdbc-uri}.
   */
  static Map<String, String> crunchyPgoSecret() {
    Map<String, String> keys = new HashMap<>();
    keys.put("user", "hippo");
    keys.put("password", PGO_PASSWORD);
    keys.put("verifier", "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy");
    keys.put("host", "hippo-primary.postgres-operator.svc");
    keys.put("port", "5432");
    keys.put("dbname", "zoo");
    keys.put(
        "uri",
        "postgresql://hippo:Jv;9X%3Cq%40u4cK%7Dh%5Bf=1%7CZ%2FRt+%20%3F%3A"
            + "@hippo-primary.postgres-operator.svc:5432/zoo");
    keys.put(
        "jdbc-uri",
        "jdbc:postgresql://hippo-primary.postgres-operator.svc:5432/zoo"
            + "?password=Jv%3B9X%3Cq%40u4cK%7Dh%5Bf%3D1%7CZ%2FRt%2B+%3F%3A&user=hippo");
    return keys;
  }

  @Test
  void cloudNativePgSecretUsesItsUri() {
    ConnectionSettings settings =
        ConnectionSettings.fromSecret("app-db-app", cloudNativePgSecret(), null);

    assertThat(settings.hosts()).containsExactly(new HostPort("app-db-rw.shop", 5432));
    assertThat(settings.databaseName()).isEqualTo("app");
    assertThat(settings.user()).isEqualTo("app");
    assertThat(settings.password()).isEqualTo("tX7ZdpQ4WbN2yLk9Rf0aHc3Ve6Sj8Mu1");
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://app-db-rw.shop:5432/app");
  }

  @Test
  void crunchyPgoSecretGivesTheSameSettingsFromEachLayout() {
    Map<String, String> keys = crunchyPgoSecret();
    ConnectionSettings fromUri = ConnectionSettings.fromSecret("hippo-pguser-hippo", keys, null);
    keys.remove("uri");
    ConnectionSettings fromJdbcUri =
        ConnectionSettings.fromSecret("hippo-pguser-hippo", keys, null);
    keys.remove("jdbc-uri");
    ConnectionSettings fromKeys = ConnectionSettings.fromSecret("hippo-pguser-hippo", keys, null);

    assertThat(fromUri.password()).isEqualTo(PGO_PASSWORD);
    assertThat(fromUri.hosts())
        .containsExactly(new HostPort("hippo-primary.postgres-operator.svc", 5432));
    assertThat(fromUri.databaseName()).isEqualTo("zoo");
    assertThat(fromUri.user()).isEqualTo("hippo");
    assertThat(fromJdbcUri).isEqualTo(fromUri);
    assertThat(fromKeys).isEqualTo(fromUri);
    assertThat(fromKeys.fingerprint()).isEqualTo(fromUri.fingerprint());
  }

  @Test
  void databaseNameOverridesEveryLayout() {
    assertThat(ConnectionSettings.fromSecret("s", cloudNativePgSecret(), "reports").databaseName())
        .isEqualTo("reports");
    Map<String, String> keys = crunchyPgoSecret();
    keys.remove("uri");
    assertThat(ConnectionSettings.fromSecret("s", keys, "reports").databaseName())
        .isEqualTo("reports");
    keys.remove("jdbc-uri");
    assertThat(ConnectionSettings.fromSecret("s", keys, "reports").databaseName())
        .isEqualTo("reports");
    assertThat(ConnectionSettings.fromSecret("s", keys, " ").databaseName()).isEqualTo("zoo");
  }

  @Test
  void pgoSecretWithoutDatabaseNeedsTheOverride() {
    // PGO leaves out dbname, uri and jdbc-uri when the user was given no databases.
    Map<String, String> keys = crunchyPgoSecret();
    keys.keySet().removeAll(List.of("dbname", "uri", "jdbc-uri"));

    assertThatThrownBy(() -> ConnectionSettings.fromSecret("hippo-pguser-hippo", keys, null))
        .isInstanceOf(InvalidConnectionSettingsException.class)
        .hasMessage(
            "Secret hippo-pguser-hippo has no key 'dbname' and no databaseName was given to"
                + " choose one.")
        .extracting(e -> ((InvalidConnectionSettingsException) e).key())
        .isEqualTo("dbname");
    assertThat(ConnectionSettings.fromSecret("hippo-pguser-hippo", keys, "zoo").databaseName())
        .isEqualTo("zoo");
  }

  @Test
  void hostLayoutDefaultsThePortAndAcceptsUsernameAndSslmode() {
    Map<String, String> keys =
        Map.of(
            "host", " db.example.com\n",
            "dbname", "shop",
            "username", "shop_owner",
            "password", "pw with spaces \n",
            "sslmode", "verify-full");

    ConnectionSettings settings = ConnectionSettings.fromSecret("app-db", keys, null);

    assertThat(settings.hosts()).containsExactly(new HostPort("db.example.com", 5432));
    assertThat(settings.user()).isEqualTo("shop_owner");
    assertThat(settings.password()).isEqualTo("pw with spaces ");
    assertThat(settings.properties()).containsEntry("sslmode", "verify-full");
  }

  @Test
  void hostLayoutTakesSeveralHostsAndPorts() {
    Map<String, String> keys =
        Map.of("host", "h1,h2", "port", "5432,5433", "dbname", "d", "user", "u", "password", "p");

    assertThat(ConnectionSettings.fromSecret("app-db", keys, null).jdbcUrl())
        .isEqualTo("jdbc:postgresql://h1:5432,h2:5433/d");
  }

  @Test
  void missingKeysAreNamed() {
    Map<String, String> keys = new HashMap<>(Map.of("port", "5432", "password", "hunter2"));
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessage(
            "Secret app-db has no key 'host' (expected 'uri', 'jdbc-uri' or"
                + " host/port/dbname/user/password).");

    keys.put("host", "db");
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessageStartingWith("Secret app-db has no key 'user' or 'username'");

    keys.put("user", "app");
    keys.put("password", "\n");
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessageStartingWith("Secret app-db has no key 'password'")
        .isInstanceOfSatisfying(
            InvalidConnectionSettingsException.class,
            e ->
                assertThat(e.problem())
                    .isEqualTo(InvalidConnectionSettingsException.Problem.MISSING));
  }

  @Test
  void invalidValuesAreNamedWithoutThePassword() {
    Map<String, String> keys =
        new HashMap<>(
            Map.of(
                "host", "db", "port", "54x2", "dbname", "d", "user", "u", "password", "hunter2"));
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessage(
            "Secret app-db key 'port' is not a port number (expected a number from 1 to 65535).");

    keys.put("port", "5432");
    keys.put("sslmode", "required");
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessage(
            "Secret app-db key 'sslmode' must be one of disable, allow, prefer, require,"
                + " verify-ca, verify-full.");

    keys.put("uri", "mysql://u:hunter2@db/d");
    assertThatThrownBy(() -> ConnectionSettings.fromSecret("app-db", keys, null))
        .hasMessage(
            "Secret app-db key 'uri' is not a PostgreSQL URI (expected postgresql://,"
                + " postgres:// or jdbc:postgresql://).")
        .hasMessageNotContaining("hunter2");
  }
}
