package dev.pitstop.reconciler.sandboxreset;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PreservedRows;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.maintenancewindow.WindowTestSupport;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.SqlGate;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real operator resets a real PostgreSQL, seen through status, Events and the database. */
class SandboxResetIT {
  private static final String PASSWORD = "pw-Zq8!sandbox-never-shown";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @BeforeEach
  void sandbox() {
    kube.client().resource(secret("sandbox-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    pg.execute(
        """
        CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, role text);
        CREATE TABLE courses (id bigserial PRIMARY KEY, title text NOT NULL,
          teacher_id bigint REFERENCES users);
        CREATE TABLE enrollments (id bigserial PRIMARY KEY,
          user_id bigint NOT NULL REFERENCES users, course_id bigint NOT NULL REFERENCES courses);
        CREATE TABLE payload_jobs (id bigserial PRIMARY KEY, kind text);
        CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text);
        INSERT INTO users (email, role) SELECT 'u' || g || '@school.test',
          CASE WHEN g = 1 THEN 'admin' ELSE 'student' END FROM generate_series(1, 40) g;
        INSERT INTO courses (title, teacher_id) SELECT 'Course ' || g, g FROM generate_series(1, 4) g;
        INSERT INTO enrollments (user_id, course_id)
          SELECT 1 + g % 40, 1 + g % 4 FROM generate_series(1, 100) g;
        INSERT INTO payload_jobs (kind) VALUES ('email');
        INSERT INTO flyway_schema_history VALUES (1, '1');
        """);
  }

  private SandboxReset reset(String name) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = pg.databaseName();
    spec.preserveTables.add("payload_*");
    sbr.setSpec(spec);
    return sbr;
  }

