package dev.pitstop.reconciler.cleanupschedule;

import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.NAMESPACE;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.olderThan;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.orphanedBy;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.schedule;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.webhookSecret;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.where;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.cleanup.CleanupEngine;
import dev.pitstop.cleanup.CleanupListener;
import dev.pitstop.cleanup.CleanupRequest;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRequests;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupStatuses;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.SqlGate;
import dev.pitstop.testing.TestClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real operator cleans a real PostgreSQL, seen through status, Events and the database. It runs
 * on a {@link TestClock}: fire times come when a test moves the clock.
 */
class CleanupScheduleIT {
  private static final String PASSWORD = "pw-Cl3an!never-shown";

  private final TestClock clock = new TestClock();

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension().withClock(clock);

  private HttpServer webhook;
  private final List<String> notifications = new CopyOnWriteArrayList<>();
  private final AtomicInteger webhookStatus = new AtomicInteger(200);

  @BeforeEach
  void databaseAndSecret() throws IOException {
    pg.execute(
        "CREATE TABLE refresh_tokens (token text PRIMARY KEY, expires_at timestamptz NOT NULL);"
            + " INSERT INTO refresh_tokens SELECT 'expired-' || i, now() - interval '1 hour'"
            + " FROM generate_series(1, 2500) i;"
            + " INSERT INTO refresh_tokens SELECT 'live-' || i, now() + interval '1 hour'"
            + " FROM generate_series(1, 500) i;"
            + "CREATE TABLE lessons (id bigserial PRIMARY KEY);"
            + " INSERT INTO lessons SELECT FROM generate_series(1, 10);"
            + "CREATE TABLE lesson_progress (id bigserial PRIMARY KEY, lesson_id bigint);"
            + " INSERT INTO lesson_progress (lesson_id) SELECT 1 + i % 20 FROM generate_series(1, 400) i;"
            + "CREATE TABLE cache_entries (key text, expires_at timestamptz, invalid boolean);"
            + " INSERT INTO cache_entries SELECT 'k' || i, now() - interval '1 minute', false"
            + " FROM generate_series(1, 50) i;"
            + " INSERT INTO cache_entries SELECT 'v' || i, now() + interval '1 day', false"
            + " FROM generate_series(1, 30) i;");
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext(
        "/",
        exchange -> {
          notifications.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(webhookStatus.get(), -1);
          exchange.close();
        });
    webhook.start();
  }

  @AfterEach
  void stopWebhook() {
    webhook.stop(0);
  }

  private String webhookUrl() {
    return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks/T0/tok-9f3e-secret";
  }

  private static CleanupSchedule learningPlatform() {
    return schedule(
        "nightly",
        "app-db",
        olderThan("expired-tokens", "public.refresh_tokens", "expires_at", "0s"),
        orphanedBy("orphaned-progress", "lesson_progress", "lesson_id", "lessons", "id"),
        where("stale-cache", "cache_entries", "expires_at < now() OR invalid"));
  }

  @Test
  void creationSchedulesAndTheAnnotationRunsNowWithPerRuleResults() {
    kube.client().resource(learningPlatform()).create();

    CleanupSchedule scheduled = awaitPhase("nightly", CleanupPhase.Scheduled);
    assertThat(scheduled.getStatus().nextRunTime).endsWith("T02:00:00Z");
    assertThat(condition(scheduled, Condition.READY)).isEqualTo("True");
    assertThat(pg.rowCount("refresh_tokens")).as("creation runs nothing").isEqualTo(3000);

    annotate("nightly", Pitstop.RUN_REQUESTED_AT, "2026-03-01T10:00:00Z");
    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);

