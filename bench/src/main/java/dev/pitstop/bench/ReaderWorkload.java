package dev.pitstop.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Reader threads like an application's: indexed point SELECTs on several tables, each on its own
 * connection with default settings (no lock_timeout), with a short pause between queries. Records
 * errors and the longest time one query took (a stall: waiting for a lock, or the CPU).
 */
final class ReaderWorkload implements AutoCloseable {
  private static final long PAUSE_MILLIS = 2;

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong longestNanos = new AtomicLong();
  private final List<String> errorSamples =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = new ArrayList<>();

  ReaderWorkload(DataSource dataSource, int count) {
    this(dataSource, count, LearningPlatform.READS);
  }

  /**
   * @param reads point queries with one bigint parameter, each with the highest id to ask for
   */
  ReaderWorkload(DataSource dataSource, int count, String[][] reads) {
    for (int i = 0; i < count; i++) {
      Thread thread = new Thread(() -> read(dataSource, reads), "bench-reader-" + i);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
  }

  private void read(DataSource dataSource, String[][] statements) {
    try (Connection connection = dataSource.getConnection();
        Statement setup = connection.createStatement()) {
      setup.execute("SET statement_timeout = '120s'");
      List<PreparedStatement> reads = new ArrayList<>();
      for (String[] read : statements) {
        reads.add(connection.prepareStatement(read[0]));
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (running.get()) {
        int which = random.nextInt(reads.size());
        PreparedStatement query = reads.get(which);
        long start = System.nanoTime();
        try {
          query.setLong(1, 1 + random.nextLong(Long.parseLong(statements[which][1])));
          try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
              rows.getObject(1);
            }
          }
        } catch (SQLException e) {
          errors.incrementAndGet();
          if (errorSamples.size() < 3) {
            errorSamples.add(e.getSQLState() + " " + e.getMessage());
          }
        }
        longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
        queries.incrementAndGet();
        Thread.sleep(PAUSE_MILLIS);
      }
    } catch (SQLException e) {
      errors.incrementAndGet();
      errorSamples.add(e.getSQLState() + " " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long queries() {
    return queries.get();
  }

  long errors() {
    return errors.get();
  }

  long longestMillis() {
    return longestNanos.get() / 1_000_000;
  }

  List<String> errorSamples() {
    return List.copyOf(errorSamples);
  }

  @Override
  public void close() {
    running.set(false);
    try {
      for (Thread thread : threads) {
        thread.join(180_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
