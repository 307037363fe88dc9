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
    return unreachable(failure, settings, null);
  }

  /**
   * As {@link #unreachable(Throwable, ConnectionSettings)}, saying where the database name comes
   * from when the database does not exist.
   *
   * @param databaseNameFrom where the user set the database's name, e.g. {@code
   *     spec.database.databaseName} or {@code key 'dbname' of Secret 'app-db'}; or {@code null}
   */
  public static Reachability unreachable(
      Throwable failure, ConnectionSettings settings, String databaseNameFrom) {
    ReachabilityReason reason = ReachabilityReason.of(failure);
    Redaction redaction = settings == null ? Redaction.none() : settings.redaction();
    String message =
        FailureMessages.sentence(reason, failure, settings, databaseNameFrom, redaction);
    return new Reachability(false, reason, redaction.apply(message), sqlState(failure));
  }

  /**
   * Whether this is a failure to reach the database at all (login, database name, network, TLS,
   * connection slots, pool), as opposed to a statement that failed once connected: every kind
   * reports the former with {@code DatabaseReachable=False}, this reason and this message, never
   * with the pool's or driver's raw text.
   */
  public boolean connectionFailed() {
    return !reachable && reason != ReachabilityReason.DATABASE_ERROR;
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
