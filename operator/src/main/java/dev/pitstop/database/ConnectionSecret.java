package dev.pitstop.database;

import static dev.pitstop.database.InvalidConnectionSettingsException.invalid;
import static dev.pitstop.database.InvalidConnectionSettingsException.missing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the keys of a Secret as CloudNativePG ({@code <cluster>-app}) and Crunchy PGO ({@code
 * <cluster>-pguser-<user>}) write them; first match wins:
 *
 * <ol>
 *   <li>{@code uri} (libpq URI), else {@code jdbc-uri};
 *   <li>{@code host} (comma-separated for several), {@code port} (default 5432), {@code dbname},
 *       {@code user} or {@code username}, {@code password}, optional {@code sslmode}.
 * </ol>
 *
 * Values are trimmed, except that the password only loses a trailing line break (which {@code
 * kubectl create secret --from-file} leaves): a password may begin or end with spaces.
 */
final class ConnectionSecret {
  private static final String EXPECTED =
      "(expected 'uri', 'jdbc-uri' or host/port/dbname/user/password)";

  private ConnectionSecret() {}

  static ConnectionSettings parse(
      String secretName, Map<String, String> keys, String databaseName) {
    Objects.requireNonNull(keys, "keys");
    String secret = "Secret " + secretName;
    ConnectionSettings settings;
    if (text(keys, "uri") != null) {
      settings = ConnectionUri.parse(keys.get("uri"), secret + " key 'uri'", "uri");
    } else if (text(keys, "jdbc-uri") != null) {
      settings = ConnectionUri.parse(keys.get("jdbc-uri"), secret + " key 'jdbc-uri'", "jdbc-uri");
    } else {
      settings = fromKeys(secret, keys, databaseName);
    }
    return settings.withDatabaseName(databaseName);
  }

  private static ConnectionSettings fromKeys(
      String secret, Map<String, String> keys, String databaseName) {
    String host = text(keys, "host");
    if (host == null) {
      throw missing("host", secret + " has no key 'host' " + EXPECTED + ".");
    }
    String user = text(keys, "user") != null ? text(keys, "user") : text(keys, "username");
    if (user == null) {
      throw missing("user", secret + " has no key 'user' or 'username' " + EXPECTED + ".");
    }
    String password = password(keys.get("password"));
    if (password == null) {
      throw missing("password", secret + " has no key 'password' " + EXPECTED + ".");
    }
    String dbname = text(keys, "dbname");
    boolean overridden = databaseName != null && !databaseName.isBlank();
    if (dbname == null && !overridden) {
      throw missing(
          "dbname", secret + " has no key 'dbname' and no databaseName was given to choose one.");
    }
    Map<String, String> properties = new LinkedHashMap<>();
    String sslmode = text(keys, "sslmode");
    if (sslmode != null) {
      properties.put(
          "sslmode", LibpqParameters.sslMode(sslmode, secret + " key 'sslmode'", "sslmode"));
    }
    List<HostPort> hosts = hosts(secret, host, text(keys, "port"));
    return new ConnectionSettings(
        hosts, overridden ? databaseName.trim() : dbname, user, password, properties);
  }

  private static List<HostPort> hosts(String secret, String hostList, String portList) {
    String[] hosts = hostList.split(",", -1);
    String[] ports = portList == null ? new String[0] : portList.split(",", -1);
    if (ports.length > 1 && ports.length != hosts.length) {
      throw invalid("port", secret + " key 'port' must list one port, or one port for each host.");
    }
    List<HostPort> result = new ArrayList<>();
    for (int i = 0; i < hosts.length; i++) {
      String host = hosts[i].trim();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (host.isEmpty()) {
        throw invalid("host", secret + " key 'host' has an empty host name.");
      }
      String port = ports.length == 0 ? "" : ports[ports.length == 1 ? 0 : i].trim();
      result.add(
          new HostPort(
              host, port.isEmpty() ? ConnectionSettings.DEFAULT_PORT : port(secret, port)));
    }
    return result;
  }

  private static int port(String secret, String port) {
    int value = HostPort.parsePort(port);
    if (value < 0) {
      throw invalid(
          "port", secret + " key 'port' is not a port number (expected a number from 1 to 65535).");
    }
    return value;
  }

  private static String text(Map<String, String> keys, String key) {
    String value = keys.get(key);
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static String password(String value) {
    if (value == null) {
      return null;
    }
    String stripped = value.endsWith("\r\n") ? value.substring(0, value.length() - 2) : value;
    stripped = stripped.endsWith("\n") ? stripped.substring(0, stripped.length() - 1) : stripped;
    return stripped.isEmpty() ? null : stripped;
  }
}
