package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Strategies against concurrent readers: Delete never blocks a reader that gives up after 50 ms
 * waiting for a lock; Truncate does, and fails fast when a reader holds a table.
 */
class ResetReadersTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  /** Keeps the reset's transaction open a while after the tables are emptied. */
  private static final SeedScript SLOW_SEED =
      new SeedScript("99-slow.sql", "SELECT pg_sleep(0.6);");

  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
    pg.execute(
        "INSERT INTO users (email) SELECT 'bulk' || g || '@school.test'"
            + " FROM generate_series(1, 20000) g;"
            + " INSERT INTO enrollments (user_id, course_id)"
            + " SELECT 50 + g, 1 + g % 6 FROM generate_series(1, 20000) g;");
  }

  private ResetRequest.Builder request(DeletionStrategy strategy) {
    return ResetRequest.builder(pg.databaseName())
        .preserveTables(List.of("payload_*", "preferences"))
        .strategy(strategy)
        .seeds(List.of(SLOW_SEED));
  }

  @Test
  void deleteNeverBlocksReadersThatAllowOnly50msOfLockWaiting() throws Exception {
    try (Readers readers = new Readers(pg, 4)) {
      readers.awaitQueries(20);
      new ResetEngine(pg.dataSource()).reset(request(DeletionStrategy.DELETE).build());
      long queriesAfter = readers.queries() + 20;
      readers.awaitQueries(queriesAfter);

      assertThat(readers.errors()).isEmpty();
    }
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void truncateBlocksThoseReaders() throws Exception {
    try (Readers readers = new Readers(pg, 4)) {
      readers.awaitQueries(20);
      new ResetEngine(pg.dataSource()).reset(request(DeletionStrategy.TRUNCATE).build());

      assertThat(readers.errors()).isNotEmpty().allMatch(e -> e.contains("55P03"));
    }
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void deleteDoesNotWaitForALongReader() throws Exception {
    try (Connection reader = pg.dataSource().getConnection();
        Statement statement = reader.createStatement()) {
      reader.setAutoCommit(false);
      statement.executeQuery("SELECT count(*) FROM users").close();

      new ResetEngine(pg.dataSource())
          .reset(request(DeletionStrategy.DELETE).lockTimeout(Duration.ofMillis(200)).build());

      reader.rollback();
    }
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void truncateFailsFastBehindALongReaderAndChangesNothing() throws Exception {
    String before = LearningSchema.snapshot(pg);
    try (Connection reader = pg.dataSource().getConnection();
        Statement statement = reader.createStatement()) {
      reader.setAutoCommit(false);
      statement.executeQuery("SELECT count(*) FROM users").close();

      ResetException e =
          catchThrowableOfType(
              ResetException.class,
              () ->
                  new ResetEngine(pg.dataSource())
                      .reset(
                          request(DeletionStrategy.TRUNCATE)
                              .lockTimeout(Duration.ofMillis(200))
                              .build()));

      assertThat(e.code()).isEqualTo(ResetErrorCode.DELETE_FAILED);
      assertThat(e.isTransient()).isTrue();
      assertThat(e.failure().sqlState()).isEqualTo("55P03");
      assertThat(e.getMessage())
          .startsWith(
              "TRUNCATE of public.submissions, public.enrollments, public.courses and 2"
                  + " more failed within lockTimeout");
      reader.rollback();
    }
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  /** Reader threads running indexed point queries with lock_timeout = 50ms, as apps do. */
  static final class Readers implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong queries = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    Readers(PostgresExtension pg, int count) {
      for (int i = 0; i < count; i++) {
        Thread thread = new Thread(() -> read(pg), "reader-" + i);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
      }
    }

    private void read(PostgresExtension pg) {
      try (Connection connection = pg.dataSource().getConnection();
          Statement setup = connection.createStatement();
          PreparedStatement user =
              connection.prepareStatement("SELECT email FROM users WHERE id = ?");
          PreparedStatement enrollments =
              connection.prepareStatement("SELECT count(*) FROM enrollments WHERE user_id = ?")) {
        setup.execute("SET lock_timeout = '50ms'");
        long n = 0;
        while (running.get()) {
          n++;
          for (PreparedStatement query : List.of(user, enrollments)) {
            query.setLong(1, 1 + n % 20000);
            try (ResultSet rows = query.executeQuery()) {
              while (rows.next()) {
                rows.getString(1);
              }
            } catch (SQLException e) {
              errors.add(e.getSQLState() + " " + e.getMessage());
            }
          }
          queries.incrementAndGet();
        }
      } catch (SQLException e) {
        errors.add(e.getSQLState() + " " + e.getMessage());
      }
    }

    long queries() {
      return queries.get();
    }

    List<String> errors() {
      return List.copyOf(errors);
    }

    void awaitQueries(long target) {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> queries.get() >= target);
    }

    @Override
    public void close() {
      running.set(false);
      try {
        for (Thread thread : threads) {
          thread.join(10_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
