package dev.pitstop.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The engine against a real PostgreSQL: mode row, NOTIFY, tasks, sessions, limits, restore. */
class MaintenanceEngineTest {
  private static final String TASKS = "SELECT count(*) FROM tasks WHERE status = 'running'";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  private MaintenanceEngine engine() {
    return new MaintenanceEngine(pg.dataSource());
  }

  private void tasks(int running) {
    pg.execute("CREATE TABLE IF NOT EXISTS tasks (id serial PRIMARY KEY, status text NOT NULL)");
    for (int i = 0; i < running; i++) {
      pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    }
  }

  private static DrainRequest.Builder request() {
    return DrainRequest.builder().pollInterval(Duration.ofMillis(50));
  }

  @Test
  void announceWritesWaitingModeAndNotifiesListenersInTheSameTransaction() throws Exception {
    tasks(2);
    try (Connection listener = pg.dataSource().getConnection()) {
      listen(listener);

      Preflight preflight =
          engine().announce(request().tasksQuery(TASKS).modeTable("app_mode").build());

      assertThat(preflight.sample().pendingTasks()).isEqualTo(2);
      assertThat(
              pg.queryStrings(
                  "SELECT mode || '|' || pending_tasks_count || '|' || running_tasks_count"
                      + " FROM app_mode"))
          .containsExactly("waiting_for_maintenance|2|0");
      assertThat(notifications(listener)).containsExactly("waiting_for_maintenance");
    }
  }

  @Test
  void setModeKeepsOneRowAndMovesModeChangedAtOnlyOnChange() {
    MaintenanceEngine engine = engine();
    engine.setMode(SqlIdentifiers.qualified("public.app_mode"), Mode.WAITING_FOR_MAINTENANCE);
    String first = pg.queryStrings("SELECT mode_changed_at::text FROM app_mode").get(0);
    engine.setMode(SqlIdentifiers.qualified("public.app_mode"), Mode.WAITING_FOR_MAINTENANCE);
    assertThat(pg.queryStrings("SELECT mode_changed_at::text FROM app_mode"))
        .containsExactly(first);

    ModeState state =
        engine.setMode(SqlIdentifiers.qualified("app_mode"), Mode.MAINTENANCE).orElseThrow();

    assertThat(state.mode()).isEqualTo(Mode.MAINTENANCE);
    assertThat(pg.rowCount("app_mode")).isEqualTo(1);
    assertThat(engine.status(SqlIdentifiers.qualified("app_mode")).orElseThrow().mode())
        .isEqualTo(Mode.MAINTENANCE);
    assertThat(engine.status(SqlIdentifiers.qualified("no_such_table"))).isEmpty();
  }

  @Test
  void aBrokenTasksQueryIsRefusedBeforeAnythingChanges() {
    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () ->
                engine()
                    .announce(
                        request()
                            .tasksQuery("SELECT count(*) FROM missing")
                            .modeTable("m")
                            .build()));

