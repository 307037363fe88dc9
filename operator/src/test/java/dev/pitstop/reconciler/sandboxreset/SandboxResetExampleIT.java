package dev.pitstop.reconciler.sandboxreset;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code examples/sandbox-reset/} as the demo applies it, with its Secret pointed at a real
 * database: the example's DatabaseMigration fills the sandbox and the SandboxReset (sync wave 1)
 * empties and reseeds it; the reset alone also succeeds on an empty or hand-made schema.
 */
class SandboxResetExampleIT {
  private static final String SYNC_WAVE = "argocd.argoproj.io/sync-wave";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  private List<HasMetadata> load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return kube.client().load(in).items();
    }
  }

  /** The objects of examples/sandbox-reset/ in file order, the Secret pointed at the test db. */
  private List<HasMetadata> example() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(ProjectFiles.examples().resolve("sandbox-reset"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    List<HasMetadata> objects = new ArrayList<>();
    for (Path file : files) {
      for (HasMetadata object : load(file)) {
        if (object instanceof Secret s) {
          object = secret(s.getMetadata().getName(), pg.jdbcUrl(), pg.user(), "example-pw");
        } else if ("SandboxReset".equals(object.getKind())) {
          SandboxReset sbr =
              kube.client().getKubernetesSerialization().convertValue(object, SandboxReset.class);
          sbr.getSpec().confirmDatabaseName = pg.databaseName();
          object = sbr;
        }
        objects.add(object);
      }
    }
    return objects;
  }

  private void apply(List<HasMetadata> objects, Predicate<HasMetadata> which) {
    for (HasMetadata object : objects) {
      if (which.test(object)) {
        kube.client().resource(object).inNamespace(NAMESPACE).create();
      }
    }
  }

  private static boolean isKind(HasMetadata object, String kind) {
    return kind.equals(object.getKind());
  }

  private static int wave(HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    return annotations == null || !annotations.containsKey(SYNC_WAVE)
        ? 0
        : Integer.parseInt(annotations.get(SYNC_WAVE));
  }

  private SandboxReset awaitFinished() {
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
  void resetsTheRowsTheExampleMigrationPutIntoTheSandbox() throws IOException {
    List<HasMetadata> example = example();
    assertThat(example)
        .as("the reset comes in a later sync wave than the migration it needs")
        .anyMatch(o -> isKind(o, "DatabaseMigration") && wave(o) == 0)
        .anyMatch(o -> isKind(o, "SandboxReset") && wave(o) == 1);
    // The migration's schema is the application's: the ConfigMap of examples/database-migration.
    apply(
        load(ProjectFiles.examples().resolve("database-migration/01-migrations-configmap.yaml")),
        o -> true);
    apply(example, o -> wave(o) == 0);
    DatabaseMigration migrated =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    kube.client()
                        .resources(DatabaseMigration.class)
                        .inNamespace(NAMESPACE)
                        .withName("sandbox-schema")
                        .get(),
                m ->
                    m.getStatus() != null
                        && (m.getStatus().phase == MigrationPhase.Succeeded
                            || m.getStatus().phase == MigrationPhase.Failed));
    assertThat(migrated.getStatus().phase)
        .as(migrated.getStatus().message)
        .isEqualTo(MigrationPhase.Succeeded);
    Map<String, Long> before = new LinkedHashMap<>();
    for (String table : List.of("courses", "enrollments", "sessions")) {
      before.put("public." + table, pg.rowCount(table));
    }
    long tasks = pg.rowCount("tasks");
    long history = pg.rowCount("pitstop_schema_history");
    assertThat(before.values())
        .as("the sandbox holds user data before the reset")
        .allMatch(n -> n > 0);
    assertThat(tasks).isPositive();

    apply(example, o -> wave(o) == 1);

    SandboxReset done = awaitFinished();
    assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().plan.rowCounts).isEqualTo(before);
    assertThat(done.getStatus().lastRun.rowsDeleted)
        .isEqualTo(before.values().stream().mapToLong(Long::longValue).sum());
    assertThat(done.getStatus().plan.preserved)
        .anyMatch(t -> t.startsWith("public.pitstop_schema_history "))
        .anyMatch(t -> t.startsWith("public.tasks "));
    assertThat(done.getStatus().plan.seeds)
        .containsExactly("01-courses.sql", "02-enrollments.sql", "03-announcement.sql");
    assertThat(pg.rowCount("tasks")).isEqualTo(tasks);
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(history);
    assertThat(pg.rowCount("sessions")).isZero();
    assertThat(pg.queryStrings("SELECT id || ' ' || title FROM courses ORDER BY id"))
        .containsExactly("1 Algebra I", "2 Biology 101", "3 World History");
    assertThat(pg.rowCount("enrollments")).isEqualTo(15);
  }

  @Test
  void succeedsOnAnEmptySchema() throws IOException {
    apply(example(), o -> !isKind(o, "DatabaseMigration"));

    SandboxReset done = awaitFinished();

    assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().lastRun.rowsDeleted).isZero();
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

    apply(example(), o -> !isKind(o, "DatabaseMigration"));

    SandboxReset done = awaitFinished();
    assertThat(done.getStatus().phase).as(done.getStatus().message).isEqualTo(ResetPhase.Succeeded);
    assertThat(done.getStatus().lastRun.rowsDeleted).isEqualTo(220L);
    assertThat(pg.queryStrings("SELECT id || ' ' || title FROM courses ORDER BY id"))
        .containsExactly("1 Algebra I", "2 Biology 101", "3 World History");
    assertThat(pg.rowCount("enrollments")).isEqualTo(15);
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(2);
  }
}
