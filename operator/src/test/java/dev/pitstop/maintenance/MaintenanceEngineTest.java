package dev.pitstop.maintenance;

import static dev.pitstop.maintenance.DrainListener.NONE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
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
  private static final QualifiedName APP_MODE = SqlIdentifiers.qualified("app_mode");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** The tables as docs/maintenance-window.md tells applications to create them. */
  private static final String MODE_DDL =
      "CREATE TABLE app_mode ("
          + " mode text NOT NULL CHECK (mode IN ('running', 'waiting_for_maintenance',"
          + " 'maintenance')), pending_tasks_count bigint NOT NULL DEFAULT 0,"
          + " running_tasks_count bigint NOT NULL DEFAULT 0,"
          + " mode_changed_at timestamptz NOT NULL DEFAULT now(),"
          + " mode_expires_at timestamptz)";

  private static final String HOLDERS_DDL =
      "CREATE TABLE app_mode_holders ("
          + " holder text PRIMARY KEY,"
          + " state text NOT NULL CHECK (state IN ('waiting_for_maintenance', 'maintenance')),"
          + " expires_at timestamptz,"
          + " since timestamptz NOT NULL DEFAULT now())";

  /** What an application reads: the mode, or running once the last lease has ended. */
  private static final String APP_READS =
      "SELECT CASE WHEN mode_expires_at <= now() THEN 'running' ELSE mode END FROM app_mode";

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
  void holdKeepsOneRowAndMovesModeChangedAtOnlyOnChange() {
    MaintenanceEngine engine = engine();
    engine.hold(APP_MODE, "a", Mode.WAITING_FOR_MAINTENANCE, MINUTE);
    String first = pg.queryStrings("SELECT mode_changed_at::text FROM app_mode").get(0);
    engine.hold(APP_MODE, "a", Mode.WAITING_FOR_MAINTENANCE, MINUTE);
    assertThat(pg.queryStrings("SELECT mode_changed_at::text FROM app_mode"))
        .containsExactly(first);

    ModeState state = engine.hold(APP_MODE, "a", Mode.MAINTENANCE, MINUTE).orElseThrow();

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
    // A count below zero is a broken query, not a drained application.
    assertThat(countFails("SELECT -3")).isEqualTo("must return 0 or more, it returned -3");
    assertThat(countFails("SELECT -0.5")).contains("0 or more");
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

    RestoreResult restored = engine().restore(null, "pitstop", preflight.connectionLimits());
    RestoreResult again = engine().restore(null, "pitstop", preflight.connectionLimits());

    assertThat(restored.restored())
        .containsExactlyInAnyOrder(new RoleLimit(app, 7), new RoleLimit(other, -1));
    assertThat(again.restored()).isEmpty();
    assertThat(limit(app)).isEqualTo(7);
    assertThat(limit(other)).isEqualTo(-1);
    assertThat(blockHolders(app)).isEmpty();
  }

  @Test
  void aRoleBlockedByTwoWindowsStaysBlockedUntilTheLastOneRestoresItsOriginalLimit() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    Preflight first = engine().check(request().roles(List.of(app)).blockNew(true).build());
    engine().drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
    Preflight second = engine().check(request().roles(List.of(app)).blockNew(true).build());
    engine().drain(request().holder("shop/b").roles(List.of(app)).blockNew(true).build(), NONE);

    RestoreResult a = engine().restore(null, "shop/a", first.connectionLimits());

    assertThat(a.restored()).isEmpty();
    assertThat(limit(app)).isZero();

    RestoreResult b = engine().restore(null, "shop/b", second.connectionLimits());

    assertThat(b.restored()).containsExactly(new RoleLimit(app, 7));
    assertThat(limit(app)).isEqualTo(7);
    assertThat(blockHolders(app)).isEmpty();
  }

  /**
   * Roles belong to the whole server: a window on another database blocks the same role after this
   * one did, and records 0. Whichever restores first, the role ends with its own limit, not 0.
   */
  @Test
  void windowsOnTwoDatabasesBlockingOneRoleNeverLeaveItClosed() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    TestDatabase other = pg.createDatabase();
    MaintenanceEngine here = engine();
    MaintenanceEngine there = new MaintenanceEngine(other.dataSource());
    for (boolean hereFirst : new boolean[] {true, false}) {
      here.drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
      there.drain(request().holder("shop/b").roles(List.of(app)).blockNew(true).build(), NONE);
      assertThat(limit(app)).isZero();

      RestoreResult first =
          (hereFirst ? here : there).restore(null, hereFirst ? "shop/a" : "shop/b", List.of());
      RestoreResult second =
          (hereFirst ? there : here).restore(null, hereFirst ? "shop/b" : "shop/a", List.of());

      assertThat(limit(app)).as("here first: %s", hereFirst).isEqualTo(7);
      if (hereFirst) {
        assertThat(first.restored()).containsExactly(new RoleLimit(app, 7));
        assertThat(second.restored()).as("it recorded 0: nothing to put back").isEmpty();
        assertThat(second.changed()).containsExactly(new RoleLimit(app, 7));
      } else {
        assertThat(first.restored()).as("0 is not put back").isEmpty();
        assertThat(second.restored()).containsExactly(new RoleLimit(app, 7));
      }
    }
  }

  @Test
  void aLimitChangedByADbaWhileBlockedIsLeftAsItIsAndReported() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    engine().drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
    pg.execute("ALTER ROLE " + app + " CONNECTION LIMIT 3"); // a DBA lets a few sessions in

    RestoreResult result = engine().restore(null, "shop/a", List.of());

    assertThat(result.restored()).isEmpty();
    assertThat(result.changed()).containsExactly(new RoleLimit(app, 3));
    assertThat(limit(app)).isEqualTo(3);
    assertThat(blockHolders(app)).isEmpty();
  }

  @Test
  void theLimitIsRecordedWhenTheRoleIsBlockedNotWhenTheWindowIsAnnounced() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    Preflight announced = engine().check(request().roles(List.of(app)).blockNew(true).build());
    pg.execute("ALTER ROLE " + app + " CONNECTION LIMIT 20"); // a DBA, before the block

    engine().drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
    assertThat(limit(app)).isZero();
    engine().restore(null, "shop/a", announced.connectionLimits());

    assertThat(limit(app)).isEqualTo(20);
  }

  @Test
  void aRestoreBeforeTheBlockLeavesTheLimitAlone() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    Preflight announced = engine().check(request().roles(List.of(app)).blockNew(true).build());
    pg.execute("ALTER ROLE " + app + " CONNECTION LIMIT 20"); // a DBA; then the window is cancelled

    RestoreResult result = engine().restore(null, "shop/a", announced.connectionLimits());

    assertThat(result.restored()).isEmpty();
    assertThat(limit(app)).isEqualTo(20);
  }

  @Test
  void theOriginalLimitSurvivesTheWindowLosingItsRecords() {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    engine().drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
    // The window's status is lost: it announces and drains again, and reads the limit 0.
    Preflight again = engine().check(request().roles(List.of(app)).blockNew(true).build());
    engine().drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);

    engine().restore(null, "shop/a", again.connectionLimits());

    assertThat(limit(app)).isEqualTo(7);
  }

  @Test
  void aRoleWithCreateRoleAndAdminOptionBlocksAndRestores() throws Exception {
    String app = roles.create("app", "CONNECTION LIMIT 7");
    String pitstop = roles.create("pitstop", "CREATEROLE");
    pg.execute("GRANT " + app + " TO " + pitstop + " WITH ADMIN OPTION");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    asPitstop.check(request().roles(List.of(app)).blockNew(true).build());
    asPitstop.drain(request().holder("shop/a").roles(List.of(app)).blockNew(true).build(), NONE);
    assertThat(limit(app)).isZero();
    asPitstop.restore(null, "shop/a", List.of());

    assertThat(limit(app)).isEqualTo(7);
    assertThat(blockHolders(app)).isEmpty();
  }

  /** The holders recorded as blocking {@code role} (the table exists once a role was blocked). */
  private List<String> blockHolders(String role) {
    return pg.queryStrings(
        "SELECT holder FROM pitstop_blocked_roles WHERE role = ? ORDER BY holder", role);
  }

  @Test
  void restoreSkipsRolesDroppedDuringTheWindowAndReleasesItsHolder() {
    engine().hold(APP_MODE, "shop/nightly", Mode.MAINTENANCE, MINUTE);

    RestoreResult result =
        engine().restore(APP_MODE, "shop/nightly", List.of(new RoleLimit("gone_role_x", 3)));

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

  @Test
  void terminatingASuperusersSessionsIsRefusedSayingWhyPgSignalBackendDoesNotHelp()
      throws Exception {
    String postgres = roles.create("postgres", "SUPERUSER");
    String pitstop = roles.create("pitstop", "IN ROLE pg_signal_backend");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    MaintenanceException e =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> asPitstop.check(request().roles(List.of(postgres)).terminate(true).build()));

    assertThat(e.field()).isEqualTo(Field.TERMINATE);
    assertThat(e.getMessage())
        .contains(postgres)
        .contains("superuser")
        .doesNotContain("grant it pg_signal_backend");
  }

  @Test
  void aSecondEnterJoinsAsAnotherHolderAndTheModeRunsOnlyAfterTheLastExit() throws Exception {
    tasks(0);
    try (Connection listener = pg.dataSource().getConnection()) {
      listen(listener);
      engine()
          .enter(
              request().tasksQuery(TASKS).modeTable("app_mode").holder("alice").build(),
              DrainListener.NONE);
      assertThat(notifications(listener, 2))
          .containsExactly("waiting_for_maintenance", "maintenance");

      engine().announce(request().tasksQuery(TASKS).modeTable("app_mode").holder("bob").build());
      assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");
      engine()
          .enter(
              request().tasksQuery(TASKS).modeTable("app_mode").holder("bob").build(),
              DrainListener.NONE);

      ModeState both = engine().status(APP_MODE).orElseThrow();
      assertThat(both.mode()).isEqualTo(Mode.MAINTENANCE);
      assertThat(both.holders())
          .extracting(ModeState.Holder::name, ModeState.Holder::state)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("alice", Mode.MAINTENANCE),
              org.assertj.core.groups.Tuple.tuple("bob", Mode.MAINTENANCE));
      assertThat(both.holders()).allSatisfy(h -> assertThat(h.expiresAt()).isNotNull());

      engine().release(APP_MODE, "alice");
      assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");
      engine().release(APP_MODE, "bob");
      assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
      assertThat(pg.rowCount("app_mode")).isEqualTo(1);
      assertThat(pg.rowCount("app_mode_holders")).isZero();
      // One NOTIFY per change of the mode, none for a holder joining a mode already held.
      assertThat(notifications(listener, 1)).containsExactly("running");
    }
  }

  @Test
  void aSecondEnterThatTimesOutLeavesTheFirstHolderInMaintenance() {
    tasks(0);
    engine()
        .enter(
            request().tasksQuery(TASKS).modeTable("app_mode").holder("alice").build(),
            DrainListener.NONE);
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
                            .holder("bob")
                            .deadline(Instant.now().plusMillis(300))
                            .build(),
                        DrainListener.NONE));

    assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");
    assertThat(engine().status(APP_MODE).orElseThrow().holders())
        .extracting(ModeState.Holder::name)
        .containsExactly("alice");
  }

  @Test
  void aHolderWhoseLeaseEndedDoesNotKeepTheMode() {
    MaintenanceEngine engine = engine();
    engine.hold(APP_MODE, "alive", Mode.WAITING_FOR_MAINTENANCE, MINUTE);
    assertThat(engine.hold(APP_MODE, "gone", Mode.MAINTENANCE, Duration.ofMillis(50)))
        .map(ModeState::mode)
        .contains(Mode.MAINTENANCE);
    awaitExpired("gone");
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");

    // The live holder's next renewal drops the expired one.
    ModeState state =
        engine.hold(APP_MODE, "alive", Mode.WAITING_FOR_MAINTENANCE, MINUTE).orElseThrow();

    assertThat(state.mode()).isEqualTo(Mode.WAITING_FOR_MAINTENANCE);
    assertThat(state.holders()).extracting(ModeState.Holder::name).containsExactly("alive");
  }

  @Test
  void anEnterKilledWhileWaitingDoesNotLeaveTheModeStuck() {
    tasks(1);
    // What a SIGKILLed enter leaves: its holder, registered as waiting, never renewed again.
    engine()
        .announce(
            request()
                .tasksQuery(TASKS)
                .modeTable("app_mode")
                .holder("killed")
                .lease(Duration.ofMillis(50))
                .build());
    assertThat(pg.queryStrings("SELECT mode FROM app_mode"))
        .containsExactly("waiting_for_maintenance");

    awaitExpired("killed");

    // Applications reading as documented see running at once, before anyone writes again...
    assertThat(pg.queryStrings(APP_READS)).containsExactly("running");
    // ...status shows why, and the next write of anyone drops the holder from the row too.
    assertThat(engine().status(APP_MODE).orElseThrow().holders())
        .extracting(ModeState.Holder::name, ModeState.Holder::expired)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("killed", true));
    ModeState after = engine().release(APP_MODE, "someone-else").orElseThrow();
    assertThat(after.mode()).isEqualTo(Mode.RUNNING);
    assertThat(after.holders()).isEmpty();
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
  }

  @Test
  void aRoleWithOnlyRowPrivilegesOnPreCreatedTablesEntersAndExits() throws Exception {
    tasks(0);
    String pitstop = roles.create("pitstop", "");
    pg.execute("REVOKE CREATE ON SCHEMA public FROM " + pitstop);
    pg.execute(MODE_DDL);
    pg.execute(HOLDERS_DDL);
    pg.execute("GRANT SELECT ON tasks TO " + pitstop);
    pg.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON app_mode, app_mode_holders TO " + pitstop);
    assertThat(pg.queryStrings("SELECT has_schema_privilege(?, 'public', 'CREATE')::text", pitstop))
        .containsExactly("false");
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    asPitstop.enter(
        request().tasksQuery(TASKS).modeTable("app_mode").holder("p").build(), DrainListener.NONE);
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");
    assertThat(asPitstop.status(APP_MODE).orElseThrow().holders())
        .extracting(ModeState.Holder::name)
        .containsExactly("p");
    asPitstop.release(APP_MODE, "p");

    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
  }

  @Test
  void aModeTableFromBeforeHoldersWorksForALeastPrivilegeRoleOnceItsHoldersTableExists()
      throws Exception {
    String pitstop = roles.create("pitstop", "");
    pg.execute("REVOKE CREATE ON SCHEMA public FROM " + pitstop);
    pg.execute(MODE_DDL.replace(", mode_expires_at timestamptz", ""));
    pg.execute("INSERT INTO app_mode (mode) VALUES ('running')");
    pg.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON app_mode TO " + pitstop);
    MaintenanceEngine asPitstop = new MaintenanceEngine(asRole(pitstop));

    MaintenanceException missing =
        catchThrowableOfType(
            MaintenanceException.class,
            () -> asPitstop.announce(request().modeTable("app_mode").holder("p").build()));
    assertThat(missing.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(missing.field()).isEqualTo(Field.MODE_TABLE);
    assertThat(missing.getMessage())
        .contains("app_mode_holders does not exist")
        .contains("may not create it in schema public")
        .contains("grant SELECT, INSERT, UPDATE, DELETE");
    assertThat(pg.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");

    pg.execute(HOLDERS_DDL);
    pg.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON app_mode_holders TO " + pitstop);
    ModeState state = asPitstop.hold(APP_MODE, "p", Mode.MAINTENANCE, MINUTE).orElseThrow();

    assertThat(state.mode()).isEqualTo(Mode.MAINTENANCE);
    assertThat(state.modeExpiresAt()).isNull(); // no column to keep it in, and none added
    assertThat(pg.queryLong("SELECT count(*) FROM app_mode")).isEqualTo(1);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'app_mode' AND column_name = 'mode_expires_at'"))
        .isZero();
  }

  @Test
  void aModeTableFromBeforeHoldersGetsWhatIsMissingWhenItsOwnerEnters() {
    pg.execute(
        "CREATE TABLE app_mode (mode text NOT NULL, pending_tasks_count bigint NOT NULL DEFAULT 0,"
            + " running_tasks_count bigint NOT NULL DEFAULT 0,"
            + " mode_changed_at timestamptz NOT NULL DEFAULT now())");
    pg.execute("INSERT INTO app_mode (mode) VALUES ('running')");

    ModeState state = engine().hold(APP_MODE, "a", Mode.MAINTENANCE, MINUTE).orElseThrow();

    assertThat(state.modeExpiresAt()).isNotNull();
    assertThat(pg.tableExists("app_mode_holders")).isTrue();
    assertThat(pg.queryStrings(APP_READS)).containsExactly("maintenance");
    assertThat(pg.rowCount("app_mode")).isEqualTo(1);
  }

  private void awaitExpired(String holder) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(*) FROM app_mode_holders"
                            + " WHERE holder = ? AND expires_at <= now()",
                        holder)
                    == 1);
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

  /** Every notification received until {@code count} have arrived (or 5 s have passed). */
  private static List<String> notifications(Connection connection, int count) throws SQLException {
    List<String> payloads = new ArrayList<>();
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (payloads.size() < count && System.nanoTime() < until) {
      payloads.addAll(notifications(connection));
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
