package dev.pitstop.reconciler.cleanupschedule;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped examples together, as the demo applies them: the migration creates the sessions
 * table, the CleanupSchedule waits for its time and, when asked, cleans it.
 */
class CleanupExampleIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @Test
  void theCleanupExampleSettlesAndCleansTheSessionsTheMigrationExampleCreates() throws IOException {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "example-password")).create();
    for (String folder : List.of("database-migration", "cleanup-schedule")) {
      apply(ProjectFiles.examples().resolve(folder));
    }

    CleanupSchedule scheduled =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> cleanup(),
                c -> c.getStatus() != null && c.getStatus().phase == CleanupPhase.Scheduled);
    assertThat(scheduled.getStatus().nextRunTime).isNotNull();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                kube.client()
                    .resources(DatabaseMigration.class)
                    .inNamespace(NAMESPACE)
                    .withName("app-schema")
                    .get(),
            m -> m.getStatus() != null && m.getStatus().phase == MigrationPhase.Succeeded);

    pg.execute(
        "INSERT INTO courses (title) VALUES ('Algebra');"
            + " INSERT INTO sessions (user_email, course_id, expires_at, revoked, created_at)"
            + " VALUES ('a@example.com', 1, now() - interval '1 hour', false, now()),"
            + " ('b@example.com', 1, now() + interval '1 hour', false, now()),"
            + " ('c@example.com', 99, now() + interval '1 hour', false, now()),"
            + " ('d@example.com', 1, now() + interval '1 hour', true, now() - interval '2 days'),"
            + " ('e@example.com', NULL, now() + interval '1 hour', false, now())");
    Conflicts.edit(
        kube.client(),
        CleanupSchedule.class,
        NAMESPACE,
        "platform-cleanup",
        c -> {
          c.getMetadata().setAnnotations(new HashMap<>());
          c.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, "demo");
        });

    CleanupSchedule done =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> cleanup(),
                c -> c.getStatus().lastRun != null && c.getStatus().phase != CleanupPhase.Running);
    assertThat(done.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(done.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(done.getStatus().lastRun.rules)
        .extracting(r -> r.name + "=" + r.deleted)
        .containsExactly("expired-sessions=1", "orphaned-sessions=1", "revoked-sessions=1");
    assertThat(done.getStatus().lastRun.vacuumed).containsExactly("public.sessions");
    assertThat(pg.queryStrings("SELECT user_email FROM sessions ORDER BY user_email"))
        .containsExactly("b@example.com", "e@example.com");
  }

  private CleanupSchedule cleanup() {
    return kube.client()
        .resources(CleanupSchedule.class)
        .inNamespace(NAMESPACE)
        .withName("platform-cleanup")
        .get();
  }

  /**
   * Applies a folder's manifests, except Secrets named app-db (the test's database replaces it).
   */
  private void apply(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata object : kube.client().load(in).items()) {
            if (object.getKind().equals("Secret")
                && object.getMetadata().getName().equals("app-db")) {
              continue;
            }
            kube.client().resource(object).inNamespace(NAMESPACE).create();
          }
        }
      }
    }
  }
}
