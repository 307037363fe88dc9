package dev.pitstop.reconciler;

import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.olderThan;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.schedule;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.maintenancewindow.WindowFixtures;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.TestPostgresServer;
import dev.pitstop.testing.TestRoles;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A wrong password and a database that does not exist are reported alike by every kind that
 * connects, scheduled or not: DatabaseReachable=False with the failure's own reason and one
 * sentence, never the pool's raw text.
 */
class UnreachableDatabaseIT {
  private static final String POOL_TEXT = "Connection is not available";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private String missingDatabaseUrl;

  @BeforeEach
  void tables() {
    pg.execute("CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamptz)");
    missingDatabaseUrl = pg.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/no_such_database$1");
  }

  private SandboxReset scheduledReset(String secret) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace(NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef(secret);
    spec.confirmDatabaseName = pg.databaseName();
    spec.schedule = "0 3 * * *";
    sbr.setSpec(spec);
    return sbr;
  }

  /** Creates the scheduled reset and, once it is scheduled, requests a run now. */
  private void createScheduledReset(String secret) {
    kube.client().resource(scheduledReset(secret)).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> get(SandboxReset.class),
            r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Scheduled);
    kube.client()
        .resources(SandboxReset.class)
        .inNamespace(NAMESPACE)
        .withName("sandbox")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            io.fabric8.kubernetes.client.utils.Serialization.asJson(
                Map.of(
                    "metadata", Map.of("annotations", Map.of(Pitstop.RUN_REQUESTED_AT, "now")))));
  }

  private CleanupSchedule cleanup(String secret) {
    CleanupSchedule cls =
        schedule("nightly", secret, olderThan("expired", "sessions", "expires_at", "1h"));
    cls.getMetadata().setAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "now"));
    return cls;
  }

  @Test
  void aWrongPasswordIsAuthenticationFailedWithOneSentenceForEveryKind() {
    assumeTrue(System.getenv(TestPostgresServer.URL_VARIABLE) == null, "embedded server only");
    String role = roles.createWithPasswordLogin("wrong_pw");
    kube.client()
        .resource(secret("login-db", pg.jdbcUrl(), role, "wrong-" + TestRoles.PASSWORD))
        .create();
    createScheduledReset("login-db");
    RunRequests.createThenRequest(kube.client(), cleanup("login-db"));

    for (Class<? extends CustomResource<?, ? extends PitstopStatus>> kind :
        java.util.List.of(SandboxReset.class, CleanupSchedule.class)) {
      PitstopStatus status = awaitReachable(kind, "AuthenticationFailed");
      assertThat(reason(status, Condition.READY))
          .as(kind.getSimpleName())
          .isEqualTo("AuthenticationFailed");
      assertThat(message(status, Condition.DATABASE_REACHABLE))
          .as(kind.getSimpleName())
          .startsWith("Password authentication failed for \"" + role + "\"")
          .contains("28P01")
          .doesNotContain(POOL_TEXT)
          .doesNotContain("wrong-" + TestRoles.PASSWORD);
      assertThat(message(status, Condition.READY))
          .as(kind.getSimpleName())
          .doesNotContain(POOL_TEXT);
    }
    SandboxReset reset = get(SandboxReset.class);
    assertThat(reset.getStatus().phase).isEqualTo(ResetPhase.Failed);
    assertThat(reset.getStatus().failure.sqlState).isEqualTo("28P01");
  }

  @Test
  void aMissingDatabaseIsNamedWithWhereItsNameComesFromForEveryKind() {
    kube.client().resource(secret("gone-db", missingDatabaseUrl, pg.user(), "pw")).create();
    createScheduledReset("gone-db");
    RunRequests.createThenRequest(kube.client(), cleanup("gone-db"));
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec().database.databaseName = "no_such_database";
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    kube.client().resource(dbm).create();

    for (Class<? extends CustomResource<?, ? extends PitstopStatus>> kind :
        java.util.List.of(SandboxReset.class, CleanupSchedule.class)) {
      PitstopStatus status = awaitReachable(kind, "UnknownDatabase");
      assertThat(message(status, Condition.DATABASE_REACHABLE))
          .as(kind.getSimpleName())
          .startsWith("Database \"no_such_database\" does not exist on ")
          .contains(
              "its name comes from key 'dbname' of Secret 'gone-db' (or set"
                  + " spec.database.databaseName)")
          .contains("3D000")
          .doesNotContain(POOL_TEXT);
      assertThat(reason(status, Condition.READY))
          .as(kind.getSimpleName())
          .isEqualTo("UnknownDatabase");
    }
    PitstopStatus migration = awaitReachable(DatabaseMigration.class, "UnknownDatabase");
    assertThat(message(migration, Condition.DATABASE_REACHABLE))
        .contains("its name comes from spec.database.databaseName: correct it there");
  }

  @Test
  void aMaintenanceWindowNamesAMissingDatabaseAndWhereItsNameComesFrom() {
    kube.client().resource(secret("gone-db", missingDatabaseUrl, pg.user(), "pw")).create();
    MaintenanceWindow window = WindowFixtures.window("nightly");
    window.getSpec().database = new DatabaseRef("gone-db");
    window.getSpec().drain.tasks = WindowFixtures.tasks("SELECT 0");
    kube.client().resource(window).create();

    MaintenanceWindowStatus status =
        (MaintenanceWindowStatus) awaitReachable(MaintenanceWindow.class, "UnknownDatabase");

    assertThat(message(status, Condition.DATABASE_REACHABLE))
        .startsWith("Database \"no_such_database\" does not exist on ")
        .contains(
            "its name comes from key 'dbname' of Secret 'gone-db' (or set"
                + " spec.database.databaseName)")
        .contains("3D000")
        .doesNotContain(POOL_TEXT);
    assertThat(status.message)
        .startsWith("Database \"no_such_database\" does not exist on ")
        .contains("retrying in")
        .doesNotContain(POOL_TEXT);
    assertThat(status.phase).isEqualTo(WindowPhase.Draining);
  }

  private <T extends CustomResource<?, ? extends PitstopStatus>> PitstopStatus awaitReachable(
      Class<T> kind, String reason) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> get(kind),
            r ->
                r != null
                    && r.getStatus() != null
                    && reason.equals(reason(r.getStatus(), Condition.DATABASE_REACHABLE)))
        .getStatus();
  }

  private <T extends CustomResource<?, ?>> T get(Class<T> kind) {
    return kube.client().resources(kind).inNamespace(NAMESPACE).list().getItems().stream()
        .findFirst()
        .orElse(null);
  }

  private static String reason(PitstopStatus status, String type) {
    return Conditions.find(status, type).map(c -> c.reason).orElse(null);
  }

  private static String message(PitstopStatus status, String type) {
    return Conditions.find(status, type).map(c -> c.message).orElse(null);
  }
}
