package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.DataSourceRegistry;
import dev.pitstop.database.PoolOptions;
import dev.pitstop.database.Reachability;
import dev.pitstop.database.TargetKey;
import dev.pitstop.logging.KnownSecrets;
import javax.sql.DataSource;

/**
 * The database one CLI command works on: a small pool from the same {@link DataSourceRegistry} the
 * operator uses (so sessions look the same in {@code pg_stat_activity}), closed when the command
 * ends.
 */
public final class CommandDatabase implements AutoCloseable {
  private static final TargetKey KEY = new TargetKey("cli");

  private final ConnectionSettings settings;
  private final DataSourceRegistry registry;
  private final DataSource dataSource;

  private CommandDatabase(ConnectionSettings settings) {
    this.settings = settings;
    // Engines take up to two sessions per call (work and lock); a little headroom for others.
    this.registry = new DataSourceRegistry(PoolOptions.defaults().withMaxPools(1));
    this.dataSource = registry.dataSource(KEY, settings);
  }

  /** Prepares a pool; no connection is opened until the first one is taken. */
  public static CommandDatabase open(ConnectionSettings settings) {
    return new CommandDatabase(settings);
  }

  /**
   * Connects once, so that a wrong host, port, password or database name is reported as such rather
   * than as whatever the first statement happened to run into.
   *
   * @throws CommandFailedException with one password-free sentence when the database cannot be
   *     used, saying that nothing was changed
   */
  public CommandDatabase requireReachable() {
    Reachability reachability = Reachability.probe(dataSource, settings);
    if (!reachability.reachable()) {
      String message = KnownSecrets.redact(reachability.message());
      throw new CommandFailedException(
          (message.endsWith(".") ? message.substring(0, message.length() - 1) : message)
              + "; nothing was changed");
    }
    return this;
  }

  /** Where it connects, for messages: {@code user@host:port/database}. */
  public String describe() {
    return settings.describe();
  }

  public ConnectionSettings settings() {
    return settings;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    registry.close();
  }
}
