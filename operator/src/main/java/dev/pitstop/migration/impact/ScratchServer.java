package dev.pitstop.migration.impact;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.DataSourceRegistry;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The server a plan creates its scratch database on: the target's own server, or another one named
 * by a separate Secret (CLI: {@code --plan-database-url}). The role needs the privilege to create
 * databases there.
 *
 * @param settings how to log in; its database is where {@code CREATE DATABASE} is issued from
 * @param connectTimeout how long a connection attempt may take
 */
public record ScratchServer(ConnectionSettings settings, Duration connectTimeout) {

  /** Sessions to the settings' own database. */
  DataSource admin() {
    return DataSourceRegistry.direct(settings, connectTimeout);
  }

  /** Sessions to another database of the same server, as the same role. */
  DataSource database(String name) {
    return DataSourceRegistry.direct(settings.withDatabaseName(name), connectTimeout);
  }

  /** {@code user@host:port}, for messages. */
  public String describe() {
    return settings.describeServer();
  }
}
