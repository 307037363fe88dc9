package dev.pitstop.rbac;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.RunResult;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** CleanupSchedule scenarios for {@link OperatorPermissionsIT}. */
final class CleanupScheduleScenarios {
  private static final String NAME = "nightly-cleanup";
  private static final String WINDOW = "cleanup-window";

  private CleanupScheduleScenarios() {}

  static List<PermissionScenario> all() {
    return List.of(scheduledRequestedWaitedRanNotifiedAndDeleted());
  }

  /**
   * A scheduled CleanupSchedule with a database Secret and a notification webhook Secret is created
   * (nothing runs), a run is requested by annotation and waits for its MaintenanceWindow to be
   * Active, then deletes the expired rows (status, Events), posts the notification to the webhook,
   * and the schedule is deleted.
   */
  static PermissionScenario scheduledRequestedWaitedRanNotifiedAndDeleted() {
    return new PermissionScenario() {
      @Override
      public String name() {
        return "CleanupSchedule scheduled, requested, waited for its window, ran, notified,"
            + " deleted";
      }

      @Override
      public void run(Run run) throws IOException {
        List<String> notifications = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext(
            "/",
            exchange -> {
              notifications.add(
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
              exchange.sendResponseHeaders(200, -1);
              exchange.close();
            });
        webhook.start();
        try {
          run(run, "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks/cleanup");
        } finally {
          webhook.stop(0);
        }
        assertThat(notifications)
            .singleElement()
            .satisfies(n -> assertThat(n).contains(NAME).contains("Succeeded"));
      }

      private void run(Run run, String webhookUrl) {
        KubernetesClient client = run.client();
        run.pg()
            .execute(
                "CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);"
                    + " INSERT INTO sessions (expires_at) SELECT now() - interval '1 hour'"
                    + " FROM generate_series(1, 30);"
                    + " INSERT INTO sessions (expires_at) SELECT now() + interval '1 hour'"
                    + " FROM generate_series(1, 10);");
        client
            .resource(secret("app-db", run.pg().jdbcUrl(), run.pg().user(), run.pg().password()))
            .create();
        client
            .resource(
                new SecretBuilder()
                    .withMetadata(
                        new ObjectMetaBuilder()
                            .withName("chat-webhook")
                            .withNamespace(PermissionScenario.NAMESPACE)
                            .build())
                    .withStringData(Map.of("url", webhookUrl))
                    .build())
            .create();
        client.resource(ScenarioSteps.onDemandWindow(WINDOW, false)).create();
        client.resource(schedule()).create();
        ScenarioSteps.awaitStatus(
            schedule(client), s -> s.getStatus().phase == CleanupPhase.Scheduled);
        assertThat(run.pg().rowCount("sessions")).as("creation runs nothing").isEqualTo(40);

        schedule(client)
            .edit(
                s -> {
                  Map<String, String> annotations = new HashMap<>();
                  if (s.getMetadata().getAnnotations() != null) {
                    annotations.putAll(s.getMetadata().getAnnotations());
                  }
                  annotations.put(Pitstop.RUN_REQUESTED_AT, "now");
                  s.getMetadata().setAnnotations(annotations);
                  return s;
                });
        ScenarioSteps.awaitStatus(
            schedule(client), s -> s.getStatus().phase == CleanupPhase.WaitingForWindow);
        assertThat(run.pg().rowCount("sessions")).isEqualTo(40);

        client
            .resources(MaintenanceWindow.class)
            .inNamespace(PermissionScenario.NAMESPACE)
            .withName(WINDOW)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"active\":true}}");
        ScenarioSteps.awaitStatus(
            schedule(client),
            s ->
                s.getStatus().phase != CleanupPhase.Running
                    && s.getStatus().lastRun != null
                    && s.getStatus().lastRun.result == RunResult.Succeeded);
        assertThat(run.pg().rowCount("sessions")).isEqualTo(10);
        ScenarioSteps.awaitEvents(client, NAME, "CleanupStarted", "CleanupSucceeded");

        // Removing the finalizer meets a conflict: the operator reads the schedule again and
        // retries.
        run.conflicts()
            .nextPatch(
                "/apis/pitstop.dev/v1alpha1/namespaces/"
                    + PermissionScenario.NAMESPACE
                    + "/cleanupschedules/"
                    + NAME);
        schedule(client).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> schedule(client).get() == null);
      }
    };
  }

  private static CleanupSchedule schedule() {
    CleanupSchedule cls = new CleanupSchedule();
    cls.setMetadata(
        new ObjectMetaBuilder().withName(NAME).withNamespace(PermissionScenario.NAMESPACE).build());
    CleanupScheduleSpec spec = new CleanupScheduleSpec();
    spec.database = new DatabaseRef("app-db");
    spec.schedule = "0 3 1 1 *";
    spec.pauseBetweenBatches = "0s";
    CleanupRule rule = new CleanupRule();
    rule.name = "expired-sessions";
    rule.table = "sessions";
    rule.olderThan = new CleanupRule.OlderThan();
    rule.olderThan.column = "expires_at";
    rule.olderThan.age = "0s";
    spec.rules.add(rule);
    spec.notify = new CleanupScheduleSpec.Notify();
    spec.notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
    spec.notify.webhookSecretRef.name = "chat-webhook";
    spec.notify.results = List.of(CleanupScheduleSpec.NotifyOn.Success);
    spec.maintenanceWindowRef = new LocalObjectRef(WINDOW);
    cls.setSpec(spec);
    return cls;
  }

  private static Resource<CleanupSchedule> schedule(KubernetesClient client) {
    return client
        .resources(CleanupSchedule.class)
        .inNamespace(PermissionScenario.NAMESPACE)
        .withName(NAME);
  }
}
