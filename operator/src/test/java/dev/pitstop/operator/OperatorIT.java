package dev.pitstop.operator;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator process as a whole: HTTP endpoints, metrics, leader election, shutdown. */
class OperatorIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private EmbeddedKubernetesApi api;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startApi() {
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
  }

  @AfterEach
  void stopApi() {
    api.close();
  }

  @Test
  void servesHealthReadinessAndPrometheusMetrics() throws Exception {
    try (PitstopOperator operator =
        PitstopOperator.start(
            api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0))) {
      assertThat(get(operator, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(operator, "/readyz").statusCode()).isEqualTo(200);

      applyMigration();
      awaitSucceeded();

      HttpResponse<String> metrics = get(operator, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body())
          .contains("pitstop_migrations_applied_total{name=\"app\",namespace=\"default\"} 1.0")
          .contains("pitstop_run_duration_seconds_count")
          .contains("hikaricp_connections")
          .contains("operator_sdk_")
          .contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void reconcilesOnlyTheKindsItIsGiven() {
    OperatorSettings settings =
        OperatorSettings.parse(List.of("--kinds", "databasemigrations"), Map.of())
            .withUseSsa(false)
            .withHttpPort(0);
    try (PitstopOperator operator = PitstopOperator.start(api.client(), settings)) {
      assertThat(operator.controllers())
          .extracting(c -> c.getConfiguration().getResourceClass().getSimpleName())
          .containsExactly("DatabaseMigration");
      applyMigration();
      awaitSucceeded();
    }
  }

  @Test
  void withLeaderElectionTakesALeaseAndReconciles() {
    OperatorSettings settings =
        OperatorSettings.parse(
                List.of(
                    "--leader-election=true", "--lease-namespace", "default", "--http-port", "0"),
                Map.of())
            .withUseSsa(false);
    try (PitstopOperator operator = PitstopOperator.start(api.client(), settings)) {
      Lease lease =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      api.client()
                          .leases()
                          .inNamespace("default")
                          .withName("pitstop-operator")
                          .get(),
                  l -> l != null && l.getSpec().getHolderIdentity() != null);
      assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
      applyMigration();
      awaitSucceeded();
    }
  }

  /**
   * A second replica waits for the Lease with its informers running, so it is ready (the chart's
   * readiness probe must not hold it back); when the leader stops, it releases the Lease and the
   * standby takes over within seconds, not after the lease duration.
   */
  @Test
  void aStandbyIsReadyAndTakesOverSoonAfterTheLeaderStops() throws Exception {
    OperatorSettings settings =
        OperatorSettings.parse(
                List.of(
                    "--leader-election=true", "--lease-namespace", "default", "--http-port", "0"),
                Map.of())
            .withUseSsa(false);
    PitstopOperator leader = PitstopOperator.start(api.client(), settings);
    try (PitstopOperator standby = PitstopOperator.start(api.client(), settings)) {
      String first = awaitHolder(h -> h != null);
      assertThat(first).startsWith("pitstop_");
      assertThat(get(standby, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(leader, "/readyz").statusCode()).isEqualTo(200);
      assertThat(holder()).as("the standby waits").isEqualTo(first);

      Instant stopped = Instant.now();
      leader.close();
      String second = awaitHolder(h -> h != null && !h.equals(first));
      assertThat(Duration.between(stopped, Instant.now()))
          .as("taken over long before the 15 s lease duration ran out")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(second).startsWith("pitstop_");
      applyMigration();
      awaitSucceeded();
    } finally {
      leader.close();
    }
  }

  /**
   * An object the operator cannot read (here a string where the schema has an integer, which only
   * an API server without the CRD's validation stores) stops the informer of its kind for good:
   * readiness and liveness both fail and name the controller and the event source.
   */
  @Test
  void anInformerThatStopsFailsReadinessAndLivenessNamingIt() throws Exception {
    try (PitstopOperator operator =
        PitstopOperator.start(
            api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0))) {
      assertThat(get(operator, "/readyz").statusCode()).isEqualTo(200);

      api.client()
          .resource(
              Serialization.unmarshal(
                  """
                  {"apiVersion": "pitstop.dev/v1alpha1", "kind": "CleanupSchedule",
                   "metadata": {"name": "unreadable", "namespace": "default"},
                   "spec": {"database": {"secretRef": {"name": "app-db"}},
                            "schedule": "0 2 * * *", "batchSize": "lots",
                            "rules": [{"name": "old", "table": "logs",
                                       "olderThan": {"column": "at", "age": "30d"}}]}}
                  """,
                  GenericKubernetesResource.class))
          .create();

      String stopped =
          "cleanupschedule/ControllerResourceEventSource [cleanupschedules.pitstop.dev] (all namespaces):"
              + " informer stopped\n";
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                HttpResponse<String> ready = get(operator, "/readyz");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body())
                    .startsWith("not ready: unhealthy event sources\n")
                    .contains(stopped);
              });
      HttpResponse<String> live = get(operator, "/healthz");
      assertThat(live.statusCode()).isEqualTo(503);
      assertThat(live.body()).contains(stopped).doesNotContain("databasemigration");
    }
  }

  @Test
  void closingStopsReconcilingAndReadiness() throws Exception {
    PitstopOperator operator =
        PitstopOperator.start(
            api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0));
    int port = operator.httpPort();
    operator.close();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> http.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
  }

  private void applyMigration() {
    api.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "secret-pw-123")).create();
    api.client()
        .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
        .create();
    api.client().resource(migration("app", "app-db", "migrations")).create();
  }

  private void awaitSucceeded() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                api.client()
                    .resources(DatabaseMigration.class)
                    .inNamespace("default")
                    .withName("app")
                    .get(),
            r -> r.getStatus() != null && r.getStatus().phase == MigrationPhase.Succeeded);
  }

  private String holder() {
    Lease lease = api.client().leases().inNamespace("default").withName("pitstop-operator").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private String awaitHolder(Predicate<String> test) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(this::holder, test);
  }

  private HttpResponse<String> get(PitstopOperator operator, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
