package dev.pitstop.rbac;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/** DatabaseMigration scenarios for {@link OperatorPermissionsIT}. */
final class DatabaseMigrationScenarios {
  private DatabaseMigrationScenarios() {}

  static List<PermissionScenario> all() {
    return List.of(applied(), refusedRepeatedlyAcrossARestart());
  }

  /**
   * Secret, migrations ConfigMap, DatabaseMigration: Succeeded, with Events; then deleted, the
   * patch removing its finalizer meeting a conflict, so the operator reads it again and retries.
   */
  static PermissionScenario applied() {
    return new PermissionScenario() {
      @Override
      public String name() {
        return "DatabaseMigration applied";
      }

      @Override
      public void run(Run run) {
        KubernetesClient client = run.client();
        client
            .resource(secret("app-db", run.pg().jdbcUrl(), run.pg().user(), run.pg().password()))
            .create();
        client
            .resource(configMap("app-migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
            .create();
        client.resource(migration("app", "app-db", "app-migrations")).create();
        awaitMigration(client, "app", r -> r.getStatus().phase == MigrationPhase.Succeeded);

        run.conflicts()
            .nextPatch(
                "/apis/pitstop.dev/v1alpha1/namespaces/"
                    + PermissionScenario.NAMESPACE
                    + "/databasemigrations/app");
        var migration =
            client
                .resources(DatabaseMigration.class)
                .inNamespace(PermissionScenario.NAMESPACE)
                .withName("app");
        migration.delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> migration.get() == null);
      }
    };
  }

  /**
   * A DatabaseMigration whose Secret is missing is refused with the same Event three times: first
   * created, then counted up, then (after a restart, when the operator no longer knows it wrote it)
   * created again, which conflicts and is replaced.
   */
  static PermissionScenario refusedRepeatedlyAcrossARestart() {
    return new PermissionScenario() {
      @Override
      public String name() {
        return "DatabaseMigration refused repeatedly, across an operator restart";
      }

      @Override
      public void run(Run run) {
        KubernetesClient client = run.client();
        client.resource(configMap("orphan-migrations", Map.of("V1__t.sql", "SELECT 1;"))).create();
        client.resource(migration("orphan", "missing-db", "orphan-migrations")).create();
        awaitMigration(client, "orphan", refusedFor(null));
        awaitEventCount(client, "orphan", 1);

        requestRun(client, "orphan", "1");
        awaitMigration(client, "orphan", refusedFor("1"));
        awaitEventCount(client, "orphan", 2);

        run.operator().restart();
        requestRun(client, "orphan", "2");
        awaitMigration(client, "orphan", refusedFor("2"));
      }
    };
  }

  private static Predicate<DatabaseMigration> refusedFor(String runRequest) {
    return r ->
        r.getStatus().phase == MigrationPhase.Pending
            && Objects.equals(r.getStatus().observedRunRequest, runRequest)
            && r.getStatus().message != null
            && r.getStatus().message.contains("missing-db");
  }

  private static void requestRun(KubernetesClient client, String name, String value) {
    client
        .resources(DatabaseMigration.class)
        .inNamespace(PermissionScenario.NAMESPACE)
        .withName(name)
        .edit(
            r -> {
              Map<String, String> annotations = new HashMap<>();
              if (r.getMetadata().getAnnotations() != null) {
                annotations.putAll(r.getMetadata().getAnnotations());
              }
              annotations.put(Pitstop.RUN_REQUESTED_AT, value);
              r.getMetadata().setAnnotations(annotations);
              return r;
            });
  }

  private static void awaitMigration(
      KubernetesClient client, String name, Predicate<DatabaseMigration> condition) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client
                    .resources(DatabaseMigration.class)
                    .inNamespace(PermissionScenario.NAMESPACE)
                    .withName(name)
                    .get(),
            r -> r != null && r.getStatus() != null && condition.test(r));
  }

  private static void awaitEventCount(KubernetesClient client, String name, int count) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                ScenarioSteps.events(client, name).stream()
                    .map(Event::getCount)
                    .filter(Objects::nonNull)
                    .max(Integer::compare)
                    .orElse(0),
            c -> c == count);
  }
}
