package dev.pitstop.database;

import dev.pitstop.logging.Redaction;
import dev.pitstop.sql.SqlState;
import java.sql.SQLException;
import java.util.stream.Collectors;

/**
 * One friendly sentence per {@link ReachabilityReason}. Known failures are described from the
 * settings, not quoted from the driver; only unknown ones quote the driver's (redacted) message.
 */
final class FailureMessages {
  private FailureMessages() {}

  static String sentence(
      ReachabilityReason reason,
      Throwable failure,
      ConnectionSettings settings,
      String databaseNameFrom,
      Redaction redaction) {
    String server =
        settings == null
            ? "the database server"
            : settings.hosts().stream().map(HostPort::toString).collect(Collectors.joining(", "));
    String user = settings == null ? "the configured user" : quote(settings.user());
    String database =
        settings == null ? "The database" : "Database " + quote(settings.databaseName());
    return switch (reason) {
      case REACHABLE -> "Connected to " + server + ".";
      case CONNECTION_REFUSED ->
          "The connection to "
              + server
              + " was refused; check the host and port and that PostgreSQL is running.";
      case UNKNOWN_HOST ->
          "The host name of " + server + " could not be resolved; check the host in the Secret.";
      case TIMED_OUT ->
          "Connecting to "
              + server
              + " timed out; the server may be down or a firewall may drop the traffic.";
      case AUTHENTICATION_FAILED ->
          (isState(deepest(failure), SqlState.INVALID_AUTHORIZATION_SPECIFICATION)
                  ? "The server rejected the login of "
                      + user
                      + " (no pg_hba.conf entry matches, or the role may not log in)."
                  : "Password authentication failed for "
                      + user
                      + "; check the password in the Secret.")
              + serverSaid(failure, redaction);
      case UNKNOWN_DATABASE ->
          database
              + " does not exist on "
              + server
              + (databaseNameFrom == null
                  ? "; check the database name"
                  : "; its name comes from " + databaseNameFrom + ": correct it there")
              + " or create the database."
              + serverSaid(failure, redaction);
      case TLS_FAILED ->
          "TLS to "
              + server
              + " failed; check sslmode in the Secret and the server's TLS setup."
              + serverSaid(failure, redaction);
      case TOO_MANY_CONNECTIONS ->
          failure.getMessage() != null && failure.getMessage().startsWith("Pitstop ")
              ? failure.getMessage()
              : "The server " + server + " has no connection slots left (too many connections).";
      case SERVER_NOT_READY ->
          "The server "
              + server
              + " is starting up, shutting down or in recovery and accepts no connections yet.";
      case POOL_EXHAUSTED ->
          "No pooled connection to " + server + " became free within the connection timeout.";
      case CONNECTION_FAILED ->
          "Could not connect to " + server + ": " + detail(failure, redaction);
      case DATABASE_ERROR -> "The database failed: " + detail(failure, redaction);
    };
  }

  /** " The server said: ..." with the server's (or driver's) own sentence, redacted. */
  private static String serverSaid(Throwable failure, Redaction redaction) {
    return " The server said: " + detail(failure, redaction);
  }

  /** The driver's own words: the innermost SQLException's first line, ending in one period. */
  private static String detail(Throwable failure, Redaction redaction) {
    SQLException sqlFailure = deepest(failure);
    Throwable source = sqlFailure == null ? failure : sqlFailure;
    String text =
        source.getMessage() == null ? source.getClass().getSimpleName() : source.getMessage();
    text = redaction.apply(text.lines().findFirst().orElse("").strip());
    while (text.endsWith(".")) {
      text = text.substring(0, text.length() - 1);
    }
    if (source instanceof SQLException sql && sql.getSQLState() != null) {
      text = text + " (SQLSTATE " + sql.getSQLState() + ")";
    }
    return text + ".";
  }

  private static boolean isState(SQLException e, String sqlState) {
    return e != null && sqlState.equals(e.getSQLState());
  }

  /** The innermost SQLException of the chain, or {@code null}. */
  private static SQLException deepest(Throwable failure) {
    SQLException deepest = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql) {
        deepest = sql;
      }
    }
    return deepest;
  }

  private static String quote(String name) {
    return "\"" + name + "\"";
  }
}
