package dev.pitstop.database;

import dev.pitstop.logging.Redaction;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Whether a database answered, with one password-free sentence for a condition or Event.
 *
 * @param reachable whether {@code select} worked
 * @param reason why, for the condition's reason
 * @param message one sentence a user can act on
 * @param sqlState the failure's SQLSTATE when the driver gave one, else {@code null}
 */
public record Reachability(
    boolean reachable, ReachabilityReason reason, String message, String sqlState) {

  private static final int QUERY_TIMEOUT_SECONDS = 10;

  /** Takes a connection and runs a query; never throws. */
  public static Reachability probe(DataSource dataSource) {
    return probe(dataSource, null);
  }

  /**
   * As {@link #probe(DataSource)}, naming the target in messages and redacting its secrets.
   *
   * @param settings the settings behind the DataSource, or {@code null}
   */
  public static Reachability probe(DataSource dataSource, ConnectionSettings settings) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs =
          statement.executeQuery("select current_database(), current_setting('server_version')")) {
        rs.next();
        String message =
            "Connected to database \""
                + rs.getString(1)
                + "\" on PostgreSQL "
                + rs.getString(2)
                + ".";
        return new Reachability(true, ReachabilityReason.REACHABLE, message, null);
      }
    } catch (SQLException | RuntimeException e) {
      return unreachable(e, settings);
    }
  }

  /**
   * Explains a failure to connect or to run a first statement.
   *
   * @param settings the settings used, or {@code null}: named in the message and their secrets
   *     redacted from anything quoted from the driver
   */
  public static Reachability unreachable(Throwable failure, ConnectionSettings settings) {
    ReachabilityReason reason = ReachabilityReason.of(failure);
    Redaction redaction = settings == null ? Redaction.none() : settings.redaction();
    String message = FailureMessages.sentence(reason, failure, settings, redaction);
    return new Reachability(false, reason, redaction.apply(message), sqlState(failure));
  }

  private static String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }
}
