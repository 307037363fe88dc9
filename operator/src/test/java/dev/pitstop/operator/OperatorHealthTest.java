package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.health.EventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} and {@code /healthz} as served, for the states JOSDK reports: starting, healthy,
 * an informer that reconnects, an informer that stopped for good, stopping.
 */
class OperatorHealthTest {
  private static final String CONTROLLER_SOURCE = "ControllerResourceEventSource";

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Map<String, Map<String, EventSourceHealthIndicator>> unhealthy = new HashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpEndpoints endpoints;

  @BeforeEach
  void serve() throws Exception {
    OperatorHealth health = new OperatorHealth(started::get, stopping::get, () -> unhealthy);
    endpoints = new HttpEndpoints(0, health::liveness, health::readiness, () -> "");
    unhealthy.put("cleanupschedule", new HashMap<>());
    unhealthy.put("databasemigration", new HashMap<>());
  }

  @AfterEach
  void stop() {
    endpoints.close();
  }

  @Test
  void startingIsLiveButNotReady() throws Exception {
    assertAnswer("/readyz", 503, "not ready: the controllers are starting\n");
    assertAnswer("/healthz", 200, "ok\n");
  }

  @Test
  void startedWithHealthyEventSourcesIsReadyAndLive() throws Exception {
    started.set(true);
    assertAnswer("/readyz", 200, "ok\n");
    assertAnswer("/healthz", 200, "ok\n");
  }

  @Test
  void anInformerThatReconnectsIsNotReadyButLive() throws Exception {
    started.set(true);
    unhealthy
        .get("cleanupschedule")
        .put(CONTROLLER_SOURCE, informers(Constants.WATCH_ALL_NAMESPACES, informer(true, false)));
    assertAnswer(
        "/readyz",
        503,
        "not ready: unhealthy event sources\n"
            + "cleanupschedule/ControllerResourceEventSource (all namespaces): not synced, not"
            + " watching\n");
    assertAnswer("/healthz", 200, "ok\n");
  }

  @Test
  void anInformerThatStoppedIsNeitherReadyNorLiveAndIsNamed() throws Exception {
    started.set(true);
    unhealthy
        .get("databasemigration")
        .put(
            "secrets", informers("team-a", informer(true, true), "team-b", informer(false, false)));
    assertAnswer(
        "/readyz",
        503,
        "not ready: unhealthy event sources\n"
            + "databasemigration/secrets (namespace team-b): informer stopped\n");
    assertAnswer(
        "/healthz",
        503,
        "not live: informers stopped for good; a restart lists again\n"
            + "databasemigration/secrets (namespace team-b): informer stopped\n");
  }

  @Test
  void stoppingIsNotReadyButLive() throws Exception {
    started.set(true);
    stopping.set(true);
    unhealthy
        .get("cleanupschedule")
        .put(CONTROLLER_SOURCE, informers(Constants.WATCH_ALL_NAMESPACES, informer(false, false)));
    assertAnswer("/readyz", 503, "not ready: the operator is stopping\n");
    assertAnswer("/healthz", 200, "ok\n");
  }

  private void assertAnswer(String path, int status, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(status);
    assertThat(response.body()).as(path).isEqualTo(body);
  }

  private static InformerHealthIndicator informer(boolean running, boolean synced) {
    return new InformerHealthIndicator() {
      @Override
      public boolean hasSynced() {
        return synced;
      }

      @Override
      public boolean isWatching() {
        return synced;
      }

      @Override
      public boolean isRunning() {
        return running;
      }

      @Override
      public Status getStatus() {
        return running && synced ? Status.HEALTHY : Status.UNHEALTHY;
      }

      @Override
      public String getTargetNamespace() {
        return "";
      }
    };
  }

  private static EventSourceHealthIndicator informers(Object... namespaceAndInformer) {
    Map<String, InformerHealthIndicator> byNamespace = new HashMap<>();
    for (int i = 0; i < namespaceAndInformer.length; i += 2) {
      byNamespace.put(
          (String) namespaceAndInformer[i], (InformerHealthIndicator) namespaceAndInformer[i + 1]);
    }
    return (InformerWrappingEventSourceHealthIndicator<?>) () -> byNamespace;
  }
}
