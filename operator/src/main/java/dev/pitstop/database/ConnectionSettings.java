package dev.pitstop.database;

import dev.pitstop.logging.Redaction;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where and as whom to connect to PostgreSQL, parsed from a Secret or a URL.
 *
 * <p>The JDBC URL built from it never carries credentials: the password travels separately, so that
 * nothing which prints the URL (the pool, the driver, a log line) can print the password. {@link
 * #toString()} redacts the password and every password-like driver property.
 *
 * @param hosts one or more servers, tried in order
 * @param databaseName the database to connect to
 * @param user the role to log in as
 * @param password the role's password, or {@code null} when the server does not ask for one
 * @param properties pgjdbc driver properties, e.g. {@code sslmode}, {@code ApplicationName}
 */
public record ConnectionSettings(
    List<HostPort> hosts,
    String databaseName,
    String user,
    String password,
    Map<String, String> properties) {

  public static final int DEFAULT_PORT = 5432;

  /** The application name Pitstop's sessions show in {@code pg_stat_activity} unless set. */
  public static final String DEFAULT_APPLICATION_NAME = "pitstop";

  private static final String REDACTED = "****";

  public ConnectionSettings {
    hosts = List.copyOf(Objects.requireNonNull(hosts, "hosts"));
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("at least one host is required");
    }
    requireText(databaseName, "databaseName");
    requireText(user, "user");
    password = password == null || password.isEmpty() ? null : password;
    properties = Collections.unmodifiableMap(new TreeMap<>(properties));
  }

  /**
   * Reads a Secret's decoded keys: {@code uri}, else {@code jdbc-uri}, else {@code host}, {@code
   * port}, {@code dbname}, {@code user} or {@code username}, {@code password}, {@code sslmode}.
   *
   * @param secretName named in error messages
   * @param keys the Secret's keys with their decoded values
   * @param databaseName replaces the Secret's database name when neither null nor blank
   * @throws InvalidConnectionSettingsException naming the key that is missing or malformed
   */
  public static ConnectionSettings fromSecret(
      String secretName, Map<String, String> keys, String databaseName) {
    return ConnectionSecret.parse(secretName, keys, databaseName);
  }

  /**
   * Parses a {@code postgresql://}, {@code postgres://} or {@code jdbc:postgresql://} URL, e.g. the
   * CLI's {@code --database-url}.
   *
   * @throws InvalidConnectionSettingsException naming the part of the URL that is wrong
   */
  public static ConnectionSettings fromUrl(String url) {
    return ConnectionUri.parse(url, "--database-url", "--database-url");
  }

  /** These settings with another database; {@code null} or blank keeps the current one. */
  public ConnectionSettings withDatabaseName(String otherDatabaseName) {
    if (otherDatabaseName == null || otherDatabaseName.isBlank()) {
      return this;
    }
    return new ConnectionSettings(hosts, otherDatabaseName.trim(), user, password, properties);
  }

  /** {@code jdbc:postgresql://host:port[,host:port]/database}, without credentials or options. */
  public String jdbcUrl() {
    String hostList = hosts.stream().map(HostPort::toString).collect(Collectors.joining(","));
    String database = URLEncoder.encode(databaseName, StandardCharsets.UTF_8).replace("+", "%20");
    return "jdbc:postgresql://" + hostList + "/" + database;
  }

  /**
   * A hash of every setting, the password included, to notice that a Secret changed. It is the same
   * for equal settings across processes and cannot be turned back into the password; still, keep it
   * out of status and logs, as a weak password could be guessed against it.
   */
  public String fingerprint() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      update(digest, "pitstop-connection-settings-v1");
      hosts.forEach(h -> update(digest, h.toString()));
      update(digest, databaseName);
      update(digest, user);
      update(digest, password == null ? "\u0000none" : password);
      properties.forEach(
          (k, v) -> {
            update(digest, k);
            update(digest, v);
          });
      return HexFormat.of().formatHex(digest.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** {@code user@host:port/database}, for messages. */
  public String describe() {
    return describeServer() + "/" + databaseName;
  }

  /** {@code user@host:port}, the server and role without the database, for messages. */
  public String describeServer() {
    String hostList = hosts.stream().map(HostPort::toString).collect(Collectors.joining(","));
    return user + "@" + hostList;
  }

  /** Removes this password, and any other secret property, from text bound for users or logs. */
  public Redaction redaction() {
    List<String> secrets =
        properties.entrySet().stream()
            .filter(e -> isSecretProperty(e.getKey()))
            .map(Map.Entry::getValue)
            .collect(Collectors.toCollection(ArrayList::new));
    if (password != null) {
      secrets.add(password);
    }
    return Redaction.of(secrets);
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    properties.forEach((k, v) -> shown.put(k, isSecretProperty(k) ? REDACTED : v));
    return "ConnectionSettings[hosts="
        + hosts
        + ", databaseName="
        + databaseName
        + ", user="
        + user
        + ", password="
        + (password == null ? "none" : REDACTED)
        + ", properties="
        + shown
        + "]";
  }

  static boolean isSecretProperty(String name) {
    return name.toLowerCase(Locale.ROOT).contains("password");
  }

  private static void update(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    // Length-prefixed so that ("ab", "c") and ("a", "bc") hash differently.
    digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
    digest.update((byte) ':');
    digest.update(bytes);
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
