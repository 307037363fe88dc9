package dev.pitstop.database;

import static dev.pitstop.database.InvalidConnectionSettingsException.invalid;
import static dev.pitstop.database.InvalidConnectionSettingsException.missing;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a libpq URI ({@code postgresql://} or {@code postgres://}) or a pgjdbc URL ({@code
 * jdbc:postgresql://}) into {@link ConnectionSettings}.
 *
 * <p>Both forms: {@code
 * scheme://[user[:password]@]host[:port][,host[:port]...][/database][?params]}. The userinfo ends
 * at the last {@code @} before the path, so an unencoded {@code @} or {@code :} in a password is
 * tolerated; {@code /}, {@code ?} and {@code #} must be percent-encoded, as libpq requires. libpq
 * parameters are mapped to pgjdbc properties ({@link LibpqParameters}); pgjdbc parameters other
 * than {@code user} and {@code password} pass through unchanged. Without a database the user name
 * is used, as libpq does.
 *
 * <p>No message quotes any part of the URL: a malformed URL may split its password anywhere.
 */
final class ConnectionUri {
  private static final String JDBC_PREFIX = "jdbc:postgresql://";
  private static final List<String> LIBPQ_PREFIXES = List.of("postgresql://", "postgres://");

  private final String source;
  private final String key;
  private final boolean jdbc;

  private ConnectionUri(String source, String key, boolean jdbc) {
    this.source = source;
    this.key = key;
    this.jdbc = jdbc;
  }

  /**
   * @param value the URI
   * @param source how messages name it, e.g. {@code Secret app-db key 'uri'}
   * @param key the Secret key or option it came from, for {@link
   *     InvalidConnectionSettingsException}
   */
  static ConnectionSettings parse(String value, String source, String key) {
    if (value == null || value.isBlank()) {
      throw missing(key, source + " is empty.");
    }
    String uri = value.strip();
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith(JDBC_PREFIX)) {
      return new ConnectionUri(source, key, true).parse(uri.substring(JDBC_PREFIX.length()));
    }
    for (String prefix : LIBPQ_PREFIXES) {
      if (lower.startsWith(prefix)) {
        return new ConnectionUri(source, key, false).parse(uri.substring(prefix.length()));
      }
    }
    throw invalid(
        key,
        source
            + " is not a PostgreSQL URI (expected postgresql://, postgres:// or"
            + " jdbc:postgresql://).");
  }

  private ConnectionSettings parse(String rest) {
    int authorityEnd = indexOfAny(rest, "/?");
    String authority = rest.substring(0, authorityEnd);
    String afterAuthority = rest.substring(authorityEnd);

    int at = authority.lastIndexOf('@');
    String user = null;
    String password = null;
    if (at >= 0) {
      String userinfo = authority.substring(0, at);
      int colon = userinfo.indexOf(':');
      user = decode(colon < 0 ? userinfo : userinfo.substring(0, colon), "user name");
      password = colon < 0 ? null : decode(userinfo.substring(colon + 1), "password");
    }
    List<HostPort> hosts = hosts(authority.substring(at + 1));

    int queryStart = afterAuthority.indexOf('?');
    String path = queryStart < 0 ? afterAuthority : afterAuthority.substring(0, queryStart);
    String database = path.length() > 1 ? decode(path.substring(1), "database name") : null;
    Map<String, String> params =
        queryStart < 0 ? new LinkedHashMap<>() : query(afterAuthority.substring(queryStart + 1));

    user = nonEmpty(params.remove("user"), user);
    password = params.containsKey("password") ? params.remove("password") : password;
    Map<String, String> properties;
    if (jdbc) {
      properties = params;
    } else {
      database = nonEmpty(params.remove("dbname"), database);
      properties = LibpqParameters.toDriverProperties(params, source, key);
    }
    if (user == null || user.isBlank()) {
      throw missing(key, source + " has no user name (expected scheme://user:password@host).");
    }
    String databaseName = database == null || database.isBlank() ? user : database;
    return new ConnectionSettings(hosts, databaseName, user, password, properties);
  }

  private List<HostPort> hosts(String hostList) {
    List<HostPort> hosts = new ArrayList<>();
    for (String entry : hostList.split(",", -1)) {
      hosts.add(hostPort(entry));
    }
    return hosts;
  }

  private HostPort hostPort(String entry) {
    String host;
    String port = "";
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0 || (close + 1 < entry.length() && entry.charAt(close + 1) != ':')) {
        throw invalid(key, source + " has a malformed IPv6 address (expected [address]:port).");
      }
      host = entry.substring(1, close);
      port = close + 1 < entry.length() ? entry.substring(close + 2) : "";
    } else {
      int colon = entry.indexOf(':');
      if (colon >= 0 && entry.indexOf(':', colon + 1) >= 0) {
        throw invalid(key, source + " has an IPv6 address without brackets.");
      }
      host = colon < 0 ? entry : entry.substring(0, colon);
      port = colon < 0 ? "" : entry.substring(colon + 1);
    }
    host = jdbc ? host : decode(host, "host");
    if (host.isBlank()) {
      throw missing(key, source + " has no host (Unix-domain sockets are not supported).");
    }
    return new HostPort(host, port.isEmpty() ? ConnectionSettings.DEFAULT_PORT : port(port));
  }

  private int port(String port) {
    int value = HostPort.parsePort(port);
    if (value < 0) {
      throw invalid(key, source + " has an invalid port (expected a number from 1 to 65535).");
    }
    return value;
  }

  private Map<String, String> query(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter name");
      params.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1), "parameter value"));
    }
    return params;
  }

  /**
   * pgjdbc decodes URL parts as form data ({@code +} is a space); libpq decodes only {@code %XX}.
   */
  private String decode(String text, String part) {
    try {
      return jdbc ? URLDecoder.decode(text, StandardCharsets.UTF_8) : percentDecode(text);
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw invalid(key, source + " has an invalid percent-encoding in the " + part + ".");
    }
  }

  private static String percentDecode(String text) throws CharacterCodingException {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '%') {
        bytes.write(raw[i]);
        continue;
      }
      if (i + 2 >= raw.length) {
        throw new IllegalArgumentException("truncated escape");
      }
      int high = Character.digit(raw[i + 1], 16);
      int low = Character.digit(raw[i + 2], 16);
      if (high < 0 || low < 0) {
        throw new IllegalArgumentException("bad escape");
      }
      bytes.write(high * 16 + low);
      i += 2;
    }
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes.toByteArray()))
        .toString();
  }

  private static String nonEmpty(String preferred, String fallback) {
    return preferred == null || preferred.isEmpty() ? fallback : preferred;
  }

  private static int indexOfAny(String text, String chars) {
    for (int i = 0; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return text.length();
  }
}
