package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConcurrentMigrationTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  private static List<MigrationScript> scripts() {
    List<MigrationScript> scripts = new ArrayList<>();
    scripts.add(
        new MigrationScript(
            "V1__slow_start.sql", "CREATE TABLE runs (id serial, v int);\nSELECT pg_sleep(1.5);"));
    for (int v = 2; v <= 6; v++) {
      scripts.add(
          new MigrationScript("V" + v + "__step.sql", "INSERT INTO runs (v) VALUES (" + v + ");"));
    }
    scripts.add(
        new MigrationScript(
            "R__view.sql", "CREATE OR REPLACE VIEW run_view AS SELECT v FROM runs;"));
    return scripts;
  }

  @Test
  void concurrentRunnersApplyEachMigrationExactlyOnceAndTheWaiterSeesTheHolder() throws Exception {
    MigrationRequest request = MigrationRequest.builder(scripts()).build();
    List<LockWait> waits = new CopyOnWriteArrayList<>();
    List<Integer> holderPidsSeenByTest = new CopyOnWriteArrayList<>();
    CountDownLatch firstStarted = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<MigrateResult> first =
          pool.submit(
              () ->
                  new MigrationEngine(pg.dataSource())
                      .migrate(
                          request,
                          new MigrationListener() {
                            @Override
                            public void onProgress(MigrationProgress progress) {
                              firstStarted.countDown();
                            }
                          }));
      assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
      holderPidsSeenByTest.addAll(
          pg
              .queryStrings("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")
              .stream()
              .map(Integer::valueOf)
              .toList());
      Future<MigrateResult> second =
          pool.submit(
              () ->
                  new MigrationEngine(pg.dataSource())
                      .migrate(
                          request,
                          new MigrationListener() {
                            @Override
                            public void onLockWait(LockWait wait) {
                              waits.add(wait);
                            }
                          }));
      MigrateResult a = first.get(60, TimeUnit.SECONDS);
      MigrateResult b = second.get(60, TimeUnit.SECONDS);

      assertThat(a.applied()).hasSize(7);
      assertThat(b.applied()).isEmpty();
      assertThat(b.currentVersion()).isEqualTo("6");
      assertThat(pg.queryLong("SELECT count(*) FROM runs")).isEqualTo(5);
      assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(7);
      assertThat(waits).isNotEmpty();
      assertThat(holderPidsSeenByTest).hasSize(1);
      assertThat(waits.get(0).holderPid()).isEqualTo(holderPidsSeenByTest.get(0));
      assertThat(waits.get(0).since()).isNotNull();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void manyRunnersStartedTogetherApplyEachMigrationOnce() throws Exception {
    List<MigrationScript> scripts = new ArrayList<>();
    scripts.add(new MigrationScript("V1__t.sql", "CREATE TABLE hits (v int);"));
    for (int v = 2; v <= 20; v++) {
      scripts.add(
          new MigrationScript("V" + v + "__hit.sql", "INSERT INTO hits VALUES (" + v + ");"));
    }
    MigrationRequest request = MigrationRequest.builder(scripts).build();
    int runners = 4;
    ExecutorService pool = Executors.newFixedThreadPool(runners);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<MigrateResult>> results = new ArrayList<>();
      for (int i = 0; i < runners; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return new MigrationEngine(pg.dataSource()).migrate(request);
                }));
      }
      go.countDown();
      int applied = 0;
      for (Future<MigrateResult> result : results) {
        applied += result.get(60, TimeUnit.SECONDS).applied().size();
      }
      assertThat(applied).isEqualTo(20);
      assertThat(pg.queryLong("SELECT count(*) FROM hits")).isEqualTo(19);
      assertThat(pg.queryLong("SELECT count(DISTINCT version) FROM pitstop_schema_history"))
          .isEqualTo(20);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void waiterGivesUpAfterLockWaitTimeoutWithATransientError() throws Exception {
    MigrationRequest request =
        MigrationRequest.builder(scripts()).lockWaitTimeout(Duration.ofMillis(300)).build();
    long key =
        MigrationLock.keyFor(new dev.pitstop.sql.QualifiedName("public", "pitstop_schema_history"));
    try (var holder = pg.dataSource().getConnection()) {
      holder.createStatement().execute("SELECT pg_advisory_lock(" + key + ")");
      List<LockWait> waits = new CopyOnWriteArrayList<>();
      MigrationException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              MigrationException.class,
              () ->
                  new MigrationEngine(pg.dataSource())
                      .migrate(
                          request,
                          new MigrationListener() {
                            @Override
                            public void onLockWait(LockWait wait) {
                              waits.add(wait);
                            }
                          }));
      assertThat(e.code()).isEqualTo(ErrorCode.LOCK_WAIT_TIMEOUT);
      assertThat(e.isTransient()).isTrue();
      int holderPid = (int) pg.queryLong("SELECT pid FROM pg_locks WHERE locktype = 'advisory'");
      assertThat(waits)
          .isNotEmpty()
          .allSatisfy(w -> assertThat(w.holderPid()).isEqualTo(holderPid));
    }
    assertThat(pg.tableExists("runs")).isFalse();
  }

  private static final List<MigrationScript> STEPS =
      List.of(
          new MigrationScript("V1__steps.sql", "CREATE TABLE steps (v int);"),
          new MigrationScript("V2__two.sql", "INSERT INTO steps VALUES (2);"),
          new MigrationScript("V3__three.sql", "INSERT INTO steps VALUES (3);"));

  /** Ends the session holding the migration lock from the server side, as a DBA would. */
  private static void terminateLockSession() {
    long key =
        MigrationLock.keyFor(new dev.pitstop.sql.QualifiedName("public", "pitstop_schema_history"));
    long terminated =
        pg.queryLong(
            "WITH holder AS MATERIALIZED (SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
                + " AND granted AND classid::bigint = ? AND objid::bigint = ?)"
                + " SELECT count(*) FROM holder WHERE pg_terminate_backend(pid, 10000)",
            key >>> 32,
            key & 0xFFFFFFFFL);
    assertThat(terminated).isEqualTo(1);
  }

  @Test
  void lockLostBetweenMigrationsStopsTheRunBeforeTheNextOne() {
    MigrationException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            MigrationException.class,
            () ->
                new MigrationEngine(pg.dataSource())
                    .migrate(
                        MigrationRequest.builder(STEPS).build(),
                        new MigrationListener() {
                          @Override
                          public void onApplied(ExecutedMigration migration, int index, int total) {
                            if (index == 1) {
                              terminateLockSession();
                            }
                          }
                        }));

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.LOCK_LOST);
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage())
        .contains("migration lock on public.pitstop_schema_history was lost")
        .contains("V2__two.sql was not started")
        .contains("nothing further was applied");
    assertThat(e.partialResult().applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("V1__steps.sql");
    assertThat(pg.rowCount("steps")).isZero();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__steps.sql");
    // the next run takes the lock again and continues where this one stopped
    assertThat(
            new MigrationEngine(pg.dataSource())
                .migrate(MigrationRequest.builder(STEPS).build())
                .applied())
        .hasSize(2);
    assertThat(pg.queryStrings("SELECT v::text FROM steps ORDER BY v")).containsExactly("2", "3");
  }

  @Test
  void lockLostDuringAMigrationRollsItBackUnrecorded() {
    MigrationException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            MigrationException.class,
            () ->
                new MigrationEngine(pg.dataSource())
                    .migrate(
                        MigrationRequest.builder(STEPS).build(),
                        new MigrationListener() {
                          @Override
                          public void onProgress(MigrationProgress progress) {
                            if (progress.script().equals("V2__two.sql")) {
                              terminateLockSession();
                            }
                          }
                        }));

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.LOCK_LOST);
    assertThat(e.getMessage()).contains("V2__two.sql was rolled back and not recorded");
    assertThat(pg.rowCount("steps")).isZero();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__steps.sql");
  }

  @Test
  void lockKeyIsFlywaysForTheSameTable() {
    // Flyway: 77431708279161 + "\"public\".\"flyway_schema_history\"".hashCode()
    long flyway = 77431708279161L + "\"public\".\"flyway_schema_history\"".hashCode();
    assertThat(
            MigrationLock.keyFor(
                new dev.pitstop.sql.QualifiedName("public", "flyway_schema_history")))
        .isEqualTo(flyway);
  }

  @Test
  void pooledSessionsAreReturnedAsTheyCame() throws Exception {
    // A data source that hands out the same two sessions again, like a pool would.
    var lockSession = pg.dataSource().getConnection();
    var workSession = pg.dataSource().getConnection();
    long key =
        MigrationLock.keyFor(new dev.pitstop.sql.QualifiedName("public", "pitstop_schema_history"));
    try (var holder = pg.dataSource().getConnection()) {
      holder.createStatement().execute("SELECT pg_advisory_lock(" + key + ")");
      Thread release =
          new Thread(
              () -> {
                try {
                  // Once the engine waits for the lock in the server (under its lock_timeout).
                  await()
                      .atMost(Duration.ofSeconds(30))
                      .pollInterval(Duration.ofMillis(20))
                      .until(
                          () ->
                              pg.queryLong(
                                      "SELECT count(*) FROM pg_locks"
                                          + " WHERE locktype = 'advisory' AND NOT granted")
                                  > 0);
                  holder.createStatement().execute("SELECT pg_advisory_unlock(" + key + ")");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      release.start();
      var sessions = new java.util.ArrayDeque<>(List.of(lockSession, workSession));
      javax.sql.DataSource pool = new ReusingDataSource(sessions);
      new MigrationEngine(pool).migrate(MigrationRequest.builder(scripts()).build());
      release.join();
    }
    for (var session : List.of(lockSession, workSession)) {
      assertThat(session.getAutoCommit()).isTrue();
      try (var rows = session.createStatement().executeQuery("SHOW lock_timeout")) {
        rows.next();
        assertThat(rows.getString(1)).isEqualTo("0");
      }
      session.unwrap(java.sql.Connection.class).close();
    }
  }

  /** Hands out the given sessions; close() leaves them open, as a pool does. */
  private static final class ReusingDataSource extends org.postgresql.ds.PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    private final transient java.util.Deque<java.sql.Connection> sessions;

    ReusingDataSource(java.util.Deque<java.sql.Connection> sessions) {
      this.sessions = sessions;
    }

    @Override
    public java.sql.Connection getConnection() {
      java.sql.Connection session = sessions.poll();
      return (java.sql.Connection)
          java.lang.reflect.Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {java.sql.Connection.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "close" -> null;
                    case "unwrap" -> session;
                    default -> method.invoke(session, args);
                  });
    }
  }
}
