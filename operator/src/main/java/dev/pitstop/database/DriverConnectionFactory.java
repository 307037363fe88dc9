package dev.pitstop.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * Opens a new pgjdbc connection per call; what each pool draws from. Credentials and driver
 * properties stay inside this object, so HikariCP, which logs its configuration, never sees them.
 */
final class DriverConnectionFactory extends ConnectionFactory {
  private static final Driver DRIVER = new Driver();

  private final ConnectionSettings settings;
  private final Map<String, String> defaults;

  /**
   * @param defaults driver properties for what the settings leave unset
   */
  DriverConnectionFactory(ConnectionSettings settings, Map<String, String> defaults) {
    this.settings = settings;
    this.defaults = Map.copyOf(defaults);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Properties properties = new Properties();
    properties.putAll(defaults);
    properties.putAll(settings.properties());
    properties.setProperty("user", settings.user());
    if (settings.password() != null) {
      properties.setProperty("password", settings.password());
    }
    return DRIVER.connect(settings.jdbcUrl(), properties);
  }

  @Override
  public String toString() {
    return "DriverConnectionFactory[" + settings.describe() + "]";
  }
}
