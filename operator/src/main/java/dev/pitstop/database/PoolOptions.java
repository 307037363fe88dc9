package dev.pitstop.database;

import java.time.Duration;

/**
 * Limits and timings of a {@link DataSourceRegistry}.
 *
 * @param maxPoolSize connections per target at most
 * @param maxPools pools open at once at most, so at most {@code maxPools × maxPoolSize} connections
 * @param connectionTimeout how long a caller waits for a connection before failing
 * @param idleClose a pool nobody has taken a connection from for this long is closed
 * @param sweepInterval how often idle pools are looked for
 */
public record PoolOptions(
    int maxPoolSize,
    int maxPools,
    Duration connectionTimeout,
    Duration idleClose,
    Duration sweepInterval) {

  private static final Duration MIN_SWEEP_INTERVAL = Duration.ofMillis(1);
  private static final Duration MAX_SWEEP_INTERVAL = Duration.ofSeconds(30);

  /** HikariCP refuses shorter connection timeouts. */
  static final Duration MIN_CONNECTION_TIMEOUT = Duration.ofMillis(250);

  public PoolOptions {
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("maxPoolSize must be at least 1");
    }
    if (maxPools < 1) {
      throw new IllegalArgumentException("maxPools must be at least 1");
    }
    if (connectionTimeout == null || connectionTimeout.compareTo(MIN_CONNECTION_TIMEOUT) < 0) {
      throw new IllegalArgumentException("connectionTimeout must be at least 250 ms");
    }
    requirePositive(idleClose, "idleClose");
    requirePositive(sweepInterval, "sweepInterval");
    if (sweepInterval.compareTo(MIN_SWEEP_INTERVAL) < 0) {
      throw new IllegalArgumentException("sweepInterval must be at least 1 ms");
    }
  }

  /** 4 connections per target, 32 pools, 5 s to connect, closed after 10 idle minutes. */
  public static PoolOptions defaults() {
    return new PoolOptions(
        4, 32, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(30));
  }

  public PoolOptions withMaxPoolSize(int value) {
    return new PoolOptions(value, maxPools, connectionTimeout, idleClose, sweepInterval);
  }

  public PoolOptions withMaxPools(int value) {
    return new PoolOptions(maxPoolSize, value, connectionTimeout, idleClose, sweepInterval);
  }

  public PoolOptions withConnectionTimeout(Duration value) {
    return new PoolOptions(maxPoolSize, maxPools, value, idleClose, sweepInterval);
  }

  /** Closes pools idle this long, looking for them every quarter of it (1 ms to 30 s). */
  public PoolOptions withIdleClose(Duration value) {
    Duration sweep = value.dividedBy(4);
    if (sweep.compareTo(MAX_SWEEP_INTERVAL) > 0) {
      sweep = MAX_SWEEP_INTERVAL;
    } else if (sweep.compareTo(MIN_SWEEP_INTERVAL) < 0) {
      sweep = MIN_SWEEP_INTERVAL;
    }
    return new PoolOptions(maxPoolSize, maxPools, connectionTimeout, value, sweep);
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
