package dev.pitstop.database;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The DataSource {@link DataSourceRegistry#dataSource} hands out: each connection comes from the
 * target's pool at the moment it is asked for, so a caller keeping this object follows pool
 * replacements and reopening.
 */
final class TargetDataSource extends ConnectionFactory {
  private final DataSourceRegistry registry;
  private final TargetKey key;
  private final ConnectionSettings settings;

  TargetDataSource(DataSourceRegistry registry, TargetKey key, ConnectionSettings settings) {
    this.registry = registry;
    this.key = key;
    this.settings = settings;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return registry.connection(key, settings);
  }

  @Override
  public String toString() {
    return "TargetDataSource[" + key + " -> " + settings.describe() + "]";
  }
}
