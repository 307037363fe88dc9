package dev.pitstop.faults;

import static dev.pitstop.faults.FaultScenario.NAMESPACE;
import static dev.pitstop.faults.FaultScenario.PASSWORD;
import static dev.pitstop.faults.FaultScenario.assertNoPasswordIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess;
import dev.pitstop.reconciler.maintenancewindow.WindowFixtures;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.TestClock;
import dev.pitstop.testing.ThirdLane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL is stopped in the middle of each operation and started again: the resource reports
 * DatabaseReachable=False without the password, then recovers and finishes with nothing lost. A
 * dedicated server is used so the outage does not hit other tests' databases. The operator runs on
 * a {@link TestClock}: once the server is back, the test moves the clock past the retry back-off
 * instead of waiting it out.
 */
@ThirdLane
class DatabaseOutageIT {
  private static final Duration OUTAGE_NOTICED = Duration.ofSeconds(60);
  private static final Duration RECOVERED = Duration.ofSeconds(120);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgresServer server;

  /** Past the time an open window renews its lease in the mode table (every minute). */
  private static final Duration PAST_RENEWAL = Duration.ofSeconds(61);

  /** The longest back-off of {@code ExponentialBackoff.forUnreachableDatabase}. */
  private static final Duration LONGEST_BACKOFF = Duration.ofMinutes(5);

  private final TestClock clock = new TestClock();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension().withClock(clock);
  private String database;

  @BeforeAll
  static void startServer() {
    server = EmbeddedPostgresServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void createDatabase() {
    database = "outage_" + DATABASES.incrementAndGet();
    execute(dataSource("postgres"), "CREATE DATABASE " + database);
    kube.client()
        .resource(
            MigrationFixturesAccess.secret(
                "db", server.jdbcUrl(database), EmbeddedPostgresServer.SUPERUSER, PASSWORD))
        .create();
  }

  @AfterEach
  void serverIsUp() {
    server.restart();
  }

  @Test
  void aMigrationWaitsOutTheOutageAndFinishesWithEveryMigrationAppliedOnce() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("V1__a.sql", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);");
    files.put(
        "V2__b.sql",
        "CREATE TABLE b (id int);\nSELECT pg_sleep(2) AS outage_point;\nINSERT INTO b VALUES (2);");
    files.put("V3__c.sql", "CREATE TABLE c (id int);");
    kube.client().resource(MigrationFixturesAccess.configMap("migrations", files)).create();
    kube.client().resource(MigrationFixturesAccess.migration("app", "db", "migrations")).create();

    outageAt("outage_point", DatabaseMigration.class, "app", true);

    DatabaseMigration done =
        awaitRetried(
            DatabaseMigration.class,
            "app",
            RECOVERED,
            r -> r.getStatus() != null && r.getStatus().phase == MigrationPhase.Succeeded);
    assertThat(done.getStatus().currentVersion).isEqualTo("3");
    assertThat(reachable(done)).isEqualTo("True");
    assertThat(query("SELECT count(*) FROM pitstop_schema_history WHERE success")).isEqualTo(3);
    assertThat(query("SELECT count(*) FROM a")).isEqualTo(1);
    assertThat(query("SELECT count(*) FROM b")).isEqualTo(1);
    assertThat(query("SELECT count(*) FROM c")).isZero();
    assertNoPasswordIn(kube, done);
  }

  @Test
  void aResetWaitsOutTheOutageAndResetsExactlyOnce() {
    execute(
        dataSource(database),
        """
        CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
        CREATE TABLE users (id bigint PRIMARY KEY, email text);
        INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g;
        CREATE TRIGGER slow BEFORE DELETE ON users EXECUTE FUNCTION slow_delete();
        """);
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace(NAMESPACE).build());
    sbr.setSpec(new SandboxResetSpec());
    sbr.getSpec().database = new DatabaseRef("db");
    sbr.getSpec().confirmDatabaseName = database;
    kube.client().resource(sbr).create();

    outageAt("DELETE FROM .*users", SandboxReset.class, "sandbox", true);