    assertThat(done.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(done.getStatus().observedRunRequest).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(done.getStatus().lastRun.trigger).isEqualTo("RunRequested");
    assertThat(done.getStatus().lastRun.rowsDeleted).isEqualTo(2500 + 200 + 50);
    assertThat(done.getStatus().lastRun.rules)
        .extracting(r -> r.name, r -> r.matched, r -> r.deleted, r -> r.state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("expired-tokens", 2500L, 2500L, "Done"),
            org.assertj.core.groups.Tuple.tuple("orphaned-progress", 200L, 200L, "Done"),
            org.assertj.core.groups.Tuple.tuple("stale-cache", 50L, 50L, "Done"));
    assertThat(done.getStatus().lastRun.rules.get(0).batches).isEqualTo(3);
    assertThat(done.getStatus().history).hasSize(1);
    assertThat(done.getStatus().lastSuccessfulTime).isNotNull();
    assertThat(done.getStatus().nextRunTime).endsWith("T02:00:00Z");
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
    assertThat(condition(done, Condition.DATABASE_REACHABLE)).isEqualTo("True");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(200);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(30);
    assertThat(kube.eventsFor(done))
        .extracting(Event::getReason)
        .contains("CleanupStarted", "CleanupSucceeded");
    String metrics = kube.operator().meterRegistry().scrape();
    assertThat(metrics)
        .containsPattern(
            "pitstop_cleanup_rows_deleted_total\\{[^}]*rule=\"expired-tokens\"[^}]*\\} 2500")
        .contains("pitstop_cleanup_last_success_timestamp_seconds{")
        .containsPattern("pitstop_run_duration_seconds_count\\{[^}]*kind=\"CleanupSchedule\"");
    assertNoSecretsIn(done);
  }

