package dev.pitstop.reconciler.databasemigration;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.LogCapture;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.SqlGate;
import dev.pitstop.testing.TestRoles;
import dev.pitstop.testing.WebhookReceiver;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real operator applies migrations to a real PostgreSQL, seen through status and Events. */
class DatabaseMigrationIT {
  private static final String PASSWORD = "pw-Zq8!never-shown";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @BeforeEach
  void createAppSecret() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
  }

  /**
   * Git takes a served spec.runRequestId out, or puts it back: nothing runs (an afterMigrate
   * callback counts the runs). A new value runs once.
   */
  @Test
  void takingRunRequestIdOutOrPuttingItBackRunsNothing() {
    pg.execute("CREATE SCHEMA audit; CREATE TABLE audit.runs (at timestamptz DEFAULT now())");
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__t.sql", "CREATE TABLE t (id int);",
                    "afterMigrate.sql", "INSERT INTO audit.runs DEFAULT VALUES;")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec().runRequestId = "deploy-41";
    kube.client().resource(dbm).create();
    awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(pg.queryLong("SELECT count(*) FROM audit.runs")).isEqualTo(1);

    for (String value : new String[] {null, "deploy-41"}) {
      Conflicts.edit(
          kube.client(),
          DatabaseMigration.class,
          NAMESPACE,
          "app",
          r -> r.getSpec().runRequestId = value);
      long generation = get("app").getMetadata().getGeneration();
      DatabaseMigration seen =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> get("app"),
                  r -> Long.valueOf(generation).equals(r.getStatus().observedGeneration));
      assertThat(seen.getStatus().phase).isEqualTo(MigrationPhase.Succeeded);
      assertThat(pg.queryLong("SELECT count(*) FROM audit.runs"))
          .as("runRequestId %s runs nothing", value)
          .isEqualTo(1);
    }

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> r.getSpec().runRequestId = "deploy-42");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> pg.queryLong("SELECT count(*) FROM audit.runs") == 2);
    assertThat(awaitPhase("app", MigrationPhase.Succeeded).getStatus().observedRunRequestId)
        .isEqualTo("deploy-42");
  }

  @Test
  void appliesMigrationsFromConfigMapAndInlineAndReportsSucceeded() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__create_courses.sql",
                    "CREATE TABLE courses (id bigserial PRIMARY KEY, title text NOT NULL);",
                    "V2__seed.sql",
                    "INSERT INTO courses (title) VALUES ('Algebra');\n"
                        + "INSERT INTO courses (title) VALUES ('Biology');",
                    "R__view.sql",
                    "CREATE OR REPLACE VIEW course_titles AS SELECT title FROM courses;")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec()
        .source
        .inline
        .add(new InlineScript("V3__add_status.sql", "ALTER TABLE courses ADD COLUMN status text;"));
    kube.client().resource(dbm).create();

    DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);

    assertThat(done.getStatus().currentVersion).isEqualTo("3");
    assertThat(done.getStatus().appliedCount).isEqualTo(4);
    assertThat(done.getStatus().pendingCount).isZero();
    assertThat(done.getStatus().observedGeneration).isEqualTo(1L);
    assertThat(done.getStatus().lastApplied)
        .extracting(a -> a.version)
        .containsExactly("1", "2", "3", null);
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
    assertThat(condition(done, Condition.DATABASE_REACHABLE)).isEqualTo("True");
    assertThat(condition(done, Condition.FAILED)).isEqualTo("False");
    assertThat(pg.rowCount("courses")).isEqualTo(2);
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE success"))
        .isEqualTo(4);
    assertThat(kube.eventsFor(done))
        .extracting(Event::getReason)
        .contains("MigrationStarted", "MigrationSucceeded");
    assertNoPasswordIn(done);
  }

  @Test
  void inlineCopyDataAndAScriptConfigurationFromTheConfigMapAreApplied() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__mood.sql",
                    "CREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE moods (m mood, note text);\n",
                    "V2__happy.sql",
                    "ALTER TYPE mood ADD VALUE 'happy';\n"
                        + "COPY moods FROM stdin;\nhappy\tit's; -- data\nsad\t\\N\n\\.\n",
                    "V2__happy.sql.conf",
                    "executeInTransaction=false\n")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);

    assertThat(done.getStatus().currentVersion).isEqualTo("2");
    assertThat(pg.queryStrings("SELECT m || '|' || coalesce(note, 'NULL') FROM moods ORDER BY m"))
        .containsExactly("sad|NULL", "happy|it's; -- data");
    assertThat(kube.eventsFor(done)).extracting(Event::getReason).doesNotContain("ScriptsIgnored");
  }

  @Test
  void aFailedMigrationOutsideATransactionSaysWhatStaysApplied() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("V1__table.sql", "CREATE TABLE t (id int);");
    files.put(
        "V2__index.sql",
        "CREATE INDEX CONCURRENTLY t_id ON t (id);\nINSERT INTO missing VALUES (2);");
    kube.client().resource(configMap("migrations", files)).create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration failed = awaitPhase("app", MigrationPhase.Failed);

    assertThat(failed.getStatus().message)
        .startsWith("V2__index.sql failed at line 2")
        .endsWith(
            "; it ran outside a transaction: statements before statement 2 stay applied, and it is"
                + " not recorded");
    assertThat(pg.queryLong("SELECT count(*) FROM pg_indexes WHERE indexname = 't_id'"))
        .as("the statement before the failing one stays applied")
        .isEqualTo(1);
  }

  @Test
  void failedMigrationIsRolledBackReportedAndRetriedWhenTheConfigMapIsFixed() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("V1__table.sql", "CREATE TABLE t (id int);");
    files.put(
        "V2__broken.sql",
        "INSERT INTO t VALUES (1);\n\n-- the next statement fails\nINSERT INTO missing VALUES (2);");
    kube.client().resource(configMap("migrations", files)).create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration failed = awaitPhase("app", MigrationPhase.Failed);

    assertThat(failed.getStatus().failure.version).isEqualTo("2");
    assertThat(failed.getStatus().failure.script).isEqualTo("V2__broken.sql");
    assertThat(failed.getStatus().failure.sqlState).isEqualTo("42P01");
    assertThat(failed.getStatus().failure.line).isEqualTo(4);
    assertThat(failed.getStatus().currentVersion).isEqualTo("1");
    assertThat(condition(failed, Condition.FAILED)).isEqualTo("True");
    assertThat(failed.getStatus().message)
        .endsWith("; it was rolled back, nothing of V2__broken.sql was applied or recorded");
    assertThat(pg.rowCount("t")).as("V2 rolled back").isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE version = '2'"))
        .isZero();
    assertThat(kube.eventsFor(failed)).extracting(Event::getReason).contains("MigrationFailed");

    files.put("V2__broken.sql", "INSERT INTO t VALUES (1);");
    kube.client().resource(configMap("migrations", files)).update();

    DatabaseMigration fixed = awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(fixed.getStatus().currentVersion).isEqualTo("2");
    assertThat(fixed.getStatus().failure).isNull();
    assertThat(pg.rowCount("t")).isEqualTo(1);
  }

  @Test
  void aRunAfterAnInterruptedConcurrentBuildSkipsTheBuiltIndexAndLogsIt() {
    pg.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int)");
    // what a run killed inside the build leaves: the server finished the index, nothing recorded
    pg.execute("CREATE INDEX orders_customer_idx ON orders (customer)");
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__orders_customer_idx.sql",
                    "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer);\n"
                        + "CREATE TABLE order_notes (id int);\n")))
        .create();
    DatabaseMigration migration = migration("app", "app-db", "migrations");
    migration.getSpec().baselineOnMigrate = true; // orders predates the migrations
    migration.getSpec().baselineVersion = "0";
    try (LogCapture logs = new LogCapture()) {
      kube.client().resource(migration).create();

      DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);

      assertThat(done.getStatus().currentVersion).isEqualTo("1");
      assertThat(logs.text())
          .contains(
              "V1__orders_customer_idx.sql: statement 1 (line 1): index"
                  + " public.orders_customer_idx already exists, valid and as this statement"
                  + " builds it (an earlier run ended after building it); statement skipped");
    }
    assertThat(pg.tableExists("order_notes")).isTrue();
  }

  @Test
  void validateOnlyPlansAndAppliesNothing() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec().validateOnly = true;
    kube.client().resource(dbm).create();

    DatabaseMigration planned = awaitPhase("app", MigrationPhase.Planned);
    assertThat(planned.getStatus().pending).containsExactly("1");
    assertThat(planned.getStatus().pendingCount).isEqualTo(1);
    assertThat(pg.tableExists("t")).isFalse();
  }

  @Test
  void approvalIsOfTheContentShownInThePlanAndAChangeNeedsANewOne() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec().requireApproval = true;
    kube.client().resource(dbm).create();

    DatabaseMigration waiting = awaitPhase("app", MigrationPhase.WaitingForApproval);
    assertThat(waiting.getStatus().pending).containsExactly("1");
    var plan = waiting.getStatus().plan;
    assertThat(plan.digest).isNotBlank();
    assertThat(plan.scripts).hasSize(1);
    assertThat(plan.scripts.get(0).script).isEqualTo("V1__t.sql");
    assertThat(plan.scripts.get(0).statements).containsExactly("CREATE TABLE t (id int)");
    assertThat(waiting.getStatus().message).contains("pitstop.dev/approve=" + plan.digest);
    assertThat(pg.tableExists("t")).isFalse();

    annotate("app", Pitstop.APPROVE, "1");
    // The annotation reconciles at once; for a second after, the migration still waits.
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("app").getStatus().phase == MigrationPhase.WaitingForApproval);
    assertThat(pg.tableExists("t")).as("a generation number approves nothing").isFalse();

    // SQL added to the ConfigMap after the plan was shown: the old digest no longer approves it.
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of("V1__t.sql", "CREATE TABLE t (id int); CREATE TABLE extra (id int);")))
        .update();
    DatabaseMigration replanned =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("app"),
                r ->
                    r.getStatus().phase == MigrationPhase.WaitingForApproval
                        && r.getStatus().plan != null
                        && !plan.digest.equals(r.getStatus().plan.digest));
    assertThat(replanned.getStatus().plan.scripts.get(0).statements)
        .containsExactly("CREATE TABLE t (id int)", "CREATE TABLE extra (id int)");
    annotate("app", Pitstop.APPROVE, plan.digest);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("app").getStatus().phase == MigrationPhase.WaitingForApproval);
    assertThat(pg.tableExists("extra")).as("the approval was of other content").isFalse();

    annotate("app", Pitstop.APPROVE, replanned.getStatus().plan.digest);
    DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(pg.tableExists("extra")).isTrue();
    assertThat(done.getStatus().plan).as("the plan is gone once applied").isNull();
  }

  @Test
  void runRequestedAtAnnotationRunsAgainWithoutSpecChange() {
    kube.client()
        .resource(
            configMap(
                "migrations", Map.of("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();
    awaitPhase("app", MigrationPhase.Succeeded);
    pg.execute("DROP VIEW v");

    annotate("app", Pitstop.RUN_REQUESTED_AT, "2026-11-22T10:00:00Z");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "2026-11-22T10:00:00Z".equals(get("app").getStatus().observedRunRequest)
                    && get("app").getStatus().phase == MigrationPhase.Succeeded);
    // The repeatable's checksum did not change, so nothing is re-applied: the run happened and
    // found the database up to date.
    assertThat(get("app").getStatus().message).contains("up to date");
  }

  @Test
  void aRunRequestedAfterASucceededOneIsNotReadyUntilItEnds() throws Exception {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();
    DatabaseMigration first = awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(condition(first, Condition.READY)).isEqualTo("True");
    // Another runner holds the migration lock (Flyway's key for "public"."pitstop_schema_history"),
    // so the requested run stays going until the test has seen its status.
    long key = 77431708279161L + "\"public\".\"pitstop_schema_history\"".hashCode();
    try (var holder = pg.dataSource().getConnection()) {
      holder.createStatement().execute("SELECT pg_advisory_lock(" + key + ")");
      annotate("app", Pitstop.RUN_REQUESTED_AT, "2026-11-22T10:00:00Z");
      DatabaseMigration running =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> get("app"), r -> r.getStatus() != null && r.getStatus().lock != null);
      assertThat(running.getStatus().phase).isEqualTo(MigrationPhase.Migrating);
      assertThat(running.getMetadata().getGeneration())
          .isEqualTo(first.getMetadata().getGeneration());
      assertThat(condition(running, Condition.READY)).isEqualTo("False");
      assertThat(hasConditionReason(running, Condition.READY, "WaitingForLock")).isTrue();
      assertThat(condition(running, Condition.PROGRESSING)).isEqualTo("True");
      assertThat(condition(running, Condition.FAILED)).isEqualTo("False");
    }
    DatabaseMigration done =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("app"),
                r ->
                    "2026-11-22T10:00:00Z".equals(r.getStatus().observedRunRequest)
                        && r.getStatus().phase == MigrationPhase.Succeeded);
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
  }

  @Test
  void aTargetVersionBelowTheDatabasesVersionSucceedsWithAWarningThatNothingIsUndone() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__t.sql", "CREATE TABLE t (id int);",
                    "V2__u.sql", "CREATE TABLE u (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();
    awaitPhase("app", MigrationPhase.Succeeded);

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> {
          r.getSpec().targetVersion = "1";
        });
    DatabaseMigration done =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("app"),
                r ->
                    r.getStatus().observedGeneration == r.getMetadata().getGeneration()
                        && r.getStatus().phase == MigrationPhase.Succeeded
                        && r.getStatus().message.contains("targetVersion"));
    assertThat(done.getStatus().message)
        .contains(
            "the database is at version 2, above targetVersion 1: migrations are never undone");
    assertThat(kube.eventsFor(done)).extracting(Event::getReason).contains("AboveTargetVersion");
    assertThat(pg.tableExists("u")).isTrue();
  }

  @Test
  void aSettingEditRunsNothingAndANewScriptRunsAgain() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();
    awaitPhase("app", MigrationPhase.Succeeded);

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> {
          r.getSpec().lockTimeout = "3s";
          r.getSpec().statementTimeout = "1m";
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Long.valueOf(2).equals(get("app").getStatus().observedGeneration));
    assertThat(kube.eventsFor(get("app")))
        .as("editing timeouts starts no run")
        .filteredOn(e -> "MigrationStarted".equals(e.getReason()))
        .hasSize(1);

    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of("V1__t.sql", "CREATE TABLE t (id int);", "V2__u.sql", "CREATE TABLE u ();")))
        .update();
    await().atMost(Duration.ofSeconds(30)).until(() -> pg.tableExists("u"));
    awaitPhase("app", MigrationPhase.Succeeded);
  }

  @Test
  void sqlCallbacksRunUnlessTheSpecSkipsThem() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("beforeMigrate.sql", "CREATE TABLE IF NOT EXISTS runs (event text);");
    files.put("afterEachMigrate.sql", "INSERT INTO runs VALUES ('afterEachMigrate');");
    files.put("afterMigrate__log.sql", "INSERT INTO runs VALUES ('afterMigrate');");
    files.put("V1__t.sql", "CREATE TABLE t (id int);");
    kube.client().resource(configMap("migrations", files)).create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);

    assertThat(done.getStatus().appliedCount).isEqualTo(1);
    assertThat(pg.queryStrings("SELECT event FROM runs"))
        .containsExactly("afterEachMigrate", "afterMigrate");
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__t.sql");
    assertThat(kube.eventsFor(done)).extracting(Event::getReason).doesNotContain("ScriptsIgnored");

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> {
          r.getSpec().skipDefaultCallbacks = true;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Long.valueOf(2).equals(get("app").getStatus().observedGeneration));
    files.put("V2__u.sql", "CREATE TABLE u ();");
    kube.client().resource(configMap("migrations", files)).update();
    await().atMost(Duration.ofSeconds(30)).until(() -> pg.tableExists("u"));
    awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(pg.rowCount("runs")).as("no callback ran").isEqualTo(2);
  }

  /** V1 applies at once, V2 sleeps on the server until cancelled, V3 would create a table. */
  private void slowMigrations() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__first.sql", "CREATE TABLE first (id int);",
                    "V2__slow.sql", "CREATE TABLE slow (id int); SELECT pg_sleep(60);",
                    "V3__third.sql", "CREATE TABLE third (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();
    pg.awaitActiveStatement("SELECT pg_sleep(60)");
  }

  @Test
  void theCancelAnnotationStopsTheRunningMigrationOnTheServer() {
    slowMigrations();

    annotate("app", Pitstop.CANCEL, "stop-now");
    DatabaseMigration cancelled =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> get("app"), r -> hasConditionReason(r, Condition.READY, "Cancelled"));
    assertThat(cancelled.getStatus().phase).isEqualTo(MigrationPhase.Failed);
    assertThat(cancelled.getStatus().observedCancel).isEqualTo("stop-now");
    assertThat(cancelled.getStatus().message)
        .startsWith("cancelled by the annotation pitstop.dev/cancel=stop-now")
        .contains("V2__slow.sql");
    assertThat(pg.tableExists("first")).as("V1 finished before the cancel").isTrue();
    assertThat(pg.tableExists("slow")).as("V2's transaction rolled back").isFalse();
    assertThat(pg.tableExists("third")).as("nothing further started").isFalse();
    assertThat(pg.queryStrings("SELECT version FROM pitstop_schema_history ORDER BY 1"))
        .containsExactly("1");
    assertThat(kube.eventsFor(cancelled))
        .extracting(Event::getReason)
        .contains("CancelRequested", "MigrationCancelled");
    // A cancelled run stays cancelled: nothing starts it again by itself.
    kube.reconcileAll();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("app").getStatus().phase == MigrationPhase.Failed);
    assertThat(pg.tableExists("third")).isFalse();
  }

  @Test
  void deletingARunningMigrationCancelsItAndWaitsForItToStop() {
    slowMigrations();

    kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName("app")
        .delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> get("app") == null);
    assertThat(pg.activeStatements("SELECT pg_sleep(60)"))
        .as("the statement was cancelled on the server before the finalizer went")
        .isZero();
    assertThat(pg.tableExists("first")).isTrue();
    assertThat(pg.tableExists("slow")).isFalse();
    assertThat(pg.tableExists("third")).isFalse();
  }

  @Test
  void notifiesWhenApprovalIsNeededAndWhenItSucceeded() {
    try (WebhookReceiver webhook = new WebhookReceiver()) {
      List<String> messages = webhook.messages();
      kube.client().resource(webhook.secret("chat", NAMESPACE)).create();
      kube.client()
          .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
          .create();
      DatabaseMigration dbm = migration("app", "app-db", "migrations");
      dbm.getSpec().requireApproval = true;
      dbm.getSpec().notify = new dev.pitstop.api.v1alpha1.RunNotify();
      dbm.getSpec().notify.webhookSecretRef =
          new dev.pitstop.api.v1alpha1.CleanupScheduleSpec.SecretKeyRef();
      dbm.getSpec().notify.webhookSecretRef.name = "chat";
      dbm.getSpec().notify.results =
          List.of(
              dev.pitstop.api.v1alpha1.RunNotify.Result.ApprovalNeeded,
              dev.pitstop.api.v1alpha1.RunNotify.Result.Success);
      kube.client().resource(dbm).create();

      DatabaseMigration waiting = awaitPhase("app", MigrationPhase.WaitingForApproval);
      await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 1);
      assertThat(messages.get(0))
          .contains("DatabaseMigration " + NAMESPACE + "/app: ApprovalNeeded")
          .contains(waiting.getStatus().plan.digest);
      assertThat(condition(waiting, "NotificationDelivered")).isEqualTo("True");

      annotate("app", Pitstop.APPROVE, waiting.getStatus().plan.digest);
      awaitPhase("app", MigrationPhase.Succeeded);
      await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() == 2);
      assertThat(messages.get(1)).contains("DatabaseMigration " + NAMESPACE + "/app: Success");
    }
  }

  @Test
  void missingSecretWaitsAndProceedsWhenItAppears() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client().resource(migration("app", "other-db", "migrations")).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> hasConditionReason(get("app"), Condition.READY, "SecretNotFound"));
    assertThat(get("app").getStatus().message)
        .isEqualTo("spec.database.secretRef: Secret 'other-db' does not exist");
    assertThat(get("app").getStatus().phase).isEqualTo(MigrationPhase.Pending);

    kube.client().resource(secret("other-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(pg.tableExists("t")).isTrue();
  }

  @Test
  void crossNamespaceSecretIsRefusedNamingTheField() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    DatabaseMigration dbm = migration("app", "app-db", "migrations");
    dbm.getSpec().database.secretRef.namespace = "kube-system";
    kube.client().resource(dbm).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);
    assertThat(refused.getStatus().message)
        .startsWith("spec.database.secretRef.namespace:")
        .contains("cross-namespace");
    assertThat(kube.eventsFor(refused)).extracting(Event::getReason).contains("InvalidSpec");
    assertThat(pg.tableExists("t")).isFalse();
  }

  @Test
  void anUnsetPlaceholderFailsNamingFileLineAndKeyAndSpecPlaceholdersThenRunIt() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of("V1__t.sql", "-- for ${Tenant}\nCREATE TABLE ${tenant}_t (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);
    assertThat(refused.getStatus().message)
        .startsWith("Migration script V1__t.sql uses placeholder ${Tenant} at line 1");
    assertThat(condition(refused, Condition.FAILED)).isEqualTo("True");
    assertThat(kube.eventsFor(refused)).extracting(Event::getReason).contains("MigrationFailed");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> {
          r.getSpec().placeholders = Map.of("TENANT", "acme");
        });
    awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(pg.tableExists("acme_t")).isTrue();
  }

  @Test
  void aSourceWithoutAnyMigrationIsRefusedNamingTheIgnoredScriptsAndCreatesNothing() {
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "001_init.sql", "CREATE TABLE t (id int);",
                    "002_more.sql", "CREATE TABLE u (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);
    assertThat(refused.getStatus().message)
        .startsWith(
            "spec.source has no migration: its 2 scripts 001_init.sql, 002_more.sql are ignored")
        .contains("V<version>__<description>.sql");
    assertThat(condition(refused, Condition.FAILED)).isEqualTo("True");
    assertThat(condition(refused, Condition.READY)).isEqualTo("False");
    assertThat(hasConditionReason(refused, Condition.FAILED, "InvalidSpec")).isTrue();
    assertThat(kube.eventsFor(refused)).extracting(Event::getReason).contains("InvalidSpec");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("t")).isFalse();
  }

  @Test
  void badScriptNameIsRefusedNamingTheFile() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1_t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);
    assertThat(refused.getStatus().message).contains("V1_t.sql");
    assertThat(pg.tableExists("t")).isFalse();
  }

  @Test
  void flywayDatabaseIsRefusedNamingItsHistoryAndNotesAreIgnoredWithAWarning() {
    Flyway.configure()
        .dataSource(pg.dataSource())
        .locations("classpath:no-such-location")
        .failOnMissingLocations(false)
        .baselineOnMigrate(true)
        .load()
        .baseline();
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of("V1__t.sql", "CREATE TABLE t (id int);", "README.sql", "not SQL")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);

    assertThat(refused.getStatus().message)
        .contains("public.flyway_schema_history is Flyway's history table");
    assertThat(hasConditionReason(refused, Condition.FAILED, "OtherHistoryTable")).isTrue();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    assertThat(pg.tableExists("t")).isFalse();
    assertThat(kube.eventsFor(refused))
        .filteredOn(e -> "ScriptsIgnored".equals(e.getReason()))
        .extracting(Event::getMessage)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("README.sql");
  }

  @Test
  void aNonEmptySchemaIsRefusedWithAConditionAndAnEventUntilBaselineOnMigrateIsSet() {
    pg.execute("CREATE TABLE legacy (id int)");
    kube.client()
        .resource(
            configMap(
                "migrations",
                Map.of(
                    "V1__legacy.sql", "CREATE TABLE legacy (id int);",
                    "V2__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client().resource(migration("app", "app-db", "migrations")).create();

    DatabaseMigration refused = awaitPhase("app", MigrationPhase.Failed);

    assertThat(refused.getStatus().message)
        .contains("Schema public already holds 1 object (table legacy)", "baselineOnMigrate");
    assertThat(hasConditionReason(refused, Condition.FAILED, "NonEmptySchema")).isTrue();
    assertThat(kube.eventsFor(refused))
        .filteredOn(e -> "MigrationFailed".equals(e.getReason()))
        .extracting(Event::getMessage)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("Schema public already holds 1 object");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        r -> {
          r.getSpec().baselineOnMigrate = true;
          r.getSpec().baselineVersion = "1";
          r.getSpec().baselineDescription = "before Pitstop";
        });
    await().atMost(Duration.ofSeconds(30)).until(() -> pg.tableExists("t"));
    DatabaseMigration adopted = awaitPhase("app", MigrationPhase.Succeeded);
    assertThat(adopted.getStatus().currentVersion).isEqualTo("2");
    assertThat(
            pg.queryStrings(
                "SELECT concat_ws('|', version, description, type)"
                    + " FROM pitstop_schema_history ORDER BY installed_rank"))
        .containsExactly("1|before Pitstop|BASELINE", "2|t|SQL");
  }

  @Test
  void progressIsPublishedWhileAMigrationRuns() {
    // Eight statements; the third waits until the test has seen the progress.
    try (SqlGate gate = SqlGate.closed(pg.dataSource())) {
      StringBuilder slow = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        slow.append(i == 2 ? gate.statement() : "SELECT pg_sleep(0.01);").append("\n");
      }
      kube.client()
          .resource(configMap("migrations", Map.of("V1__slow.sql", slow.toString())))
          .create();
      kube.client().resource(migration("app", "app-db", "migrations")).create();

      DatabaseMigration running =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> get("app"),
                  r ->
                      r.getStatus() != null
                          && r.getStatus().progress != null
                          && r.getStatus().progress.statement != null
                          && r.getStatus().progress.statement >= 2);
      assertThat(running.getStatus().phase).isEqualTo(MigrationPhase.Migrating);
      assertThat(running.getStatus().progress.migration).isEqualTo("V1__slow.sql");
      assertThat(running.getStatus().progress.statements).isEqualTo(8);
      assertThat(condition(running, Condition.PROGRESSING)).isEqualTo("True");
      gate.open();
      DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);
      assertThat(done.getStatus().progress).as("progress is cleared when the run ends").isNull();
    }
  }

  @Test
  void aRunnerWaitingForTheMigrationLockShowsTheHolderPid() throws Exception {
    // The other runner holds the lock until the test has seen the operator wait for it.
    try (SqlGate gate = SqlGate.closed(pg.dataSource())) {
      String slow = gate.statement();
      kube.client().resource(configMap("migrations", Map.of("V1__slow.sql", slow))).create();
      // Another runner (e.g. the CLI or a second replica) holds the lock while it migrates.
      CompletableFuture<MigrateResult> other =
          CompletableFuture.supplyAsync(
              () ->
                  new MigrationEngine(pg.dataSource())
                      .migrate(
                          MigrationRequest.builder(
                                  List.of(new MigrationScript("V1__slow.sql", slow)))
                              .build()));
      long holder =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      pg.queryStrings(
                          "SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND granted"
                              + " AND database = (SELECT oid FROM pg_database"
                              + " WHERE datname = current_database())"
                              + " AND ((classid::bigint << 32) | objid::bigint) <> ?",
                          gate.key()),
                  pids -> !pids.isEmpty())
              .stream()
              .mapToLong(Long::parseLong)
              .findFirst()
              .orElseThrow();

      kube.client().resource(migration("app", "app-db", "migrations")).create();

      DatabaseMigration waiting =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> get("app"), r -> r.getStatus() != null && r.getStatus().lock != null);
      assertThat(waiting.getStatus().lock.holderPid).isEqualTo((int) holder);
      assertThat(waiting.getStatus().message).contains("pid " + holder);

      gate.open();
      assertThat(other.get(30, TimeUnit.SECONDS).applied()).hasSize(1);
      DatabaseMigration done = awaitPhase("app", MigrationPhase.Succeeded);
      assertThat(done.getStatus().lock).isNull();
      assertThat(done.getStatus().message).contains("up to date");
      assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE version = '1'"))
          .as("applied exactly once")
          .isEqualTo(1);
    }
  }

  @Test
  void unreachableDatabaseIsShownAsConditionAndRetried() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client()
        .resource(secret("down-db", "jdbc:postgresql://127.0.0.1:1/nowhere", "app", PASSWORD))
        .create();
    kube.client().resource(migration("app", "down-db", "migrations")).create();

    DatabaseMigration down =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("app"), r -> "False".equals(condition(r, Condition.DATABASE_REACHABLE)));
    assertThat(down.getStatus().phase).isEqualTo(MigrationPhase.Pending);
    assertThat(hasConditionReason(down, Condition.DATABASE_REACHABLE, "ConnectionRefused"))
        .as("%s", down.getStatus().conditions)
        .isTrue();
    assertThat(down.getStatus().message).contains("; retrying in").doesNotContain(".;");
    assertNoPasswordIn(down);
  }

  @Test
  void aWrongPasswordIsAuthenticationFailedRetriedSlowlyAndAtOnceWhenTheSecretIsFixed() {
    assumeTrue(
        System.getenv(dev.pitstop.testing.TestPostgresServer.URL_VARIABLE) == null,
        "embedded server only");
    String role = roles.createWithPasswordLogin("dbm_login");
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client()
        .resource(secret("login-db", pg.jdbcUrl(), role, "wrong-" + TestRoles.PASSWORD))
        .create();
    kube.client().resource(migration("app", "login-db", "migrations")).create();

    DatabaseMigration refused =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("app"),
                r -> hasConditionReason(r, Condition.DATABASE_REACHABLE, "AuthenticationFailed"));
    assertThat(refused.getStatus().message)
        .contains("Password authentication failed for \"" + role + "\"")
        .contains("The server said: ")
        .contains("28P01")
        .contains("retrying in 5m")
        .doesNotContain("wrong-" + TestRoles.PASSWORD);

    kube.client().resource(secret("login-db", pg.jdbcUrl(), role, TestRoles.PASSWORD)).update();
    DatabaseMigration done =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> get("app"), hasPhase(MigrationPhase.Succeeded));
    assertThat(condition(done, Condition.DATABASE_REACHABLE)).isEqualTo("True");
  }

  @Test
  void aMissingDatabaseIsUnknownDatabase() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    String url = pg.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/no_such_database$1");
    kube.client().resource(secret("gone-db", url, pg.user(), PASSWORD)).create();
    kube.client().resource(migration("app", "gone-db", "migrations")).create();

    DatabaseMigration missing =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("app"),
                r -> hasConditionReason(r, Condition.DATABASE_REACHABLE, "UnknownDatabase"));
    assertThat(missing.getStatus().message)
        .contains("Database \"no_such_database\" does not exist")
        .contains("3D000");
  }

  @Test
  void passwordNeverReachesLogsEvenWhenTheDatabaseRejectsTheLogin() {
    kube.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    kube.client()
        .resource(
            secret(
                "bad-db",
                "jdbc:postgresql://127.0.0.1:1/nowhere?password=" + PASSWORD,
                "app",
                PASSWORD))
        .create();
    try (LogCapture logs = new LogCapture()) {
      kube.client().resource(migration("app", "bad-db", "migrations")).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> "False".equals(condition(get("app"), Condition.DATABASE_REACHABLE)));
      kube.client().resource(migration("ok", "app-db", "migrations")).create();
      awaitPhase("ok", MigrationPhase.Succeeded);
      assertThat(logs.text()).isNotBlank().doesNotContain(PASSWORD);
    }
    assertNoPasswordIn(get("app"));
  }

  private DatabaseMigration awaitPhase(String name, MigrationPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(name), hasPhase(phase));
  }

  private static Predicate<DatabaseMigration> hasPhase(MigrationPhase phase) {
    return r -> r != null && r.getStatus() != null && r.getStatus().phase == phase;
  }

  private DatabaseMigration get(String name) {
    return kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  /** A merge patch, as {@code kubectl annotate} sends: no conflict with the operator's writes. */
  private void annotate(String name, String key, String value) {
    kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }

  private static String condition(DatabaseMigration r, String type) {
    if (r == null || r.getStatus() == null) {
      return null;
    }
    return Conditions.find(r.getStatus(), type).map(c -> c.status).orElse(null);
  }

  private static boolean hasConditionReason(DatabaseMigration r, String type, String reason) {
    return r != null
        && r.getStatus() != null
        && Conditions.find(r.getStatus(), type).map(c -> reason.equals(c.reason)).orElse(false);
  }

  private void assertNoPasswordIn(DatabaseMigration r) {
    assertThat(Serialization.asJson(r.getStatus())).doesNotContain(PASSWORD);
    assertThat(kube.eventsFor(r))
        .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
  }
}
