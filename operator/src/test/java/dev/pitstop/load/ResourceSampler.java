package dev.pitstop.load;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Samples, while the load runs, the operator's sessions as PostgreSQL sees them (every 200 ms) and
 * its heap and pool connections as its /metrics report them (every second), keeping the maxima.
 */
final class ResourceSampler implements AutoCloseable {
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "load-sampler");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong maxConnections = new AtomicLong();
  private final AtomicLong maxHeapBytes = new AtomicLong();
  private final AtomicLong maxHikariConnections = new AtomicLong();
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Connection connection;

  /**
   * @param admin a session on the server (one held open, so sampling opens no sessions itself)
   * @param applicationName the operator's {@code application_name}
   */
  ResourceSampler(DataSource admin, String applicationName, OperatorProcess operator)
      throws SQLException {
    Connection connection = admin.getConnection();
    PreparedStatement count =
        connection.prepareStatement(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE application_name = ?");
    count.setString(1, applicationName);
    scheduler.scheduleWithFixedDelay(
        () -> {
          try (ResultSet row = count.executeQuery()) {
            row.next();
            maxConnections.accumulateAndGet(row.getLong(1), Math::max);
            samples.incrementAndGet();
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
    // Rendering /metrics costs the operator CPU (the page is several hundred KiB under this
    // load), so it is scraped once a second; a Prometheus server scrapes every 15-60 s.
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            String metrics = operator.metrics();
            maxHeapBytes.accumulateAndGet(
                (long) OperatorProcess.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
                Math::max);
            maxHikariConnections.accumulateAndGet(
                (long) OperatorProcess.sum(metrics, "hikaricp_connections", null), Math::max);
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        },
        0,
        1,
        TimeUnit.SECONDS);
    this.connection = connection;
  }

  long maxConnections() {
    return maxConnections.get();
  }

  long maxHeapBytes() {
    return maxHeapBytes.get();
  }

  long maxHikariConnections() {
    return maxHikariConnections.get();
  }

  long samples() {
    return samples.get();
  }

  long failures() {
    return failures.get();
  }

  @Override
  public void close() throws SQLException, InterruptedException {
    scheduler.shutdown();
    scheduler.awaitTermination(10, TimeUnit.SECONDS);
    connection.close();
  }
}
