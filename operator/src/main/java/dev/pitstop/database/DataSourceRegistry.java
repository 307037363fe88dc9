package dev.pitstop.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.pitstop.sql.SqlState;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bounded HikariCP pool per {@link TargetKey}, shared by reconcilers and the CLI.
 *
 * <ul>
 *   <li>A pool opens on the first connection a caller takes, not before.
 *   <li>When a caller passes settings with another {@link ConnectionSettings#fingerprint()} (the
 *       Secret changed), new connections come from a new pool; the old one closes its idle
 *       connections at once and the rest as they are returned, then is closed.
 *   <li>A pool nobody has taken a connection from for {@link PoolOptions#idleClose()} and that
 *       lends none out is closed by a daemon sweeper.
 *   <li>At most {@link PoolOptions#maxPools()} pools are open; the least recently used idle one
 *       makes room for a new one, and if every pool is busy the caller gets an SQLException.
 * </ul>
 *
 * HikariCP never sees the password or any driver property: each pool draws connections from a
 * {@link DriverConnectionFactory} that keeps them, so HikariCP's configuration log cannot show
 * them.
 */
public final class DataSourceRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataSourceRegistry.class);
  private static final Duration CONNECTION_IDLE_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration MAX_VALIDATION_TIMEOUT = Duration.ofSeconds(5);

  private final PoolOptions options;
  private final MeterRegistry meterRegistry;
  private final ScheduledThreadPoolExecutor scheduler;
  private final Map<TargetKey, TargetPool> targets = new HashMap<>();

  /** Pools replaced or forgotten, closed once no connection of theirs is lent out. */
  private final List<TargetPool> retired = new ArrayList<>();

  private long poolsOpened;
  private boolean closed;

  public DataSourceRegistry(PoolOptions options) {
    this(options, null);
  }

  /**
   * @param meterRegistry where HikariCP publishes its pool metrics ({@code hikaricp_*}, tagged with
   *     the pool name), or {@code null} for none
   */
  public DataSourceRegistry(PoolOptions options, MeterRegistry meterRegistry) {
    this.options = options;
    this.meterRegistry = meterRegistry;
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "pitstop-pool-sweeper");
              thread.setDaemon(true);
              return thread;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    long sweepNanos = options.sweepInterval().toNanos();
    scheduler.scheduleWithFixedDelay(
        this::sweepSafely, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The DataSource of a target. Each connection taken from it comes from the target's current pool;
   * the call itself opens nothing and fails only when the registry is closed.
   *
   * @param settings replace the target's settings when their fingerprint differs
   */
  public DataSource dataSource(TargetKey key, ConnectionSettings settings) {
    synchronized (this) {
      requireOpen();
      TargetPool target = targets.get(key);
      if (target == null) {
        targets.put(key, new TargetPool(key, settings));
      } else if (!target.fingerprint.equals(settings.fingerprint())) {
        LOG.info("Connection settings of {} changed; its next connections use a new pool", key);
        retire(target);
        targets.put(key, new TargetPool(key, settings));
      }
    }
    return new TargetDataSource(this, key, settings);
  }

  /**
   * Retires the target's pool, e.g. when the resource using it is deleted: it closes once the
   * connections it lent come back.
   */
  public synchronized void forget(TargetKey key) {
    TargetPool target = targets.remove(key);
    if (target != null) {
      retire(target);
    }
  }

  /** How busy each open pool is, retiring ones included. */
  public synchronized List<PoolUsage> usage() {
    List<PoolUsage> usage = new ArrayList<>();
    targets.forEach(
        (key, target) -> Optional.ofNullable(target.pool).ifPresent(p -> usage.add(usage(key, p))));
    retired.forEach(r -> usage.add(usage(r.key, r.pool)));
    return usage;
  }

  /**
   * Closes pools idle for longer than {@link PoolOptions#idleClose()} and retired pools whose
   * connections have all come back; the sweeper calls this periodically.
   *
   * @return how many pools were closed
   */
  public int closeIdle() {
    List<HikariDataSource> toClose = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      long idleNanos = options.idleClose().toNanos();
      for (Iterator<TargetPool> it = targets.values().iterator(); it.hasNext(); ) {
        TargetPool target = it.next();
        if (now - target.lastUsedNanos >= idleNanos && target.unused()) {
          it.remove();
          Optional.ofNullable(target.pool).ifPresent(toClose::add);
        }
      }
      // However long it takes: a migration may hold its connection for an hour.
      retired.removeIf(
          r -> {
            boolean done = r.unused();
            if (done) {
              toClose.add(r.pool);
            }
            return done;
          });
    }
    toClose.forEach(pool -> closePool(pool, "idle"));
    return toClose.size();
  }

  /** Closes every pool and stops the sweeper; connections still lent out are aborted. */
  @Override
  public void close() {
    List<HikariDataSource> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      targets.values().stream().map(t -> t.pool).filter(Objects::nonNull).forEach(toClose::add);
      retired.forEach(r -> toClose.add(r.pool));
      targets.clear();
      retired.clear();
    }
    toClose.forEach(pool -> closePool(pool, "registry closed"));
    scheduler.shutdownNow();
  }

  /** A connection from the target's current pool, opening the pool when it has none. */
  Connection connection(TargetKey key, ConnectionSettings settings) throws SQLException {
    TargetPool target;
    HikariDataSource pool;
    List<HikariDataSource> evicted = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        throw new SQLException("The connection pools were closed because Pitstop is stopping.");
      }
      // A caller holding a DataSource whose pool was swept reopens it with its own settings.
      target = targets.computeIfAbsent(key, k -> new TargetPool(k, settings));
      if (target.pool == null) {
        makeRoom(evicted);
        target.pool = open(key, target.settings);
      }
      // Counted until the connection is lent: opening one may take a while, and the sweeper
      // must not close the pool meanwhile.
      target.borrowing++;
      pool = target.pool;
    }
    evicted.forEach(p -> closePool(p, "least recently used"));
    try {
      return pool.getConnection();
    } finally {
      synchronized (this) {
        target.borrowing--;
        target.lastUsedNanos = System.nanoTime();
      }
    }
  }

  private void makeRoom(List<HikariDataSource> evicted) throws SQLException {
    List<Map.Entry<TargetKey, TargetPool>> open =
        targets.entrySet().stream().filter(e -> e.getValue().pool != null).toList();
    if (open.size() < options.maxPools()) {
      return;
    }
    Map.Entry<TargetKey, TargetPool> victim =
        open.stream()
            .filter(e -> e.getValue().unused())
            .min(Comparator.comparingLong(e -> e.getValue().lastUsedNanos))
            .orElseThrow(
                () ->
                    new SQLTransientConnectionException(
                        "Pitstop already has "
                            + options.maxPools()
                            + " connection pools open and all of them are in use.",
                        SqlState.TOO_MANY_CONNECTIONS));
    targets.remove(victim.getKey());
    evicted.add(victim.getValue().pool);
  }

  private HikariDataSource open(TargetKey key, ConnectionSettings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("pitstop-" + key + "#" + ++poolsOpened);
    config.setDataSource(new DriverConnectionFactory(settings, driverDefaults()));
    config.setMaximumPoolSize(options.maxPoolSize());
    config.setMinimumIdle(0);
    config.setConnectionTimeout(options.connectionTimeout().toMillis());
    config.setValidationTimeout(
        Math.min(options.connectionTimeout().toMillis(), MAX_VALIDATION_TIMEOUT.toMillis()));
    config.setIdleTimeout(CONNECTION_IDLE_TIMEOUT.toMillis());
    // Connect on demand: an unreachable database fails the caller, not the pool's construction.
    config.setInitializationFailTimeout(-1);
    config.setScheduledExecutor(scheduler);
    if (meterRegistry != null) {
      config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meterRegistry));
    }
    LOG.info("Opening connection pool {} for {}", config.getPoolName(), settings.describe());
    return new HikariDataSource(config);
  }

  /** Pitstop's application name, and socket and login timeouts no longer than the pool's. */
  /**
   * Unpooled sessions to the given settings, each connection opened when asked for and closed by
   * its user; for short-lived work outside the targets' pools, such as a plan's scratch database.
   */
  public static DataSource direct(ConnectionSettings settings, java.time.Duration connectTimeout) {
    String seconds = Long.toString(Math.max(1, connectTimeout.toSeconds()));
    return new DriverConnectionFactory(
        settings,
        Map.of(
            "ApplicationName", ConnectionSettings.DEFAULT_APPLICATION_NAME,
            "connectTimeout", seconds,
            "loginTimeout", seconds));
  }

  private Map<String, String> driverDefaults() {
    String seconds = Long.toString(Math.max(1, options.connectionTimeout().toSeconds()));
    return Map.of(
        "ApplicationName", ConnectionSettings.DEFAULT_APPLICATION_NAME,
        "connectTimeout", seconds,
        "loginTimeout", seconds);
  }

  private void retire(TargetPool target) {
    if (target.pool != null) {
      target.pool.getHikariPoolMXBean().softEvictConnections();
      retired.add(target);
    }
  }

  private void sweepSafely() {
    try {
      closeIdle();
    } catch (RuntimeException e) {
      LOG.warn("Sweeping idle connection pools failed", e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the DataSourceRegistry is closed");
    }
  }

  private static int active(HikariDataSource pool) {
    HikariPoolMXBean bean = pool == null ? null : pool.getHikariPoolMXBean();
    return bean == null ? 0 : bean.getActiveConnections();
  }

  private PoolUsage usage(TargetKey key, HikariDataSource pool) {
    HikariPoolMXBean bean = pool.getHikariPoolMXBean();
    if (bean == null) {
      return new PoolUsage(key, 0, 0, 0, 0, pool.getMaximumPoolSize());
    }
    return new PoolUsage(
        key,
        bean.getActiveConnections(),
        bean.getIdleConnections(),
        bean.getTotalConnections(),
        bean.getThreadsAwaitingConnection(),
        pool.getMaximumPoolSize());
  }

  private static void closePool(HikariDataSource pool, String why) {
    if (pool != null && !pool.isClosed()) {
      LOG.info("Closing connection pool {} ({})", pool.getPoolName(), why);
      pool.close();
    }
  }

  /** A target's current settings and pool; guarded by the registry. */
  private static final class TargetPool {
    final TargetKey key;
    final ConnectionSettings settings;
    final String fingerprint;
    HikariDataSource pool;
    long lastUsedNanos = System.nanoTime();
    int borrowing;

    TargetPool(TargetKey key, ConnectionSettings settings) {
      this.key = key;
      this.settings = settings;
      this.fingerprint = settings.fingerprint();
    }

    /** Neither lending a connection nor opening one for a caller. */
    boolean unused() {
      return borrowing == 0 && active(pool) == 0;
    }
  }
}
