package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** libpq URIs and pgjdbc URLs, as a Secret's uri/jdbc-uri or the CLI's --database-url. */
class ConnectionUriTest {

  @Test
  void libpqUriWithSslmode() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl(
            "postgresql://app:pa55@db.example.com:6432/shop?sslmode=require");

    assertThat(settings.hosts()).containsExactly(new HostPort("db.example.com", 6432));
    assertThat(settings.databaseName()).isEqualTo("shop");
    assertThat(settings.user()).isEqualTo("app");
    assertThat(settings.password()).isEqualTo("pa55");
    assertThat(settings.properties()).isEqualTo(Map.of("sslmode", "require"));
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6432/shop");
  }

  @Test
  void postgresSchemeAndDefaults() {
    ConnectionSettings settings = ConnectionSettings.fromUrl("postgres://app@db");

    assertThat(settings.hosts()).containsExactly(new HostPort("db", 5432));
    assertThat(settings.databaseName())
        .as("libpq defaults the database to the user")
        .isEqualTo("app");
    assertThat(settings.password()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "postgresql://us%40er:p%40ss%3Aw%2Frd@h/d       | us@er | p@ss:w/rd",
        "postgresql://u:a+b%20c@h/d                     | u     | a+b c",
        "postgresql://u:p@ss:w@h/d                      | u     | p@ss:w",
        "postgresql://u:%E2%82%AC%C3%BC@h/d             | u     | €ü",
        "postgresql://h/d?user=u&password=x%26y         | u     | x&y",
        "jdbc:postgresql://h/d?user=u&password=a+b%2Bc  | u     | a b+c",
        "jdbc:postgresql://h/d?password=x%3D1&user=u    | u     | x=1",
      })
  void credentialsArePercentDecoded(String uri, String user, String password) {
    ConnectionSettings settings = ConnectionSettings.fromUrl(uri);

    assertThat(settings.user()).isEqualTo(user);
    assertThat(settings.password()).isEqualTo(password);
  }

  @Test
  void ipv6HostsInBrackets() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl("postgresql://u:p@[::1]:5433,[2001:db8::7]/d");

    assertThat(settings.hosts())
        .containsExactly(new HostPort("::1", 5433), new HostPort("2001:db8::7", 5432));
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433,[2001:db8::7]:5432/d");
  }

  @Test
  void multipleHostsWithTargetSessionAttrs() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl(
            "postgresql://u:p@h1:5432,h2:5433/d?target_session_attrs=read-write");

    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://h1:5432,h2:5433/d");
    assertThat(settings.properties()).containsEntry("targetServerType", "primary");
  }

  @Test
  void libpqParametersBecomeDriverProperties() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl(
            "postgresql://u:p@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt"
                + "&application_name=nightly&connect_timeout=7&target_session_attrs=prefer-standby"
                + "&keepalives_idle=30");

    assertThat(settings.properties())
        .isEqualTo(
            Map.of(
                "sslmode", "verify-full",
                "sslrootcert", "/etc/ca.crt",
                "ApplicationName", "nightly",
                "connectTimeout", "7",
                "targetServerType", "preferSecondary"));
  }

  @Test
  void jdbcUrlParametersPassThrough() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl(
            "jdbc:postgresql://h:5433/my%20db?user=u&password=p&ssl=true&sslmode=verify-ca");

    assertThat(settings.hosts()).containsExactly(new HostPort("h", 5433));
    assertThat(settings.databaseName()).isEqualTo("my db");
    assertThat(settings.properties()).isEqualTo(Map.of("ssl", "true", "sslmode", "verify-ca"));
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5433/my%20db");
  }

  @Test
  void databaseNameOverride() {
    ConnectionSettings settings = ConnectionSettings.fromUrl("postgresql://u:p@h/d");

    assertThat(settings.withDatabaseName("other").jdbcUrl())
        .isEqualTo("jdbc:postgresql://h:5432/other");
    assertThat(settings.withDatabaseName(null)).isSameAs(settings);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "mysql://u:hunter2@h/d           | is not a PostgreSQL URI",
        "postgresql:///d?user=u&password=hunter2 | has no host (Unix-domain sockets are not supported).",
        "postgresql://u:hunter2@h:99999/d | has an invalid port (expected a number from 1 to 65535).",
        "postgresql://u:hunter2@h:x/d    | has an invalid port",
        "postgresql://:hunter2@h/d       | has no user name",
        "postgresql://u:hunter2%zz@h/d   | has an invalid percent-encoding in the password.",
        "postgresql://u:hunter2@::1/d    | has an IPv6 address without brackets.",
        "postgresql://u:hunter2@[::1/d   | has a malformed IPv6 address",
        "postgresql://u:hunter2@h/d?sslmode=on | parameter 'sslmode' must be one of disable,",
        "postgresql://u:hunter2@h/d?frobnicate=1 | has the unsupported parameter 'frobnicate'.",
        "postgresql://u:hunter2@h/d?connect_timeout=soon | has an invalid connect_timeout",
        "postgresql://u:hunter2@h/d?target_session_attrs=x | has an invalid target_session_attrs",
      })
  void malformedUrlsAreExplainedWithoutThePassword(String url, String explanation) {
    assertThatThrownBy(() -> ConnectionSettings.fromUrl(url))
        .isInstanceOf(InvalidConnectionSettingsException.class)
        .hasMessageStartingWith("--database-url ")
        .hasMessageContaining(explanation)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void misplacedPasswordFragmentsAreNotQuoted() {
    // An unencoded '?' ends the authority early, so the rest of the password looks like a
    // parameter.
    assertThatThrownBy(() -> ConnectionSettings.fromUrl("postgresql://u:hun?ter2@h/d"))
        .hasMessageNotContaining("ter2");
  }

  @Test
  void toStringRedactsPasswords() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl(
            "postgresql://u:hunter2@h/d?sslpassword=keypass&sslmode=require");

    assertThat(settings.toString())
        .doesNotContain("hunter2", "keypass")
        .contains("password=****", "sslpassword=****", "sslmode=require", "user=u");
    assertThat(settings.describe()).isEqualTo("u@h:5432/d");
  }

  @Test
  void fingerprintFollowsEverySettingButHidesThePassword() {
    ConnectionSettings settings = ConnectionSettings.fromUrl("postgresql://u:hunter2@h/d");

    assertThat(settings.fingerprint())
        .isEqualTo(ConnectionSettings.fromUrl("postgres://u:hunter2@h:5432/d").fingerprint())
        .isNotEqualTo(ConnectionSettings.fromUrl("postgresql://u:hunter3@h/d").fingerprint())
        .isNotEqualTo(settings.withDatabaseName("e").fingerprint())
        .isNotEqualTo(
            ConnectionSettings.fromUrl("postgresql://u:hunter2@h/d?sslmode=require").fingerprint())
        .doesNotContain("hunter2")
        .hasSize(32);
  }
}