    assertThat(e.code()).isEqualTo(ErrorCode.TASKS_QUERY_FAILED);
    assertThat(e.field()).isEqualTo(Field.TASKS_QUERY);
    assertThat(e.isTransient()).isFalse();
    assertThat(e.getMessage()).contains("missing").contains("42P01");
    assertThat(pg.tableExists("m")).isFalse();
  }

  @Test
  void tasksQueryMustReturnExactlyOneNumber() {
    assertThat(countFails("SELECT 1, 2")).contains("one column");
    assertThat(countFails("SELECT 1 WHERE false")).contains("none");
    assertThat(countFails("SELECT generate_series(1, 2)")).contains("more");
    assertThat(countFails("SELECT NULL::int")).contains("coalesce");
    assertThat(countFails("SELECT 'three'")).contains("number");
    assertThat(engine().check(request().tasksQuery("SELECT 0.5").build()).sample().pendingTasks())
        .isEqualTo(1);
  }

  @Test
  void tasksQueryRunsReadOnly() {
    tasks(1);
    String sneaky = "WITH gone AS (DELETE FROM tasks RETURNING 1) SELECT count(*) FROM gone";

    assertThat(countFails(sneaky)).contains("read-only");
    assertThat(pg.rowCount("tasks")).isEqualTo(1);
  }

  @Test
  void aSlowTasksQueryTimesOutAsATransientError() {
    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () ->
                engine()
                    .check(
                        request()
                            .tasksQuery("SELECT count(*) FROM pg_sleep(5)")
                            .tasksStatementTimeout(Duration.ofMillis(100))
                            .build()));
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage()).contains("statement timeout");
  }

  @Test
  void aModeTableWithoutTheExpectedColumnsIsRefused() {
    pg.execute("CREATE TABLE app_mode (mode text)");

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> engine().announce(request().modeTable("app_mode").build()));

    assertThat(e.code()).isEqualTo(ErrorCode.MODE_TABLE_INVALID);
    assertThat(e.getMessage()).contains("pending_tasks_count");
    assertThat(pg.rowCount("app_mode")).isZero();
  }

  @Test
  void drainWaitsUntilTheTasksQueryReachesZeroAndKeepsCountsInTheModeTable() throws Exception {
    tasks(1);
    engine().announce(request().tasksQuery(TASKS).modeTable("app_mode").build());
    List<DrainSample> samples = new CopyOnWriteArrayList<>();
    CompletableFuture<DrainResult> drained =
        CompletableFuture.supplyAsync(
            () ->
                engine()
                    .drain(
                        request().tasksQuery(TASKS).modeTable("app_mode").build(),
                        new DrainListener() {
                          @Override
                          public void onSample(DrainSample sample) {
                            samples.add(sample);
                          }
                        }));
    awaitSamples(samples, 3);
    assertThat(drained).isNotDone();
    assertThat(pg.queryLong("SELECT pending_tasks_count FROM app_mode")).isEqualTo(1);

    pg.execute("UPDATE tasks SET status = 'done'");

    DrainResult result = drained.get();
    assertThat(result.lastSample().pendingTasks()).isZero();
    assertThat(samples.get(0).pendingTasks()).isEqualTo(1);
    assertThat(pg.queryLong("SELECT pending_tasks_count FROM app_mode")).isZero();
  }

  @Test
  void drainTimesOutSayingWhatIsLeft() {
    tasks(2);

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () ->
                engine()
                    .drain(
                        request().tasksQuery(TASKS).deadline(Instant.now().plusMillis(300)).build(),
                        DrainListener.NONE));

    assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(e.getMessage()).isEqualTo("not drained in time: 2 task(s) pending");
  }

  @Test
  void enterRestoresModeRunningWhenTheDrainTimesOut() {
    tasks(1);

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () ->
                engine()
                    .enter(
                        request()
                            .tasksQuery(TASKS)
                            .modeTable("app_mode")
                            .deadline(Instant.now().plusMillis(300))
                            .build(),
                        DrainListener.NONE));

    assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
  }

  @Test
  void drainStopsWhenAskedTo() {
    tasks(1);
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<DrainResult> drained =
        CompletableFuture.supplyAsync(
            () ->
                engine()
                    .drain(
                        request().tasksQuery(TASKS).stopRequested(stop::get).build(),
                        DrainListener.NONE));
    stop.set(true);

    Throwable e = catchThrowableOfType(Exception.class, drained::join).getCause();
    assertThat(e).isInstanceOf(MaintenanceException.class);
    assertThat(((MaintenanceException) e).code()).isEqualTo(ErrorCode.CANCELLED);
  }

  @Test
  void sessionsOfDrainedRolesAreWaitedForThenTerminatedAfterTheGracePeriod() throws Exception {
    String app = roles.create("app", "");
    Connection session = roles.connect(app, "shop-api");
    List<Session> terminated = new CopyOnWriteArrayList<>();

    Preflight preflight = engine().check(request().roles(List.of(app)).terminate(true).build());
    assertThat(preflight.sample().sessions())
        .extracting(Session::role, Session::applicationName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(app, "shop-api"));

    DrainResult result =
        engine()
            .drain(
                request()
                    .roles(List.of(app))
                    .terminate(true)
                    .gracePeriod(Duration.ofMillis(200))
                    .deadline(Instant.now().plusSeconds(20))
                    .build(),
                new DrainListener() {
                  @Override
                  public void onTerminated(List<Session> sessions) {
                    terminated.addAll(sessions);
                  }
                });

    assertThat(result.terminatedSessions()).isEqualTo(1);
    assertThat(terminated).extracting(Session::role).containsExactly(app);
    assertThat(result.lastSample().sessions()).isEmpty();
    assertThat(isClosed(session)).isTrue();
  }

  @Test
  void sessionsAreNeverTerminatedWhileTasksAreStillPending() throws Exception {
    tasks(1);
    String app = roles.create("app", "");
    Connection session = roles.connect(app, "worker");

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () ->
                engine()
                    .drain(
                        request()
                            .tasksQuery(TASKS)
                            .roles(List.of(app))
                            .terminate(true)
                            .gracePeriod(Duration.ZERO)
                            .deadline(Instant.now().plusMillis(400))
                            .build(),
                        DrainListener.NONE));

    assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(e.getMessage()).contains("1 task(s) pending").contains("1 session(s) open");
    assertThat(isClosed(session)).isFalse();
  }

  @Test
  void blockNewSetsTheLimitToZeroAndRestorePutsBackTheRecordedValue() throws Exception {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    String other = roles.create("other", "");

    Preflight preflight =
        engine().check(request().roles(List.of(app, other)).blockNew(true).build());
    assertThat(preflight.connectionLimits())
        .containsExactly(new RoleLimit(app, 7), new RoleLimit(other, -1));

    DrainResult result =
        engine()
            .drain(request().roles(List.of(app, other)).blockNew(true).build(), DrainListener.NONE);

    assertThat(result.blockedRoles()).containsExactly(app, other);
    assertThat(limit(app)).isZero();
    assertThat(limit(other)).isZero();
    SQLException refused =
        catchThrowableOfType(SQLException.class, () -> roles.connect(app, "late"));
    assertThat(refused.getMessage()).contains("too many connections");

    RestoreResult restored = engine().restore(null, preflight.connectionLimits());
    RestoreResult again = engine().restore(null, preflight.connectionLimits());

    assertThat(restored.restored()).hasSize(2);
    assertThat(again).isEqualTo(restored);
    assertThat(limit(app)).isEqualTo(7);
    assertThat(limit(other)).isEqualTo(-1);
  }

  @Test
  void restoreSkipsRolesDroppedDuringTheWindowAndSetsModeRunning() {
    engine().setMode(SqlIdentifiers.qualified("app_mode"), Mode.MAINTENANCE);

    RestoreResult result =
        engine()
            .restore(
                SqlIdentifiers.qualified("app_mode"), List.of(new RoleLimit("gone_role_x", 3)));

    assertThat(result.missing()).containsExactly("gone_role_x");
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
  }

  @Test
  void pitstopsOwnSessionsAreNeitherCountedNorTerminated() throws Exception {
    // The engine's data source logs in as the test role with the driver's application name;
    // another session just like it is Pitstop's own (e.g. a migration inside the window).
    try (Connection own = pg.dataSource().getConnection()) {
      DrainResult result =
          engine()
              .drain(
                  request()
                      .roles(List.of(pg.user()))
                      .terminate(true)
                      .gracePeriod(Duration.ZERO)
                      .deadline(Instant.now().plusSeconds(10))
                      .build(),
                  DrainListener.NONE);

      assertThat(result.lastSample().sessions()).isEmpty();
      assertThat(result.terminatedSessions()).isZero();
      assertThat(isClosed(own)).isFalse();
    }
  }

  @Test
  void sessionsOfOtherRolesAreCountedWithoutExtraPrivileges() throws Exception {
    String app = roles.create("app", "");
    String pitstop = roles.create("pitstop", "");
    roles.connect(app, "shop-api");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    Preflight preflight = asPitstop.check(request().roles(List.of(app)).build());

    assertThat(preflight.sample().sessions()).extracting(Session::role).containsExactly(app);
  }

  @Test
  void pitstopRefusesToBlockTheRoleItLogsInAs() throws Exception {
    String pitstop = roles.create("pitstop", "CREATEROLE");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> asPitstop.check(request().roles(List.of(pitstop)).blockNew(true).build()));

    assertThat(e.field()).isEqualTo(Field.BLOCK_NEW);
    assertThat(e.getMessage()).contains("lock itself out");
  }

  @Test
  void missingPrivilegesAreReportedBeforeAnythingChanges() throws Exception {
    String app = roles.create("app", "CONNECTION LIMIT 5");
    String pitstop = roles.create("pitstop", "");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    MaintenanceException block =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> asPitstop.check(request().roles(List.of(app)).blockNew(true).build()));
    MaintenanceException terminate =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> asPitstop.check(request().roles(List.of(app)).terminate(true).build()));
    MaintenanceException missing =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> engine().check(request().roles(List.of("no_such_role_x")).build()));

    assertThat(block.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(block.field()).isEqualTo(Field.BLOCK_NEW);
    assertThat(terminate.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(terminate.getMessage()).contains("pg_signal_backend").contains(app);
    assertThat(missing.code()).isEqualTo(ErrorCode.ROLE_NOT_FOUND);
    assertThat(limit(app)).isEqualTo(5);
  }

  private String countFails(String sql) {
    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class, () -> engine().check(request().tasksQuery(sql).build()));
    assertThat(e.code()).isEqualTo(ErrorCode.TASKS_QUERY_FAILED);
    return e.getMessage();
  }

  private long limit(String role) {
    return pg.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", role);
  }

  private javax.sql.DataSource asRole(String role) {
    org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
    dataSource.setURL(pg.jdbcUrl());
    dataSource.setUser(role);
    dataSource.setPassword(TestRoles.PASSWORD);
    return dataSource;
  }

  private static boolean isClosed(Connection session) {
    try (Statement statement = session.createStatement()) {
      statement.execute("SELECT 1");
      return false;
    } catch (SQLException e) {
      return true;
    }
  }

  private static void listen(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN " + ModeTable.CHANNEL);
    }
  }

  private static List<String> notifications(Connection connection) throws SQLException {
    List<String> payloads = new ArrayList<>();
    PGNotification[] received = connection.unwrap(PGConnection.class).getNotifications(5_000);
    if (received != null) {
      for (PGNotification n : received) {
        payloads.add(n.getParameter());
      }
    }
    return payloads;
  }

  private static void awaitSamples(List<DrainSample> samples, int count) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> samples.size() >= count);
  }
}
