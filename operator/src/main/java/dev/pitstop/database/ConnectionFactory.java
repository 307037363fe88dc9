package dev.pitstop.database;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The parts of {@link DataSource} that Pitstop's DataSources share: credentials and timeouts come
 * from {@link ConnectionSettings} and {@link PoolOptions}, logging goes through SLF4J, so the
 * setters are ignored and caller-supplied credentials are refused.
 */
abstract class ConnectionFactory implements DataSource {
  private static final int CLOSE_WAIT_SECONDS = 5;

  /** Refused: connections log in as the role of their settings only. */
  @Override
  public final Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("Connections use the Secret's credentials.");
  }

  @Override
  public final PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public final void setLogWriter(PrintWriter out) {
    // Logging goes through SLF4J.
  }

  @Override
  public final void setLoginTimeout(int seconds) {
    // PoolOptions set the timeouts; HikariCP calls this for every pool.
  }

  /**
   * How long HikariCP waits, when a pool closes, for its connection-adding thread to stop. It asks
   * the data source; with 0 it would not wait at all and log a warning on every close.
   */
  @Override
  public final int getLoginTimeout() {
    return CLOSE_WAIT_SECONDS;
  }

  @Override
  public final Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("Logging goes through SLF4J.");
  }

  @Override
  public final <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException(getClass().getSimpleName() + " does not wrap " + type.getName() + ".");
  }

  @Override
  public final boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }
}
