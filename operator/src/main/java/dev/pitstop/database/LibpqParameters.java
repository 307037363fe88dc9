package dev.pitstop.database;

import static dev.pitstop.database.InvalidConnectionSettingsException.invalid;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates libpq connection parameters (URI query parameters, Secret keys) into pgjdbc driver
 * properties.
 *
 * <p>Parameters pgjdbc has no counterpart for but that do not change where or how securely we
 * connect ({@code keepalives_idle}, ...) are accepted and ignored; any other unknown parameter is
 * refused, as libpq itself refuses it, so that a misspelt {@code sslmode} never silently weakens a
 * connection.
 */
final class LibpqParameters {
  static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /** Renamed only. */
  private static final Map<String, String> RENAMED =
      Map.of(
          "sslrootcert", "sslrootcert",
          "sslcert", "sslcert",
          "sslkey", "sslkey",
          "sslpassword", "sslpassword",
          "sslnegotiation", "sslNegotiation",
          "gssencmode", "gssEncMode",
          "channel_binding", "channelBinding",
          "options", "options");

  private static final Set<String> IGNORED =
      Set.of(
          "keepalives_idle",
          "keepalives_interval",
          "keepalives_count",
          "tcp_user_timeout",
          "sslcompression",
          "sslcrl",
          "sslcrldir",
          "sslsni",
          "requirepeer",
          "krbsrvname",
          "gsslib",
          "gssdelegation",
          "load_balance_hosts",
          "service");

  private static final Map<String, String> TARGET_SERVER_TYPES =
      Map.of(
          "any", "any",
          "read-write", "primary",
          "primary", "primary",
          "read-only", "secondary",
          "standby", "secondary",
          "prefer-standby", "preferSecondary");

  private LibpqParameters() {}

  /**
   * @param params libpq parameters other than user, password and dbname
   * @param source how messages name where they came from
   * @param key the Secret key or option, for the exception
   */
  static Map<String, String> toDriverProperties(
      Map<String, String> params, String source, String key) {
    Map<String, String> properties = new LinkedHashMap<>();
    String fallbackApplicationName = null;
    for (Map.Entry<String, String> param : params.entrySet()) {
      String name = param.getKey();
      String value = param.getValue();
      switch (name) {
        case "sslmode" ->
            properties.put("sslmode", sslMode(value, source + " parameter 'sslmode'", key));
        case "application_name" -> properties.put("ApplicationName", value);
        case "fallback_application_name" -> fallbackApplicationName = value;
        case "connect_timeout" -> properties.put("connectTimeout", seconds(value, source, key));
        case "target_session_attrs" -> {
          String type = TARGET_SERVER_TYPES.get(value);
          if (type == null) {
            throw invalid(
                key,
                source
                    + " has an invalid target_session_attrs (expected one of "
                    + String.join(", ", TARGET_SERVER_TYPES.keySet())
                    + ").");
          }
          properties.put("targetServerType", type);
        }
        case "keepalives" -> properties.put("tcpKeepAlive", Boolean.toString(!"0".equals(value)));
        default -> {
          if (RENAMED.containsKey(name)) {
            properties.put(RENAMED.get(name), value);
          } else if (!IGNORED.contains(name)) {
            throw invalid(key, source + " has the unsupported parameter " + quoted(name) + ".");
          }
        }
      }
    }
    if (fallbackApplicationName != null) {
      properties.putIfAbsent("ApplicationName", fallbackApplicationName);
    }
    return properties;
  }

  /**
   * Checks an {@code sslmode} value, which pgjdbc spells as libpq does.
   *
   * @param subject how messages name the value, e.g. {@code Secret app-db key 'sslmode'}
   */
  static String sslMode(String value, String subject, String key) {
    if (!SSL_MODES.contains(value)) {
      throw invalid(key, subject + " must be one of " + String.join(", ", SSL_MODES) + ".");
    }
    return value;
  }

  private static String seconds(String value, String source, String key) {
    try {
      int seconds = Integer.parseInt(value.trim());
      if (seconds >= 0) {
        // libpq treats values below 2 as 2 (0 means wait forever); pgjdbc takes seconds too.
        return Integer.toString(seconds == 1 ? 2 : seconds);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(key, source + " has an invalid connect_timeout (expected whole seconds).");
  }

  /** A parameter name is quoted only when it cannot be a fragment of a misplaced password. */
  private static String quoted(String name) {
    return name.matches("[A-Za-z_]{1,40}") ? "'" + name + "'" : "(name not shown)";
  }
}