  @Test
  void resetsOnceWithSeedsFromConfigMapAndInlineAndReportsTheRun() {
    kube.client()
        .resource(
            configMap(
                "sandbox-seed",
                Map.of(
                    "01-users.sql",
                    "INSERT INTO users (email, role) VALUES ('teacher@school.test', 'teacher');",
                    "02-courses.sql",
                    "INSERT INTO courses (title, teacher_id) VALUES ('Algebra', 1);")))
        .create();
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().seed = new ScriptSource();
    sbr.getSpec().seed.configMapRefs.add(new LocalObjectRef("sandbox-seed"));
    sbr.getSpec()
        .seed
        .inline
        .add(
            new InlineScript(
                "03-enrollments.sql",
                "INSERT INTO enrollments (user_id, course_id) VALUES (1, 1);"));
    sbr.getSpec().preserveRows.add(new PreservedRows("payload_jobs", "true"));
    kube.client().resource(sbr).create();

    SandboxReset done = awaitPhase("sandbox", ResetPhase.Succeeded);

    assertThat(pg.queryStrings("SELECT id || ':' || email FROM users"))
        .containsExactly("1:teacher@school.test");
    assertThat(pg.rowCount("courses")).isEqualTo(1);
    assertThat(pg.rowCount("enrollments")).isEqualTo(1);
    assertThat(pg.rowCount("payload_jobs")).isEqualTo(1);
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(1);
    var status = done.getStatus();
    assertThat(status.observedGeneration).isEqualTo(1L);
    assertThat(status.plan.order)
        .containsExactly("public.enrollments", "public.courses", "public.users");
    assertThat(status.plan.preserved)
        .containsExactly(
            "public.flyway_schema_history (Flyway schema history)",
            "public.payload_jobs (spec.preserveTables[0] (payload_*))");
    assertThat(status.plan.rowCounts)
        .containsEntry("public.enrollments", 100L)
        .containsEntry("public.users", 40L);
    assertThat(status.plan.seeds)
        .containsExactly("01-users.sql", "02-courses.sql", "03-enrollments.sql");
    assertThat(status.lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(status.lastRun.rowsDeleted).isEqualTo(144L);
    assertThat(status.lastRun.durationMs).isNotNull();
    assertThat(status.history).hasSize(1);
    assertThat(status.message)
        .startsWith("deleted 144 rows from 3 tables, ran 3 seed(s) in ")
        .endsWith("; 1 warning(s) in status.plan.warnings");
    assertThat(status.plan.warnings)
        .containsExactly(
            "spec.preserveRows[0] names public.payload_jobs, which is preserved: all its rows are"
                + " kept.");
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
    assertThat(condition(done, Condition.FAILED)).isEqualTo("False");
    assertThat(kube.eventsFor(done))
        .extracting(Event::getReason)
        .contains("ResetStarted", "ResetSucceeded");
    assertThat(kube.eventsFor(done))
        .filteredOn(e -> e.getReason().equals("ResetWarnings"))
        .extracting(Event::getType, Event::getMessage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "Warning",
                "The reset committed with 1 warning(s): spec.preserveRows[0] names"
                    + " public.payload_jobs, which is preserved: all its rows are kept."));
    assertThat(kube.operator().meterRegistry().find("pitstop_reset_rows_deleted").counter().count())
        .isEqualTo(144.0);
    assertNoPasswordIn(done);

    pg.execute("INSERT INTO users (email) VALUES ('late@school.test')");
    // The operator looks again, and for a second after nothing deletes the row.
    kube.reconcileAll();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> pg.rowCount("users") == 2);
    assertThat(pg.rowCount("users")).as("runs once per generation").isEqualTo(2);
  }

  @Test
  void runRequestedAtAnnotationRunsAgainAndHistoryGrows() {
    kube.client().resource(reset("sandbox")).create();
    awaitPhase("sandbox", ResetPhase.Succeeded);
    pg.execute("INSERT INTO users (email) VALUES ('new@school.test')");

    annotate("sandbox", Pitstop.RUN_REQUESTED_AT, "2026-11-22T10:00:00Z");

    SandboxReset again =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> get("sandbox"), r -> r.getStatus().history.size() == 2);
    assertThat(again.getStatus().observedRunRequest).isEqualTo("2026-11-22T10:00:00Z");
    assertThat(again.getStatus().lastRun.rowsDeleted).isEqualTo(1L);
    assertThat(pg.rowCount("users")).isZero();
  }

  /**
   * Git takes a served run request out (the annotation, spec.runRequestId) and writes the same
   * reset another way (a schema name in capitals): none of it runs the reset again.
   */
  @Test
  void takingRunRequestsOutOrWritingTheSameResetAnotherWayRunsNothing() {
    kube.client().resource(reset("sandbox")).create();
    awaitPhase("sandbox", ResetPhase.Succeeded);
    annotate("sandbox", Pitstop.RUN_REQUESTED_AT, "r1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("sandbox").getStatus().history.size() == 2);
    edit("sandbox", r -> r.getSpec().runRequestId = "ticket-1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("sandbox").getStatus().history.size() == 3);
    pg.execute("INSERT INTO users (email) VALUES ('kept@school.test')");

    edit(
        "sandbox",
        r -> {
          r.getMetadata().getAnnotations().remove(Pitstop.RUN_REQUESTED_AT);
          r.getSpec().runRequestId = null;
          r.getSpec().schemas = List.of("PUBLIC");
        });
    long generation = get("sandbox").getMetadata().getGeneration();
    SandboxReset seen =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("sandbox"),
                r -> Long.valueOf(generation).equals(r.getStatus().observedGeneration));

    assertThat(seen.getStatus().history).as("no new run").hasSize(3);
    assertThat(seen.getStatus().phase).isEqualTo(ResetPhase.Succeeded);
    assertThat(pg.rowCount("users")).isEqualTo(1);
  }

  @Test
  void aSettingEditRunsNothingAndAChangeToWhatItDoesRunsAgain() {
    kube.client().resource(reset("sandbox")).create();
    awaitPhase("sandbox", ResetPhase.Succeeded);
    pg.execute("INSERT INTO users (email) VALUES ('kept@school.test')");

    edit("sandbox", r -> r.getSpec().lockTimeout = "9s");
    SandboxReset seen =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("sandbox"),
                r -> Long.valueOf(2).equals(r.getStatus().observedGeneration));
    assertThat(seen.getStatus().history).as("editing lockTimeout runs nothing").hasSize(1);
    assertThat(seen.getStatus().phase).isEqualTo(ResetPhase.Succeeded);
    assertThat(pg.rowCount("users")).isEqualTo(1);

    edit("sandbox", r -> r.getSpec().strategy = dev.pitstop.api.v1alpha1.ResetStrategy.Truncate);
    SandboxReset again =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> get("sandbox"), r -> r.getStatus().history.size() == 2);
    assertThat(again.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(pg.rowCount("users")).as("another strategy is a new reset").isZero();
  }

  @Test
  void theCancelAnnotationRollsTheRunningResetBackOnTheServer() {
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().seed = new ScriptSource();
    sbr.getSpec().seed.inline.add(new InlineScript("01-slow.sql", "SELECT pg_sleep(60);"));
    kube.client().resource(sbr).create();
    pg.awaitActiveStatement("SELECT pg_sleep(60)");

    annotate("sandbox", Pitstop.CANCEL, "1");
    SandboxReset cancelled =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> get("sandbox"), r -> hasConditionReason(r, Condition.READY, "Cancelled"));
    assertThat(cancelled.getStatus().phase).isEqualTo(ResetPhase.Failed);
    assertThat(cancelled.getStatus().message).startsWith("cancelled by the annotation");
    assertThat(pg.rowCount("users")).as("the reset rolled back").isEqualTo(40);
    assertThat(pg.rowCount("enrollments")).isEqualTo(100);
    assertThat(kube.eventsFor(cancelled)).extracting(Event::getReason).contains("ResetCancelled");
  }

  @Test
  void dryRunPlansWithRowCountsAndDeletesNothing() {
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().dryRun = true;
    sbr.getSpec().preserveRows.add(new PreservedRows("users", "role = 'admin'"));
    kube.client().resource(sbr).create();

    SandboxReset planned = awaitPhase("sandbox", ResetPhase.Planned);

    assertThat(planned.getStatus().plan.rowCounts)
        .containsEntry("public.users", 40L)
        .containsEntry("public.enrollments", 100L);
    assertThat(planned.getStatus().plan.keptRows).containsEntry("public.users", 1L);
    assertThat(planned.getStatus().message)
        .isEqualTo(
            "would delete 143 rows from 3 tables and keep 2 preserved tables (dryRun: nothing"
                + " deleted)");
    assertThat(planned.getStatus().lastRun).isNull();
    assertThat(pg.rowCount("users")).isEqualTo(40);
  }

  @Test
  void wrongConfirmDatabaseNameFailsAndTouchesNothing() {
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().confirmDatabaseName = "production";
    kube.client().resource(sbr).create();

    SandboxReset failed = awaitPhase("sandbox", ResetPhase.Failed);

    assertThat(failed.getStatus().message)
        .isEqualTo(
            "spec.confirmDatabaseName is 'production', but the connection is to database '"
                + pg.databaseName()
                + "'; nothing was touched.");
    assertThat(failed.getStatus().lastRun.result).isEqualTo(RunResult.Failed);
    assertThat(hasConditionReason(failed, Condition.READY, "WrongDatabase")).isTrue();
    assertThat(condition(failed, Condition.FAILED)).isEqualTo("True");
    assertThat(kube.eventsFor(failed)).extracting(Event::getReason).contains("ResetFailed");
    assertThat(pg.rowCount("users")).isEqualTo(40);
  }

  @Test
  void preservedTableTheDeletesWouldCascadeIntoFailsNamingItAndKeepsEveryRow() {
    pg.execute(
        "CREATE TABLE payload_sessions (user_id bigint CONSTRAINT payload_sessions_user_fk"
            + " REFERENCES users ON DELETE CASCADE); INSERT INTO payload_sessions VALUES (3);");
    kube.client().resource(reset("sandbox")).create();

    SandboxReset failed = awaitPhase("sandbox", ResetPhase.Failed);

    assertThat(failed.getStatus().message)
        .startsWith(
            "Preserved table public.payload_sessions has 1 row(s) referencing rows of"
                + " public.users that the reset would delete, and public.payload_sessions_user_fk"
                + " (ON DELETE CASCADE) would delete them");
    assertThat(hasConditionReason(failed, Condition.READY, "PreservedTableReferences")).isTrue();
    assertThat(kube.eventsFor(failed))
        .filteredOn(e -> e.getReason().equals("ResetFailed"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains("public.payload_sessions_user_fk"));
    assertThat(pg.rowCount("payload_sessions")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(40);
  }

  @Test
  void failingSeedIsReportedWithFileAndLineAndEveryRowStays() {
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().seed = new ScriptSource();
    sbr.getSpec()
        .seed
        .inline
        .add(
            new InlineScript(
                "01-users.sql",
                "INSERT INTO users (email) VALUES ('a@school.test');\n"
                    + "INSERT INTO courses (title, teacher_id) VALUES ('x', 999);"));
    kube.client().resource(sbr).create();

    SandboxReset failed = awaitPhase("sandbox", ResetPhase.Failed);

    var failure = failed.getStatus().failure;
    assertThat(failure.seed).isEqualTo("01-users.sql");
    assertThat(failure.line).isEqualTo(2);
    assertThat(failure.sqlState).isEqualTo("23503");
    assertThat(failure.constraint).isEqualTo("courses_teacher_id_fkey");
    assertThat(failed.getStatus().message).startsWith("Seed 01-users.sql failed at line 2: ");
    assertThat(pg.rowCount("users")).isEqualTo(40);
    assertThat(pg.rowCount("enrollments")).isEqualTo(100);
  }

  @Test
  void progressIsPublishedWhileTablesAreEmptiedAndSeedsRun() {
    // The reset waits at each gate until the test has seen its progress there.
    try (SqlGate emptying = SqlGate.closed(pg.dataSource());
        SqlGate seeding = SqlGate.closed(pg.dataSource())) {
      pg.execute(
          "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              + emptying.plpgsql()
              + " RETURN NULL; END $$;"
              + " CREATE TRIGGER courses_slow BEFORE DELETE ON courses"
              + " FOR EACH STATEMENT EXECUTE FUNCTION slow();");
      SandboxReset sbr = reset("sandbox");
      sbr.getSpec().seed = new ScriptSource();
      sbr.getSpec().seed.inline.add(new InlineScript("01-wait.sql", seeding.statement()));
      kube.client().resource(sbr).create();

      SandboxReset atCourses =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () -> get("sandbox"),
                  r ->
                      r.getStatus() != null
                          && r.getStatus().progress != null
                          && "public.courses".equals(r.getStatus().progress.table));
      assertThat(atCourses.getStatus().phase).isEqualTo(ResetPhase.Resetting);
      assertThat(atCourses.getStatus().progress.tablesDone).isEqualTo(1);
      assertThat(atCourses.getStatus().progress.tablesTotal).isEqualTo(3);
      assertThat(atCourses.getStatus().progress.rowsDeleted).isEqualTo(100L);
      assertThat(condition(atCourses, Condition.PROGRESSING)).isEqualTo("True");
      emptying.open();

      SandboxReset atSeed = awaitPhase("sandbox", ResetPhase.Seeding);
      assertThat(atSeed.getStatus().progress.table).isEqualTo("01-wait.sql");
      seeding.open();
      awaitPhase("sandbox", ResetPhase.Succeeded);
    }
  }

  @Test
  void aRunAfterASucceededOneIsNotReadyUntilItEnds() {
    // kubectl wait --for=condition=Ready must not return on the previous run's result.
    kube.client().resource(reset("sandbox")).create();
    SandboxReset first = awaitPhase("sandbox", ResetPhase.Succeeded);
    assertThat(condition(first, Condition.READY)).isEqualTo("True");
    try (SqlGate seeding = SqlGate.closed(pg.dataSource())) {
      edit(
          "sandbox",
          r -> {
            r.getSpec().seed = new ScriptSource();
            r.getSpec().seed.inline.add(new InlineScript("01-wait.sql", seeding.statement()));
          });
      SandboxReset atSeed = awaitPhase("sandbox", ResetPhase.Seeding);
      assertThat(Conditions.find(atSeed.getStatus(), Condition.READY).orElseThrow())
          .satisfies(c -> assertThat(c.status).isEqualTo("False"))
          .satisfies(c -> assertThat(c.reason).isEqualTo("Seeding"));
      assertThat(condition(atSeed, Condition.PROGRESSING)).isEqualTo("True");
      assertThat(condition(atSeed, Condition.FAILED)).isEqualTo("False");
      seeding.open();
    }
    SandboxReset done =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> get("sandbox"), r -> r.getStatus().history.size() == 2);
    assertThat(done.getStatus().phase).isEqualTo(ResetPhase.Succeeded);
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
  }

  @Test
  void waitsForTheMaintenanceWindowToBeActive() {
    MaintenanceWindow window = new MaintenanceWindow();
    window.setMetadata(
        new ObjectMetaBuilder().withName("nightly").withNamespace(NAMESPACE).build());
    window.setSpec(new MaintenanceWindowSpec());
    window.getSpec().active = false;
    kube.client().resource(window).create();
    WindowTestSupport windows = new WindowTestSupport(kube);
    windows.awaitPhase("nightly", WindowPhase.Idle);
    SandboxReset sbr = reset("sandbox");
    sbr.getSpec().maintenanceWindowRef = new LocalObjectRef("nightly");
    kube.client().resource(sbr).create();

    SandboxReset waiting = awaitPhase("sandbox", ResetPhase.WaitingForWindow);
    assertThat(waiting.getStatus().message)
        .isEqualTo("waiting for MaintenanceWindow 'nightly' to be Active (it is Idle)");
    assertThat(pg.rowCount("users")).isEqualTo(40);

    windows.editWindow("nightly", w -> w.getSpec().active = true);

    awaitPhase("sandbox", ResetPhase.Succeeded);
    assertThat(pg.rowCount("users")).isZero();
  }

  private SandboxReset awaitPhase(String name, ResetPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(name), hasPhase(phase));
  }

  private static Predicate<SandboxReset> hasPhase(ResetPhase phase) {
    return r -> r != null && r.getStatus() != null && r.getStatus().phase == phase;
  }

  private SandboxReset get(String name) {
    return kube.client().resources(SandboxReset.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private void edit(String name, java.util.function.Consumer<SandboxReset> change) {
    Conflicts.edit(kube.client(), SandboxReset.class, NAMESPACE, name, change);
  }

  /** A merge patch, as {@code kubectl annotate} sends: no conflict with the operator's writes. */
  private void annotate(String name, String key, String value) {
    kube.client()
        .resources(SandboxReset.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }

  private static String condition(SandboxReset r, String type) {
    return Conditions.find(r.getStatus(), type).map(c -> c.status).orElse(null);
  }

  private static boolean hasConditionReason(SandboxReset r, String type, String reason) {
    return Conditions.find(r.getStatus(), type).map(c -> reason.equals(c.reason)).orElse(false);
  }

  private void assertNoPasswordIn(SandboxReset r) {
    assertThat(Serialization.asJson(r.getStatus())).doesNotContain(PASSWORD);
    assertThat(kube.eventsFor(r))
        .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
  }
}
