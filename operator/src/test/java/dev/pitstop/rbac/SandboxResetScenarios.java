package dev.pitstop.rbac;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** SandboxReset scenarios for {@link OperatorPermissionsIT}. */
final class SandboxResetScenarios {
  private static final String NAME = "sandbox";
  private static final String WINDOW = "sandbox-window";

  private SandboxResetScenarios() {}

  static List<PermissionScenario> all() {
    return List.of(waitedResetReseededRequestedAgainAndDeleted());
  }

  /**
   * A SandboxReset with a Secret and a seed ConfigMap waits for its MaintenanceWindow, which does
   * not exist yet; once the window is Active it empties the tables and reseeds them (status,
   * Events), runs again when a run is requested by annotation, and is deleted.
   */
  static PermissionScenario waitedResetReseededRequestedAgainAndDeleted() {
    return new PermissionScenario() {
      @Override
      public String name() {
        return "SandboxReset waited for its window, reset and reseeded, requested again, deleted";
      }

      @Override
      public void run(Run run) {
        KubernetesClient client = run.client();
        run.pg()
            .execute(
                "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);"
                    + " CREATE TABLE orders (id bigserial PRIMARY KEY,"
                    + " user_id bigint NOT NULL REFERENCES users);"
                    + " INSERT INTO users (email) SELECT 'u' || g || '@shop.test'"
                    + " FROM generate_series(1, 20) g;"
                    + " INSERT INTO orders (user_id) SELECT 1 + g % 20 FROM generate_series(1, 50) g;");
        client
            .resource(
                secret("sandbox-db", run.pg().jdbcUrl(), run.pg().user(), run.pg().password()))
            .create();
        client
            .resource(
                configMap(
                    "sandbox-seed",
                    Map.of("01-users.sql", "INSERT INTO users (email) VALUES ('demo@shop.test');")))
            .create();
        client.resource(reset(run)).create();
        ScenarioSteps.awaitStatus(
            reset(client), r -> r.getStatus().phase == ResetPhase.WaitingForWindow);
        assertThat(run.pg().rowCount("users"))
            .as("nothing is reset before the window")
            .isEqualTo(20);

        client.resource(ScenarioSteps.onDemandWindow(WINDOW, true)).create();
        ScenarioSteps.awaitStatus(reset(client), r -> r.getStatus().phase == ResetPhase.Succeeded);
        assertThat(run.pg().queryStrings("SELECT email FROM users"))
            .containsExactly("demo@shop.test");
        assertThat(run.pg().rowCount("orders")).isZero();
        ScenarioSteps.awaitEvents(client, NAME, "ResetStarted", "ResetSucceeded");

        run.pg().execute("INSERT INTO orders (user_id) SELECT id FROM users");
        reset(client)
            .edit(
                r -> {
                  Map<String, String> annotations = new HashMap<>();
                  if (r.getMetadata().getAnnotations() != null) {
                    annotations.putAll(r.getMetadata().getAnnotations());
                  }
                  annotations.put(Pitstop.RUN_REQUESTED_AT, "again");
                  r.getMetadata().setAnnotations(annotations);
                  return r;
                });
        ScenarioSteps.awaitStatus(
            reset(client),
            r ->
                r.getStatus().phase == ResetPhase.Succeeded
                    && "again".equals(r.getStatus().observedRunRequest)
                    && r.getStatus().history.size() == 2);
        assertThat(run.pg().rowCount("orders")).isZero();

        // Removing the finalizer meets a conflict: the operator reads the reset again and retries.
        run.conflicts()
            .nextPatch(
                "/apis/pitstop.dev/v1alpha1/namespaces/"
                    + PermissionScenario.NAMESPACE
                    + "/sandboxresets/"
                    + NAME);
        reset(client).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> reset(client).get() == null);
      }
    };
  }

  private static SandboxReset reset(PermissionScenario.Run run) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(
        new ObjectMetaBuilder().withName(NAME).withNamespace(PermissionScenario.NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = run.pg().databaseName();
    spec.seed = new ScriptSource();
    spec.seed.configMapRefs.add(new LocalObjectRef("sandbox-seed"));
    spec.maintenanceWindowRef = new LocalObjectRef(WINDOW);
    sbr.setSpec(spec);
    return sbr;
  }

  private static Resource<SandboxReset> reset(KubernetesClient client) {
    return client
        .resources(SandboxReset.class)
        .inNamespace(PermissionScenario.NAMESPACE)
        .withName(NAME);
  }
}
