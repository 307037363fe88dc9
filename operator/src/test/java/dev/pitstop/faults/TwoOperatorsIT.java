package dev.pitstop.faults;

import static dev.pitstop.faults.FaultScenario.NAMESPACE;
import static dev.pitstop.faults.FaultScenario.assertNoPasswordIn;
import static dev.pitstop.faults.FaultScenario.secretFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess;
import dev.pitstop.reconciler.maintenancewindow.WindowFixtures;
import dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import dev.pitstop.testing.ThirdLane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operators reconcile the same resources without leader election (the worst case): the engines'
 * advisory locks keep every migration applied once and no reset or cleanup running twice at once, a
 * window's originals are recorded once and restored exactly, and the status left behind is
 * consistent with the database.
 */
@ThirdLane
class TwoOperatorsIT {
  private static final int RESOURCES = 4;
  private static final Duration SETTLED = Duration.ofSeconds(90);

  /**
   * Fails the statement when another operator session is deleting from the same table right now, so
   * concurrent runs cannot go unnoticed.
   */
  private static final String ALONE_TRIGGER =
      """
      CREATE FUNCTION deleting_alone() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid()
            AND datname = current_database() AND application_name = 'pitstop'
            AND state = 'active' AND query ~* ('DELETE FROM .*' || TG_TABLE_NAME)) THEN
          RAISE EXCEPTION 'two runs delete from % at once', TG_TABLE_NAME;
        END IF;
        PERFORM pg_sleep(0.2);
        RETURN NULL;
      END $$;
      """;

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();
  private PitstopOperator second;

