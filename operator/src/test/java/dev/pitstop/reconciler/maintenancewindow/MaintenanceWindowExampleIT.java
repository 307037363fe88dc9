package dev.pitstop.reconciler.maintenancewindow;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The manifests in examples/database-migration and examples/maintenance-window, applied together as
 * GitOps would, against a real PostgreSQL: the schema is migrated, the window drains, the gated
 * migration runs inside it, and closing the window restores the application.
 */
class MaintenanceWindowExampleIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @Test
  void theGatedMigrationExampleRunsInsideTheWindow() throws IOException {
    for (String folder : List.of("database-migration", "maintenance-window")) {
      for (HasMetadata object : load(ProjectFiles.examples().resolve(folder))) {
        if (object instanceof Secret) {
          // The example points at a cluster database; the test uses its own.
          object = secret("app-db", pg.jdbcUrl(), pg.user(), "example-pw");
        }
        kube.client().resource(object).inNamespace(NAMESPACE).create();
      }
    }
    WindowTestSupport k8s = new WindowTestSupport(kube);

    k8s.awaitPhase("release", WindowPhase.Active);
    awaitMigration("release-42", MigrationPhase.Succeeded);
    awaitMigration("app-schema", MigrationPhase.Succeeded);
    assertThat(pg.queryStrings("SELECT mode FROM pitstop_maintenance_mode"))
        .containsExactly("maintenance");
    assertThat(k8s.deployment("shop-worker").getSpec().getReplicas()).isZero();
    assertThat(k8s.cronJob("shop-report").getSpec().getSuspend()).isTrue();

    k8s.editWindow("release", w -> w.getSpec().active = false);

    k8s.awaitPhase("release", WindowPhase.Idle);
    assertThat(k8s.deployment("shop-worker").getSpec().getReplicas()).isEqualTo(2);
    assertThat(k8s.cronJob("shop-report").getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
    assertThat(pg.queryStrings("SELECT mode FROM pitstop_maintenance_mode"))
        .containsExactly("running");
  }

  private DatabaseMigration awaitMigration(String name, MigrationPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                kube.client()
                    .resources(DatabaseMigration.class)
                    .inNamespace(NAMESPACE)
                    .withName(name)
                    .get(),
            d -> d != null && d.getStatus() != null && d.getStatus().phase == phase);
  }

  private List<HasMetadata> load(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> sorted = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      List<HasMetadata> objects = new java.util.ArrayList<>();
      for (Path file : sorted) {
        try (InputStream in = Files.newInputStream(file)) {
          objects.addAll(kube.client().load(in).items());
        }
      }
      return objects;
    }
  }
}