  @Test
  void aDryRunCountsEveryRuleAndDeletesNothing() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().dryRun = true;
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "now"));
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(done.getStatus().lastRun.dryRun).isTrue();
    assertThat(done.getStatus().lastRun.rules)
        .extracting(r -> r.matched, r -> r.state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2500L, "Counted"),
            org.assertj.core.groups.Tuple.tuple(200L, "Counted"),
            org.assertj.core.groups.Tuple.tuple(50L, "Counted"));
    assertThat(done.getStatus().lastRun.message).startsWith("dry run: 2,750 row(s) match");
    assertThat(conditionReason(done, Condition.READY)).isEqualTo("DryRun");
    assertThat(done.getStatus().lastSuccessfulTime).isNull();
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3000);
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(400);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
  }

  @Test
  void rowsForeignKeysDeleteAreInTheStatusAndAWhereFailingOnTheRowsIsRefused() {
    pg.execute(
        "CREATE TABLE devices (token text REFERENCES refresh_tokens ON DELETE CASCADE);"
            + " INSERT INTO devices SELECT 'expired-' || i FROM generate_series(1, 40) i;"
            + " INSERT INTO devices SELECT 'live-' || i FROM generate_series(1, 7) i;"
            + "CREATE TABLE webhook_events (payload text);"
            + " INSERT INTO webhook_events VALUES ('3'), ('9'), ('not a number')");
    CleanupSchedule cls =
        schedule(
            "nightly",
            "app-db",
            olderThan("expired-tokens", "public.refresh_tokens", "expires_at", "0s"));
    kube.client().resource(cls).create();
    awaitPhase("nightly", CleanupPhase.Scheduled);

    annotate("nightly", Pitstop.RUN_REQUESTED_AT, "1");
    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    var tokens = done.getStatus().lastRun.rules.get(0);
    assertThat(tokens.deleted).isEqualTo(2500);
    assertThat(tokens.cascades)
        .extracting(c -> c.table, c -> c.deleted, c -> c.nulled)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("public.devices", 40L, null));
    assertThat(done.getStatus().lastRun.message)
        .startsWith(
            "deleted 2,500 row(s) (expired-tokens 2,500 (cascades deleted 40 row(s) in"
                + " public.devices))");
    assertThat(pg.rowCount("devices")).isEqualTo(7);

    edit(
        "nightly",
        c -> {
          c.getSpec().rules.add(where("big-payloads", "webhook_events", "payload::int > 5"));
          c.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, "2");
          return c;
        });
    CleanupSchedule failed = awaitLastRun("nightly", r -> r.result == RunResult.Failed);
    assertThat(failed.getStatus().lastRun.message)
        .startsWith(
            "spec.rules[big-payloads].where: the rule's condition fails on the rows of"
                + " public.webhook_events: invalid input syntax for type integer")
        .endsWith("nothing was deleted");
    assertThat(conditionReason(failed, Condition.READY)).isEqualTo("RuleRefused");
    assertThat(pg.rowCount("webhook_events")).isEqualTo(3);
  }

  @Test
  void aRuleOnAMissingTableIsRefusedByNameAndNothingIsDeleted() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().rules.add(olderThan("old-audit", "audit_log", "created_at", "90d"));
    cls.getSpec().notify = notifyOn(CleanupScheduleSpec.NotifyOn.Failure);
    kube.client().resource(webhookSecret("slack", webhookUrl())).create();
    kube.client().resource(cls).create();
    awaitPhase("nightly", CleanupPhase.Scheduled);

    annotate("nightly", Pitstop.RUN_REQUESTED_AT, "1");
    CleanupSchedule failed = awaitLastRun("nightly", r -> r.result == RunResult.Failed);

    assertThat(failed.getStatus().phase).isEqualTo(CleanupPhase.Failed);
    assertThat(failed.getStatus().lastRun.message)
        .isEqualTo(
            "spec.rules[old-audit].table: table audit_log does not exist in the search_path;"
                + " nothing was deleted");
    assertThat(conditionReason(failed, Condition.READY)).isEqualTo("RuleRefused");
    assertThat(condition(failed, Condition.FAILED)).isEqualTo("True");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3000);
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(400);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
    assertThat(kube.eventsFor(failed)).extracting(Event::getReason).contains("CleanupFailed");
    await().atMost(Duration.ofSeconds(30)).until(() -> notifications.size() == 1);
    assertThat(notifications.get(0))
        .startsWith("{\"text\":\"CleanupSchedule default/nightly: Failed, 0 row(s) deleted")
        .contains("audit_log does not exist");
    assertThat(conditionReason(get("nightly"), CleanupStatuses.NOTIFICATION_DELIVERED))
        .isEqualTo("Delivered");
  }

  @Test
  void anInvalidSpecIsRefusedAtOnceNamingTheField() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().rules.add(where("sneaky", "cache_entries", "invalid) OR (true"));
    kube.client().resource(cls).create();

    CleanupSchedule refused = awaitPhase("nightly", CleanupPhase.Failed);
    assertThat(refused.getStatus().message)
        .isEqualTo("spec.rules[sneaky].where has a ')' without a matching '('.");
    assertThat(refused.getStatus().nextRunTime).isNull();
    assertThat(conditionReason(refused, Condition.READY)).isEqualTo("InvalidSpec");
    assertThat(kube.eventsFor(refused)).extracting(Event::getReason).contains("InvalidSpec");

    edit(
        "nightly",
        c -> {
          c.getSpec().rules.remove(3);
          return c;
        });
    CleanupSchedule fixed = awaitPhase("nightly", CleanupPhase.Scheduled);
    assertThat(fixed.getStatus().nextRunTime).isNotNull();
    assertThat(pg.rowCount("refresh_tokens"))
        .as("fixing the spec is not a run request")
        .isEqualTo(3000);
  }

  @Test
  void maxDurationStopsCleanlyWithResultIncompleteAndNotifies() {
    pg.execute(
        "INSERT INTO refresh_tokens SELECT 'more-' || i, now() - interval '1 day'"
            + " FROM generate_series(1, 20000) i");
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().batchSize = 100;
    cls.getSpec().pauseBetweenBatches = "100ms";
    cls.getSpec().maxDuration = "2s";
    cls.getSpec().vacuumAnalyze = true;
    cls.getSpec().notify = notifyOn(CleanupScheduleSpec.NotifyOn.Incomplete);
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    kube.client().resource(webhookSecret("slack", webhookUrl())).create();
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Incomplete);
    assertThat(done.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    var tokens = done.getStatus().lastRun.rules.get(0);
    assertThat(tokens.state).isEqualTo("MaxDuration");
    assertThat(tokens.deleted).isPositive();
    assertThat(tokens.remaining).isEqualTo(22500 - tokens.deleted);
    assertThat(done.getStatus().lastRun.rules)
        .extracting(r -> r.state)
        .containsExactly("MaxDuration", "MaxDuration", "MaxDuration");
    assertThat(done.getStatus().lastRun.message).startsWith("incomplete, ");
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(400);
    assertThat(conditionReason(done, Condition.READY)).isEqualTo("Incomplete");
    await().atMost(Duration.ofSeconds(30)).until(() -> notifications.size() == 1);
    assertThat(notifications.get(0)).contains("Incomplete").contains("expired-tokens");
  }

  @Test
  void aFailingWebhookNeverFailsTheRun() {
    webhookStatus.set(500);
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().notify = notifyOn(CleanupScheduleSpec.NotifyOn.Success);
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    kube.client().resource(webhookSecret("slack", webhookUrl())).create();
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule done =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("nightly"),
                r ->
                    r != null
                        && r.getStatus() != null
                        && r.getStatus().lastRun != null
                        && conditionReason(r, CleanupStatuses.NOTIFICATION_DELIVERED) != null);
    assertThat(done.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(done.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(condition(done, Condition.READY)).isEqualTo("True");
    assertThat(conditionReason(done, CleanupStatuses.NOTIFICATION_DELIVERED))
        .isEqualTo("DeliveryFailed");
    assertThat(notifications).hasSize(3);
    assertThat(kube.eventsFor(done))
        .extracting(Event::getReason)
        .contains("CleanupSucceeded", "NotificationFailed");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);
    assertNoSecretsIn(done);
  }

  /**
   * A resource that still uses the deprecated {@code notify.on} (arriving as the string key "on",
   * e.g. from JSON) is notified as before, with one DeprecatedField warning however often it is
   * reconciled; one that also sets {@code notify.results} to other results is refused.
   */
  @Test
  @SuppressWarnings("deprecation")
  void theDeprecatedNotifyOnStillWorksWithOneWarningAndAConflictIsRefused() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().notify = notifyOn(CleanupScheduleSpec.NotifyOn.Success);
    cls.getSpec().notify.on = cls.getSpec().notify.results;
    cls.getSpec().notify.results = null;
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    kube.client().resource(webhookSecret("slack", webhookUrl())).create();
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    await().atMost(Duration.ofSeconds(30)).until(() -> notifications.size() == 1);
    for (int i = 0; i < 3; i++) {
      kube.reconcileAll();
    }
    kube.awaitObserved(done);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                kube.eventsFor(done).stream()
                    .anyMatch(e -> "DeprecatedField".equals(e.getReason())));
    assertThat(kube.eventsFor(done))
        .filteredOn(e -> "DeprecatedField".equals(e.getReason()))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage())
                  .startsWith("spec.notify.on is deprecated; use spec.notify.results instead");
              assertThat(e.getCount()).as("recorded once, not on every reconcile").isEqualTo(1);
            });

    edit(
        "nightly",
        c -> {
          c.getSpec().notify.results = List.of(CleanupScheduleSpec.NotifyOn.Failure);
          return c;
        });
    CleanupSchedule refused = awaitPhase("nightly", CleanupPhase.Failed);
    assertThat(refused.getStatus().message)
        .isEqualTo(
            "spec.notify.on and spec.notify.results list different results; set only"
                + " spec.notify.results (spec.notify.on is deprecated)");
    assertThat(conditionReason(refused, Condition.READY)).isEqualTo("InvalidSpec");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(kube.eventsFor(refused))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("InvalidSpec");
                          assertThat(e.getMessage())
                              .startsWith("spec.notify.on and spec.notify.results");
                        }));
  }

  @Test
  void aRunRequestedBeforeItsSecretExistsWaitsAndRunsWhenTheSecretAppears() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().database.secretRef.name = "late-db";
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule waiting =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("nightly"),
                c ->
                    c.getStatus() != null
                        && "SecretNotFound".equals(conditionReason(c, Condition.READY)));
    assertThat(condition(waiting, Condition.FAILED)).isEqualTo("False");
    assertThat(waiting.getStatus().phase).isEqualTo(CleanupPhase.Scheduled);
    assertThat(waiting.getStatus().message).contains("Secret 'late-db' does not exist");
    assertThat(waiting.getStatus().observedRunRequest).as("the request stays pending").isNull();
    assertThat(waiting.getStatus().history).isNullOrEmpty();

    kube.client().resource(secret("late-db", pg.jdbcUrl(), pg.user(), PASSWORD)).create();
    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(done.getStatus().observedRunRequest).isEqualTo("go");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);
  }

  @Test
  void aMissingWebhookSecretIsANotificationFailureOnly() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().notify = notifyOn(CleanupScheduleSpec.NotifyOn.Success);
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    var delivered =
        Conditions.find(done.getStatus(), CleanupStatuses.NOTIFICATION_DELIVERED).orElseThrow();
    assertThat(delivered.status).isEqualTo("False");
    assertThat(delivered.message)
        .isEqualTo("spec.notify.webhookSecretRef: Secret 'slack' does not exist");
  }

  /**
   * Git keeps the run request it last made; a resource created (or re-created, after a cluster
   * rebuild or a prune) with it adopts it and deletes nothing outside its schedule. A new value
   * then runs once.
   */
  @Test
  void aScheduleCreatedWithARunRequestRunsNothingUntilANewOne() {
    CleanupSchedule cls = learningPlatform();
    cls.getMetadata()
        .setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "2026-01-01T00:00:00Z"));
    cls.getSpec().runRequestId = "release-41";
    kube.client().resource(cls).create();
    CleanupSchedule seen = awaitPhase("nightly", CleanupPhase.Scheduled);

    assertThat(seen.getStatus().lastRun).as("nothing ran").isNull();
    assertThat(seen.getStatus().observedRunRequest).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3000);

    RunRequests.request(kube.client(), seen, "2026-12-06T10:00:00Z");
    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(done.getStatus().lastRun.trigger).isEqualTo("RunRequested");
    assertThat(done.getStatus().history).hasSize(1);
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);
  }

  @Test
  void aNewRunRequestIdRunsNowAndNoOtherEditRunsOutsideTheSchedule() {
    kube.client().resource(learningPlatform()).create();
    awaitPhase("nightly", CleanupPhase.Scheduled);

    edit(
        "nightly",
        c -> {
          c.getSpec().runRequestId = "release-42";
          return c;
        });
    CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(done.getStatus().lastRun.trigger).isEqualTo("RunRequestId");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);

    edit(
        "nightly",
        c -> {
          c.getSpec().batchSize = 7;
          c.getSpec().rules.get(0).olderThan.age = "1d";
          return c;
        });
    CleanupSchedule edited =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("nightly"),
                c -> c.getMetadata().getGeneration().equals(c.getStatus().observedGeneration));
    assertThat(edited.getStatus().history)
        .as("editing the rules and the batch size runs nothing outside the schedule")
        .hasSize(1);
    assertThat(edited.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);

    edit(
        "nightly",
        c -> {
          c.getSpec().suspend = true;
          return c;
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("nightly").getStatus().message.contains("suspended"));
    assertThat(get("nightly").getStatus().nextRunTime).isNull();
    assertThat(get("nightly").getStatus().history).as("suspending runs nothing").hasSize(1);

    edit(
        "nightly",
        c -> {
          c.getSpec().batchSize = 50;
          return c;
        });
    // Let the operator see the change while suspended (two quick edits would arrive as one).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              CleanupSchedule c = get("nightly");
              return c.getMetadata().getGeneration().equals(c.getStatus().observedGeneration);
            });
    edit(
        "nightly",
        c -> {
          c.getSpec().suspend = false;
          return c;
        });
    // The status the operator wrote for the resumed generation says what that reconcile decided:
    // a run it started would show as Running there.
    CleanupSchedule resumed =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("nightly"),
                c ->
                    c.getMetadata().getGeneration().equals(c.getStatus().observedGeneration)
                        && c.getStatus().nextRunTime != null);
    assertThat(resumed.getStatus().phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(resumed.getStatus().history)
        .as("a change made while suspended does not run on resume")
        .hasSize(1);
  }

  /**
   * A new schedule whose latest fire time lies between the creation and the change, and a resume
   * after fire times passed while suspended: neither runs now; the next fire time does.
   */
  @Test
  void changingTheScheduleOrResumingRunsNothingForAFireTimeBeforeTheChange() {
    kube.client().resource(learningPlatform()).create();
    awaitPhase("nightly", CleanupPhase.Scheduled);
    long tokens = pg.rowCount("refresh_tokens");
    clock.advance(Duration.ofMinutes(2));

    edit(
        "nightly",
        c -> {
          c.getSpec().schedule = "* * * * *";
          return c;
        });
    CleanupSchedule changed = awaitObserved("nightly");

    assertThat(changed.getStatus().history).as("a new schedule runs nothing now").isEmpty();
    assertThat(changed.getStatus().phase).isEqualTo(CleanupPhase.Scheduled);
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(tokens);
    Instant next = Instant.parse(changed.getStatus().nextRunTime);
    clock.set(next);
    CleanupSchedule ran = awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(ran.getStatus().lastRun.scheduledTime).isEqualTo(next.toString());
    assertThat(ran.getStatus().lastRun.trigger).isEqualTo("Schedule");

    edit(
        "nightly",
        c -> {
          c.getSpec().suspend = true;
          return c;
        });
    awaitObserved("nightly");
    clock.advance(Duration.ofMinutes(3));
    edit(
        "nightly",
        c -> {
          c.getSpec().suspend = false;
          return c;
        });
    CleanupSchedule resumed = awaitObserved("nightly");

    assertThat(resumed.getStatus().history)
        .as("a fire time that passed while suspended is not caught up")
        .hasSize(1);
  }

  /** The resource once the operator wrote a status for its current generation, not running. */
  private CleanupSchedule awaitObserved(String name) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> get(name),
            c ->
                c.getStatus() != null
                    && c.getMetadata().getGeneration().equals(c.getStatus().observedGeneration)
                    && c.getStatus().phase != CleanupPhase.Running);
  }

  @Test
  void aFireTimeMissedLongerThanTheStartingDeadlineIsRecordedAsMissed() {
    kube.stopOperator();
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().schedule = "0 0 1 1 *";
    cls.getSpec().startingDeadline = "1m";
    kube.client().resource(cls).create();
    String lastYear =
        clock.instant().minus(Duration.ofDays(800)).truncatedTo(ChronoUnit.SECONDS).toString();
    setStatus("nightly", s -> s.lastScheduleTime = lastYear);
    // The latest January 1st must be more than startingDeadline ago, even on New Year's night.
    Instant newYear =
        clock
            .instant()
            .atZone(java.time.ZoneOffset.UTC)
            .withDayOfYear(1)
            .toLocalDate()
            .atStartOfDay(java.time.ZoneOffset.UTC)
            .toInstant();
    if (clock.instant().isBefore(newYear.plus(Duration.ofMinutes(2)))) {
      clock.set(newYear.plus(Duration.ofMinutes(2)));
    }
    kube.restartOperator();

    CleanupSchedule missed =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> get("nightly"),
                r -> r.getStatus() != null && !r.getStatus().history.isEmpty());
    assertThat(missed.getStatus().history)
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.result).isEqualTo(RunResult.Missed);
              assertThat(h.scheduledTime).endsWith("-01-01T00:00:00Z");
            });
    assertThat(missed.getStatus().lastScheduleTime)
        .isEqualTo(missed.getStatus().history.get(0).scheduledTime);
    assertThat(missed.getStatus().lastRun).isNull();
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3000);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(kube.eventsFor(missed))
                    .extracting(Event::getReason)
                    .contains("RunMissed"));
  }

  @Test
  void aFireTimeMissedWithinTheStartingDeadlineRunsAtStartupAndALaterOneDuringTheRunIsSkipped() {
    pg.execute(
        "INSERT INTO refresh_tokens SELECT 'more-' || i, now() - interval '1 day'"
            + " FROM generate_series(1, 5000) i");
    try (SqlGate gate = SqlGate.closed(pg.dataSource())) {
      // From the third batch on, the run waits at the gate: it is still going when the next
      // fire time comes, however long the test takes to get there.
      pg.execute(
          "CREATE SEQUENCE deletes; CREATE FUNCTION held() RETURNS trigger LANGUAGE plpgsql AS $$"
              + " BEGIN IF nextval('deletes') > 2 THEN "
              + gate.plpgsql()
              + " END IF; RETURN NULL; END $$;"
              + " CREATE TRIGGER held BEFORE DELETE ON refresh_tokens EXECUTE FUNCTION held();");
      kube.stopOperator();
      CleanupSchedule cls = learningPlatform();
      cls.getSpec().schedule = "* * * * *";
      cls.getSpec().batchSize = 10;
      cls.getSpec().pauseBetweenBatches = "200ms";
      // Far shorter than the work: the run ends Incomplete once the gate opens.
      cls.getSpec().maxDuration = "5s";
      kube.client().resource(cls).create();
      setStatus(
          "nightly",
          s ->
              s.lastScheduleTime =
                  clock
                      .instant()
                      .minus(Duration.ofMinutes(10))
                      .truncatedTo(ChronoUnit.MINUTES)
                      .toString());
      kube.restartOperator();

      CleanupSchedule running = awaitPhase("nightly", CleanupPhase.Running);
      assertThat(running.getStatus().progress.trigger).isEqualTo("Schedule");
      assertThat(running.getStatus().lastScheduleTime).endsWith(":00Z");
      Instant fired = Instant.parse(running.getStatus().lastScheduleTime);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> get("nightly"),
              r -> r.getStatus().progress != null && !r.getStatus().progress.rules.isEmpty());

      clock.set(fired.plus(Duration.ofMinutes(1)));

      CleanupSchedule skipped =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> get("nightly"),
                  r -> r.getStatus().history.stream().anyMatch(h -> h.result == RunResult.Skipped));
      assertThat(skipped.getStatus().phase).isEqualTo(CleanupPhase.Running);
      assertThat(skipped.getStatus().progress.rules).isNotEmpty();
      assertThat(kube.eventsFor(skipped)).extracting(Event::getReason).contains("RunSkipped");

      gate.open();
      CleanupSchedule done = awaitLastRun("nightly", r -> r.result == RunResult.Incomplete);
      assertThat(done.getStatus().history.get(0).result).isEqualTo(RunResult.Incomplete);
    }
  }

  @Test
  void aMaintenanceWindowHoldsTheRunUntilItIsActive() {
    CleanupSchedule cls = learningPlatform();
    cls.getSpec().maintenanceWindowRef = new LocalObjectRef("nightly-window");
    cls.getMetadata().setAnnotations(java.util.Map.of(Pitstop.RUN_REQUESTED_AT, "go"));
    RunRequests.createThenRequest(kube.client(), cls);

    CleanupSchedule waiting = awaitPhase("nightly", CleanupPhase.WaitingForWindow);
    assertThat(waiting.getStatus().message).contains("MaintenanceWindow 'nightly-window'");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3000);

    MaintenanceWindow window = new MaintenanceWindow();
    window.setMetadata(
        new ObjectMetaBuilder().withName("nightly-window").withNamespace(NAMESPACE).build());
    window.setSpec(new MaintenanceWindowSpec());
    window.getSpec().active = true; // nothing to drain: Active at once
    kube.client().resource(window).create();

    awaitLastRun("nightly", r -> r.result == RunResult.Succeeded);
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(500);
  }

  /**
   * Two operators without leader election: the one that sees Running in status without a run of its
   * own must not take a run that another operator is making for stopped; once that run is gone
   * without a result written, it must.
   */
  @Test
  void aRunGoingInAnotherOperatorIsNotTakenForStoppedButAVanishedOneIs() throws Exception {
    CleanupSchedule cls =
        schedule(
            "nightly",
            "app-db",
            olderThan("expired-tokens", "public.refresh_tokens", "expires_at", "0s"));
    cls.getSpec().batchSize = 20;
    cls.getSpec().pauseBetweenBatches = "100ms";
    kube.client().resource(cls).create();
    awaitPhase("nightly", CleanupPhase.Scheduled);

    // the other operator: its run (engine and session) and the Running status it writes
    CleanupEngine engine = new CleanupEngine(pg.dataSource());
    CleanupRequest request = CleanupRequests.request(cls.getSpec(), NAMESPACE + "/nightly");
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<CleanupResult> run = other.submit(() -> engine.run(request, CleanupListener.NONE));
      await().atMost(Duration.ofSeconds(30)).until(() -> engine.runGoing(request.lockScope()));
      String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      setStatus(
          "nightly",
          s -> {
            s.phase = CleanupPhase.Running;
            s.progress = new dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun();
            s.progress.startTime = started;
            s.progress.trigger = "RunRequested";
            s.progress.rowsDeleted = 20L; // work shown: the shorter grace applies
          });
      // Status writes do not wake the operator; a spec change does (this one changes no run).
      edit(
          "nightly",
          r -> {
            r.getSpec().historyLimit = 11;
            return r;
          });

      await()
          .during(CleanupScheduleReconciler.MARK_GRACE.multipliedBy(2))
          .atMost(CleanupScheduleReconciler.MARK_GRACE.multipliedBy(3))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> get("nightly").getStatus().phase, phase -> phase == CleanupPhase.Running);
      assertThat(run.isDone()).as("the other operator's run outlasted the check").isFalse();

      assertThat(run.get(120, TimeUnit.SECONDS).rowsDeleted()).isEqualTo(2500);
      CleanupSchedule stopped = awaitLastRun("nightly", r -> r.result == RunResult.Incomplete);
      assertThat(stopped.getStatus().lastRun.startTime).isEqualTo(started);
      assertThat(stopped.getStatus().lastRun.message)
          .contains("the operator stopped during the run");
    } finally {
      other.shutdownNow();
    }
  }

  private static CleanupScheduleSpec.Notify notifyOn(CleanupScheduleSpec.NotifyOn... on) {
    CleanupScheduleSpec.Notify notify = new CleanupScheduleSpec.Notify();
    notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
    notify.webhookSecretRef.name = "slack";
    notify.results = List.of(on);
    return notify;
  }

  private CleanupSchedule awaitPhase(String name, CleanupPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> get(name),
            r -> r != null && r.getStatus() != null && r.getStatus().phase == phase);
  }

  private CleanupSchedule awaitLastRun(
      String name, Predicate<dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun> test) {
    return await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> get(name),
            r ->
                r != null
                    && r.getStatus() != null
                    && r.getStatus().lastRun != null
                    && r.getStatus().phase != CleanupPhase.Running
                    && test.test(r.getStatus().lastRun));
  }

  private CleanupSchedule get(String name) {
    return kube.client()
        .resources(CleanupSchedule.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  private void edit(String name, UnaryOperator<CleanupSchedule> change) {
    Conflicts.retry(
        () ->
            kube.client()
                .resources(CleanupSchedule.class)
                .inNamespace(NAMESPACE)
                .withName(name)
                .edit(change));
  }

  private void annotate(String name, String key, String value) {
    edit(
        name,
        r -> {
          if (r.getMetadata().getAnnotations() == null) {
            r.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          r.getMetadata().getAnnotations().put(key, value);
          return r;
        });
  }

  private void setStatus(
      String name,
      java.util.function.Consumer<dev.pitstop.api.v1alpha1.CleanupScheduleStatus> change) {
    CleanupSchedule current = get(name);
    if (current.getStatus() == null) {
      current.setStatus(new dev.pitstop.api.v1alpha1.CleanupScheduleStatus());
    }
    change.accept(current.getStatus());
    kube.client().resource(current).updateStatus();
  }

  private static String condition(CleanupSchedule r, String type) {
    return Conditions.find(r.getStatus(), type).map(c -> c.status).orElse(null);
  }

  private static String conditionReason(CleanupSchedule r, String type) {
    return Conditions.find(r.getStatus(), type).map(c -> c.reason).orElse(null);
  }

  private void assertNoSecretsIn(CleanupSchedule r) {
    String status = Serialization.asJson(r.getStatus());
    assertThat(status).doesNotContain(PASSWORD).doesNotContain("tok-9f3e-secret");
    assertThat(kube.eventsFor(r))
        .allSatisfy(
            e -> assertThat(e.getMessage()).doesNotContain(PASSWORD).doesNotContain("tok-9f3e"));
  }
}