  @BeforeEach
  void startSecondOperator() {
    second =
        PitstopOperator.start(
            kube.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0));
  }

  @AfterEach
  void stopSecondOperator() {
    second.close();
  }

  @Test
  void everyMigrationIsAppliedExactlyOnce() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("V1__log.sql", "CREATE TABLE applied (version text NOT NULL);");
    for (int v = 2; v <= 5; v++) {
      files.put(
          "V" + v + "__step.sql",
          ("CREATE TABLE t_# (id int);\nINSERT INTO applied VALUES ('#');\n"
                  + "SELECT pg_sleep(0.1);")
              .replace("#", Integer.toString(v)));
    }
    files.put("R__view.sql", "CREATE OR REPLACE VIEW applied_view AS SELECT * FROM applied;");
    TestDatabase[] databases = new TestDatabase[RESOURCES];
    for (int i = 0; i < RESOURCES; i++) {
      databases[i] = pg.createDatabase();
      secretFor(kube, "db-" + i, databases[i]);
      kube.client().resource(MigrationFixturesAccess.configMap("m-" + i, files)).create();
      kube.client()
          .resource(MigrationFixturesAccess.migration("app-" + i, "db-" + i, "m-" + i))
          .create();
    }
    for (int i = 0; i < RESOURCES; i++) {
      DatabaseMigration done =
          FaultScenario.await(
              kube,
              DatabaseMigration.class,
              "app-" + i,
              SETTLED,
              r -> r.getStatus() != null && r.getStatus().phase == MigrationPhase.Succeeded);
      TestDatabase db = databases[i];
      assertThat(db.queryLong("SELECT count(*) FROM applied")).isEqualTo(4);
      assertThat(db.queryLong("SELECT count(DISTINCT version) FROM applied")).isEqualTo(4);
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pitstop_schema_history WHERE success"
                      + " GROUP BY version, description ORDER BY 1 DESC LIMIT 1"))
          .as("no migration recorded twice")
          .isEqualTo(1);
      assertThat(db.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE success"))
          .isEqualTo(6);
      assertThat(done.getStatus().currentVersion).isEqualTo("5");
      assertThat(done.getStatus().observedGeneration).isEqualTo(1L);
      assertThat(done.getStatus().pendingCount).isZero();
      assertNoPasswordIn(kube, done);
    }
  }

  @Test
  void aResetNeverRunsTwiceAtOnceAndTheStatusMatchesTheDatabase() {
    TestDatabase db = pg.database();
    secretFor(kube, "sandbox-db", db);
    db.execute(
        ALONE_TRIGGER
            + """
            CREATE TABLE users (id bigint PRIMARY KEY, email text);
            CREATE TABLE reset_runs (id bigserial PRIMARY KEY, at timestamptz);
            INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;
            CREATE TRIGGER alone BEFORE DELETE ON users EXECUTE FUNCTION deleting_alone();
            """);
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace(NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = db.name();
    spec.preserveTables.add("reset_runs");
    spec.seed = new ScriptSource();
    spec.seed.inline.add(
        new InlineScript(
            "01-seed.sql",
            "INSERT INTO users VALUES (1, 'seed');\n"
                + "INSERT INTO reset_runs (at) VALUES (clock_timestamp());"));
    sbr.setSpec(spec);
    kube.client().resource(sbr).create();

    SandboxReset done =
        FaultScenario.await(
            kube,
            SandboxReset.class,
            "sandbox",
            SETTLED,
            r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Succeeded);
    settle(
        SandboxReset.class,
        "sandbox",
        r ->
            r.getStatus().phase == ResetPhase.Succeeded
                && Long.valueOf(1L).equals(r.getStatus().observedGeneration));
    done = FaultScenario.get(kube, SandboxReset.class, "sandbox");
    assertThat(done.getStatus().phase).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().observedGeneration).isEqualTo(1L);
    assertThat(db.queryStrings("SELECT email FROM users")).containsExactly("seed");
    long runs = db.queryLong("SELECT count(*) FROM reset_runs");
    System.out.println("TwoOperatorsIT: committed resets for one generation: " + runs);
    assertThat(runs).as("committed resets").isBetween(1L, 2L);
    assertNoPasswordIn(kube, done);
  }

  @Test
  void aCleanupRuleNeverRunsTwiceAtOnceAndDeletesOnlyMatchedRows() {
    TestDatabase db = pg.database();
    secretFor(kube, "app-db", db);
    db.execute(
        ALONE_TRIGGER
            + """
            CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, kind text);
            INSERT INTO events SELECT g, now() - interval '90 days', 'old'
              FROM generate_series(1, 200) g;
            INSERT INTO events SELECT g, now(), 'keep-' || g FROM generate_series(1001, 1050) g;
            CREATE TRIGGER alone BEFORE DELETE ON events EXECUTE FUNCTION deleting_alone();
            """);
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(
        new ObjectMetaBuilder()
            .withName("nightly")
            .withNamespace(NAMESPACE)
            .withAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "go"))
            .build());
    CleanupScheduleSpec spec = new CleanupScheduleSpec();
    spec.database = new DatabaseRef("app-db");
    spec.schedule = "0 2 * * *";
    spec.batchSize = 20;
    spec.pauseBetweenBatches = "0s";
    CleanupRule rule = new CleanupRule();
    rule.name = "old-events";
    rule.table = "events";
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = "created_at";
    rule.olderThan.age = "30d";
    spec.rules.add(rule);
    cls.setSpec(spec);
    RunRequests.createThenRequest(kube.client(), cls);

    FaultScenario.await(
        kube,
        CleanupSchedule.class,
        "nightly",
        SETTLED,
        r ->
            r.getStatus() != null
                && r.getStatus().phase == CleanupPhase.Succeeded
                && r.getStatus().lastRun != null
                && r.getStatus().lastRun.result == RunResult.Succeeded);
    settle(
        CleanupSchedule.class,
        "nightly",
        r ->
            r.getStatus().phase == CleanupPhase.Succeeded
                && Long.valueOf(1L).equals(r.getStatus().observedGeneration));
    CleanupSchedule done = FaultScenario.get(kube, CleanupSchedule.class, "nightly");
    assertThat(done.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(done.getStatus().observedGeneration).isEqualTo(1L);
    assertThat(db.rowCount("events")).isEqualTo(50);
    assertThat(db.queryLong("SELECT count(*) FROM events WHERE kind = 'keep-' || id"))
        .isEqualTo(50);
    assertNoPasswordIn(kube, done);
  }

  @Test
  void aWindowRecordsTheOriginalsOnceAndRestoresThemExactly() {
    TestDatabase db = pg.database();
    secretFor(kube, "app-db", db);
    String app = roles.create("app", "CONNECTION LIMIT 5");
    kube.client()
        .resource(WindowFixturesAccess.deployment("api", 3, Map.of("tier", "web")))
        .create();
    kube.client()
        .resource(WindowFixturesAccess.cronJob("nightly", false, Map.of("app", "shop")))
        .create();
    MaintenanceWindow window = WindowFixtures.window("upgrade");
    window
        .getSpec()
        .drain
        .workloads
        .add(WindowFixtures.named(Drain.WorkloadKind.Deployment, "api"));
    window.getSpec().drain.cronJobs = WindowFixtures.selection("app", "shop");
    window.getSpec().drain.connections = WindowFixtures.connections(app, "1s", true, true);
    window.getSpec().modeTable = "app_mode";
    kube.client().resource(window).create();

    FaultScenario.await(
        kube,
        MaintenanceWindow.class,
        "upgrade",
        SETTLED,
        w -> w.getStatus() != null && w.getStatus().phase == WindowPhase.Active);
    settle(MaintenanceWindow.class, "upgrade", w -> w.getStatus().phase == WindowPhase.Active);
    MaintenanceWindow active = FaultScenario.get(kube, MaintenanceWindow.class, "upgrade");
    // Whichever operator drained, the originals were recorded before anything changed.
    assertThat(active.getStatus().drain.workloads)
        .extracting(r -> r.kind + "/" + r.name + "=" + r.originalReplicas)
        .containsExactly("Deployment/api=3");
    assertThat(active.getStatus().drain.cronJobs)
        .extracting(r -> r.name + "=" + r.originalSuspend)
        .containsExactly("nightly=false");
    assertThat(replicas("api")).isZero();
    assertThat(db.queryStrings("SELECT mode FROM app_mode")).containsExactly("maintenance");
    assertThat(
            db.queryStrings(
                "SELECT role || '|' || original_connection_limit FROM pitstop_blocked_roles"))
        .containsExactly(app + "|5");
    assertThat(db.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", app)).isZero();

    MaintenanceWindow closing = FaultScenario.get(kube, MaintenanceWindow.class, "upgrade");
    closing.getSpec().active = false;
    kube.client().resource(closing).update();

    settle(
        MaintenanceWindow.class,
        "upgrade",
        w ->
            w.getStatus().phase == WindowPhase.Idle
                && Long.valueOf(2L).equals(w.getStatus().observedGeneration));
    assertThat(replicas("api")).isEqualTo(3);
    assertThat(
            kube.client()
                .batch()
                .v1()
                .cronjobs()
                .inNamespace(NAMESPACE)
                .withName("nightly")
                .get()
                .getSpec()
                .getSuspend())
        .isFalse();
    assertThat(db.queryLong("SELECT rolconnlimit FROM pg_roles WHERE rolname = ?", app))
        .isEqualTo(5);
    assertThat(db.queryLong("SELECT count(*) FROM pitstop_blocked_roles")).isZero();
    assertThat(db.queryStrings("SELECT mode FROM app_mode")).containsExactly("running");
    assertNoPasswordIn(kube, FaultScenario.get(kube, MaintenanceWindow.class, "upgrade"));
  }

  private int replicas(String deployment) {
    return kube.client()
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(deployment)
        .get()
        .getSpec()
        .getReplicas();
  }

  /**
   * Waits until {@code settled} has held for two seconds, so that a late status write of either
   * operator that would break it has landed before the final check.
   */
  private <T extends HasMetadata> void settle(Class<T> kind, String name, Predicate<T> settled) {
    await()
        .during(Duration.ofSeconds(2))
        .atMost(SETTLED)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> FaultScenario.get(kube, kind, name), settled);
  }
}