    SandboxReset done =
        awaitRetried(
            SandboxReset.class,
            "sandbox",
            RECOVERED,
            r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Succeeded);
    assertThat(reachable(done)).isEqualTo("True");
    assertThat(query("SELECT count(*) FROM users")).isZero();
    assertNoPasswordIn(kube, done);
  }

  @Test
  void aCleanupRunCutByTheOutageEndsCleanlyAndTheNextRunDeletesOnlyMatchedRows() {
    execute(
        dataSource(database),
        """
        CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$;
        CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, kind text);
        INSERT INTO events SELECT g, now() - interval '90 days', 'old' FROM generate_series(1, 100) g;
        INSERT INTO events SELECT g, now(), 'keep-' || g FROM generate_series(1001, 1050) g;
        CREATE TRIGGER slow BEFORE DELETE ON events EXECUTE FUNCTION slow_delete();
        """);
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(
        new ObjectMetaBuilder()
            .withName("nightly")
            .withNamespace(NAMESPACE)
            .withAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "first"))
            .build());
    cls.setSpec(new CleanupScheduleSpec());
    cls.getSpec().database = new DatabaseRef("db");
    cls.getSpec().schedule = "0 2 * * *";
    cls.getSpec().batchSize = 10;
    cls.getSpec().pauseBetweenBatches = "0s";
    CleanupRule rule = new CleanupRule();
    rule.name = "old-events";
    rule.table = "events";
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = "created_at";
    rule.olderThan.age = "30d";
    cls.getSpec().rules.add(rule);
    RunRequests.createThenRequest(kube.client(), cls);

    outageAt("^\\s*(WITH|DELETE)", CleanupSchedule.class, "nightly", false);

    FaultScenario.await(
        kube,
        CleanupSchedule.class,
        "nightly",
        RECOVERED,
        r -> r.getStatus() != null && r.getStatus().phase != CleanupPhase.Running);
    assertThat(query("SELECT count(*) FROM events WHERE kind = 'keep-' || id")).isEqualTo(50);
    Conflicts.edit(
        kube.client(),
        CleanupSchedule.class,
        NAMESPACE,
        "nightly",
        r -> {
          r.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, "again");
        });
    CleanupSchedule done =
        FaultScenario.await(
            kube,
            CleanupSchedule.class,
            "nightly",
            RECOVERED,
            r ->
                r.getStatus() != null
                    && r.getStatus().phase == CleanupPhase.Succeeded
                    && r.getStatus().lastRun != null
                    && r.getStatus().lastRun.result == RunResult.Succeeded);
    assertThat(reachable(done)).isEqualTo("True");
    assertThat(query("SELECT count(*) FROM events")).isEqualTo(50);
    assertThat(query("SELECT count(*) FROM events WHERE kind = 'keep-' || id")).isEqualTo(50);
    assertNoPasswordIn(kube, done);
  }

  @Test
  void aDrainCutByTheOutageSaysTheDatabaseIsUnreachableAndDrainsWhenItIsBack() {
    execute(
        dataSource(database),
        "CREATE TABLE tasks (id int, running boolean); INSERT INTO tasks VALUES (1, true);");
    MaintenanceWindow window = WindowFixtures.window("nightly");
    window.getSpec().database = new DatabaseRef("db");
    window.getSpec().drain.timeout = "10m";
    window.getSpec().drain.tasks = WindowFixtures.tasks("SELECT count(*) FROM tasks WHERE running");
    kube.client().resource(window).create();
    awaitWindow(
        OUTAGE_NOTICED,
        w ->
            w.getStatus() != null
                && w.getStatus().drain != null
                && "database".equals(w.getStatus().drain.step)
                && Long.valueOf(1).equals(w.getStatus().drain.pendingTasks));

    server.stop();
    MaintenanceWindow down = awaitWindow(OUTAGE_NOTICED, w -> "False".equals(reachable(w)));
    assertThat(down.getStatus().phase).isEqualTo(WindowPhase.Draining);
    assertThat(down.getStatus().message)
        .startsWith("waiting for tasks to finish and sessions to end, but ")
        .endsWith("; the drain tries again every 100ms until spec.drain.timeout")
        .doesNotContain(PASSWORD);
    assertThat(down.getStatus().drain.pendingTasks).isEqualTo(1);
    assertNoPasswordIn(kube, down);

    server.restart();
    execute(dataSource(database), "UPDATE tasks SET running = false");
    MaintenanceWindow active =
        awaitWindow(RECOVERED, w -> w.getStatus().phase == WindowPhase.Active);
    assertThat(reachable(active)).isEqualTo("True");
    assertThat(active.getStatus().drain.pendingTasks).isZero();
  }

  @Test
  void anActiveWindowWhoseLeaseCannotBeRenewedSaysSoAndRenewsItOnceTheDatabaseIsBack() {
    MaintenanceWindow window = WindowFixtures.window("nightly");
    window.getSpec().database = new DatabaseRef("db");
    window.getSpec().modeTable = "app_mode";
    kube.client().resource(window).create();
    awaitWindow(
        OUTAGE_NOTICED, w -> w.getStatus() != null && w.getStatus().phase == WindowPhase.Active);

    server.stop();
    clock.advance(PAST_RENEWAL);
    kube.reconcileAll();
    MaintenanceWindow down = awaitWindow(OUTAGE_NOTICED, w -> "False".equals(reachable(w)));
    assertThat(down.getStatus().phase).isEqualTo(WindowPhase.Active);
    assertThat(down.getStatus().message)
        .startsWith(
            "drained: mode maintenance; the window's lease in the mode table could not be"
                + " renewed (")
        .endsWith("); trying again every 1m")
        .doesNotContain(PASSWORD);
    assertNoPasswordIn(kube, down);

    server.restart();
    // A lease about to run out: only a renewal after the outage moves it on again.
    execute(
        dataSource(database), "UPDATE app_mode_holders SET expires_at = now() + interval '20s'");
    clock.advance(PAST_RENEWAL);
    kube.reconcileAll();
    MaintenanceWindow back = awaitWindow(RECOVERED, w -> "True".equals(reachable(w)));
    assertThat(back.getStatus().message).isEqualTo("drained: mode maintenance");
    assertThat(
            query(
                "SELECT count(*) FROM app_mode_holders"
                    + " WHERE expires_at > now() + interval '2 minutes'"))
        .isEqualTo(1);
  }

  /**
   * Stops PostgreSQL inside the statement, waits for DatabaseReachable=False, restarts it.
   *
   * @param retries the kind retries a failed run after a back-off (the first failure, a cut
   *     session, may not yet say the database is unreachable; a retry during the outage does)
   */
  private <T extends HasMetadata> void outageAt(
      String statement, Class<T> kind, String name, boolean retries) {
    OperatorCrash.awaitStatement(dataSource("postgres"), database, statement);
    server.stop();
    Predicate<T> unreachable = r -> "False".equals(reachable(r));
    T down =
        retries
            ? awaitRetried(kind, name, OUTAGE_NOTICED, unreachable)
            : FaultScenario.await(kube, kind, name, OUTAGE_NOTICED, unreachable);
    PitstopStatus status = status(down);
    Condition condition =
        status.conditions.stream()
            .filter(c -> Condition.DATABASE_REACHABLE.equals(c.type))
            .findFirst()
            .orElseThrow();
    assertThat(condition.message).isNotBlank().doesNotContain(PASSWORD);
    assertNoPasswordIn(kube, down);
    server.restart();
  }

  /**
   * Waits until the resource matches, moving the clock past the longest retry back-off at each
   * look: every retry the operator scheduled is due at once, however many attempts the recovery
   * takes.
   */
  private <T extends HasMetadata> T awaitRetried(
      Class<T> kind, String name, Duration limit, Predicate<T> until) {
    return FaultScenario.await(
        kube,
        kind,
        name,
        limit,
        r -> {
          if (until.test(r)) {
            return true;
          }
          clock.advance(LONGEST_BACKOFF);
          return false;
        });
  }

  private MaintenanceWindow awaitWindow(Duration limit, Predicate<MaintenanceWindow> until) {
    return FaultScenario.await(kube, MaintenanceWindow.class, "nightly", limit, until);
  }

  private static String reachable(HasMetadata resource) {
    PitstopStatus status = status(resource);
    if (status == null || status.conditions == null) {
      return null;
    }
    return status.conditions.stream()
        .filter(c -> Condition.DATABASE_REACHABLE.equals(c.type))
        .map(c -> c.status)
        .findFirst()
        .orElse(null);
  }

  private static PitstopStatus status(HasMetadata resource) {
    if (resource instanceof DatabaseMigration dbm) {
      return dbm.getStatus();
    }
    if (resource instanceof SandboxReset sbr) {
      return sbr.getStatus();
    }
    if (resource instanceof MaintenanceWindow window) {
      return window.getStatus();
    }
    return ((CleanupSchedule) resource).getStatus();
  }

  private long query(String sql) {
    try (Connection connection = dataSource(database).getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static void execute(DataSource dataSource, String sql) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static DataSource dataSource(String name) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(server.jdbcUrl(name));
    dataSource.setUser(EmbeddedPostgresServer.SUPERUSER);
    return dataSource;
  }
}
