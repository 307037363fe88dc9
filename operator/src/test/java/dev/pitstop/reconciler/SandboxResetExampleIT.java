package dev.pitstop.reconciler;

import static dev.pitstop.reconciler.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
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
 * {@code examples/sandbox-reset/} as the demo applies it, with its Secret pointed at a real
 * database: it succeeds on an empty schema and on one the DatabaseMigration example migrated.
 */
class SandboxResetExampleIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private void applyExample() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(ProjectFiles.examples().resolve("sandbox-reset"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata object : kube.client().load(in).items()) {
          if (object instanceof Secret s) {
            object = secret(s.getMetadata().getName(), pg.jdbcUrl(), pg.user(), "example-pw");
          } else if ("SandboxReset".equals(object.getKind())) {
            SandboxReset sbr =
                kube.client().getKubernetesSerialization().convertValue(object, SandboxReset.class);
            sbr.getSpec().confirmDatabaseName = pg.databaseName();
            object = sbr;
          }
          kube.client().resource(object).inNamespace(NAMESPACE).create();
        }
      }
    }
  }

  private SandboxReset awaitSucceeded() {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                kube.client()
                    .resources(SandboxReset.class)
                    .inNamespace(NAMESPACE)
                    .withName("sandbox-nightly")
                    .get(),
            r ->
                r.getStatus() != null
                    && (r.getStatus().phase == ResetPhase.Succeeded
                        || r.getStatus().phase == ResetPhase.Failed));
  }

  @Test
  void succeedsOnAnEmptySchema() throws IOException {
    applyExample();

    SandboxReset done = awaitSucceeded();

    assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().plan.seeds)
        .containsExactly("01-courses.sql", "02-enrollments.sql", "03-announcement.sql");
  }

  @Test
  void reseedsTheTablesOfTheMigrationExampleWithTheSameIds() throws IOException {
    pg.execute(
        "CREATE TABLE courses (id bigserial PRIMARY KEY, title text NOT NULL,"
            + " created_at timestamptz NOT NULL DEFAULT now(),"
            + " status text NOT NULL DEFAULT 'active');"
            + " CREATE TABLE enrollments (id bigserial PRIMARY KEY,"
            + " course_id bigint NOT NULL REFERENCES courses (id), user_email text NOT NULL,"
            + " enrolled_at timestamptz NOT NULL DEFAULT now());"
            + " CREATE TABLE pitstop_schema_history (installed_rank int PRIMARY KEY);"
            + " INSERT INTO pitstop_schema_history VALUES (1), (2);"
            + " INSERT INTO courses (title) SELECT 'Old ' || g FROM generate_series(1, 20) g;"
            + " INSERT INTO enrollments (course_id, user_email)"
            + " SELECT 1 + g % 20, 'x' FROM generate_series(1, 200) g;");

    applyExample();

    SandboxReset done = awaitSucceeded();
    assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().lastRun.rowsDeleted).isEqualTo(220L);
    assertThat(pg.queryStrings("SELECT id || ' ' || title FROM courses ORDER BY id"))
        .containsExactly("1 Algebra I", "2 Biology 101", "3 World History");
    assertThat(pg.rowCount("enrollments")).isEqualTo(15);
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(2);
  }
}
