package dev.pitstop.database;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.LoggerFactory;

/**
 * The sessions one run works on: a data source that remembers the connections it hands out, so a
 * cancelled run's statement can be cancelled on the server. {@link #cancelRunningStatements()}
 * sends PostgreSQL's cancel request for each open session (what {@code pg_cancel_backend} does):
 * the statement running there fails with SQLSTATE 57014 and its transaction rolls back.
 */
public final class WorkSessions implements DataSource {
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(WorkSessions.class);

  private final DataSource pool;
  private final List<Connection> handedOut = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;

  public WorkSessions(DataSource pool) {
    this.pool = pool;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return track(pool.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return track(pool.getConnection(username, password));
  }

  private Connection track(Connection connection) {
    handedOut.removeIf(WorkSessions::isClosed);
    handedOut.add(connection);
    return connection;
  }

  /** Cancels the statement each open session is running; later statements are not affected. */
  public void cancelRunningStatements() {
    cancelled = true;
    for (Connection connection : handedOut) {
      if (isClosed(connection)) {
        continue;
      }
      try {
        PGConnection pg = connection.unwrap(PGConnection.class);
        LOG.info("Cancelling the statement of session pid {}", pg.getBackendPID());
        pg.cancelQuery();
      } catch (SQLException e) {
        LOG.debug("Could not cancel a statement: {}", e.getMessage());
      }
    }
  }

  /** Whether {@link #cancelRunningStatements()} was called. */
  public boolean cancelled() {
    return cancelled;
  }

  private static boolean isClosed(Connection connection) {
    try {
      return connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || pool.isWrapperFor(iface);
  }
}
