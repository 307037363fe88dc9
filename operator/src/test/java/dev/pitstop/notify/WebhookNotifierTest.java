package dev.pitstop.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real HTTP server on 127.0.0.1. */
class WebhookNotifierTest {
  private static final String SECRET_PATH = "/services/T000/B000/tok-Zx81-secret";

  private final WebhookNotifier notifier =
      new WebhookNotifier(3, Duration.ofMillis(10), Duration.ofSeconds(5));
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Deque<Integer> answers = new ArrayDeque<>();
  private HttpServer server;

  private record Received(String method, String contentType, String body) {}

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          received.add(
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  new String(body, StandardCharsets.UTF_8)));
          int status;
          synchronized (answers) {
            status = answers.isEmpty() ? 200 : answers.poll();
          }
          byte[] reply = (status == 200 ? "ok" : "no_service").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, reply.length);
          exchange.getResponseBody().write(reply);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + SECRET_PATH;
  }

  private void answer(Integer... statuses) {
    synchronized (answers) {
      answers.addAll(List.of(statuses));
    }
  }

  @Test
  void postsSlackCompatibleJson() throws IOException {
    Delivery delivery = notifier.send(url(), "CleanupSchedule default/nightly: Succeeded \"ok\"");

    assertThat(delivery).isEqualTo(new Delivery(true, 1, null));
    assertThat(received).hasSize(1);
    assertThat(received.get(0).method()).isEqualTo("POST");
    assertThat(received.get(0).contentType()).startsWith("application/json");
    Map<String, Object> json =
        new ObjectMapper()
            .readValue(
                received.get(0).body(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    assertThat(json).isEqualTo(Map.of("text", "CleanupSchedule default/nightly: Succeeded \"ok\""));
  }

  @Test
  void retriesServerErrorsAndRateLimits() {
    answer(500, 429);
    Delivery delivery = notifier.send(url(), "hello");
    assertThat(delivery.delivered()).isTrue();
    assertThat(delivery.attempts()).isEqualTo(3);
    assertThat(received).hasSize(3);
  }

  @Test
  void givesUpAfterTheLastAttempt() {
    answer(503, 503, 503, 503);
    Delivery delivery = notifier.send(url(), "hello");
    assertThat(delivery.delivered()).isFalse();
    assertThat(delivery.attempts()).isEqualTo(3);
    assertThat(delivery.error())
        .isEqualTo("the webhook answered HTTP 503: no_service (3 attempts)")
        .doesNotContain("tok-Zx81");
    assertThat(received).hasSize(3);
  }

  @Test
  void doesNotRetryAClientError() {
    answer(404);
    Delivery delivery = notifier.send(url(), "hello");
    assertThat(delivery)
        .isEqualTo(new Delivery(false, 1, "the webhook answered HTTP 404: no_service"));
    assertThat(received).hasSize(1);
  }

  @Test
  void anUnreachableWebhookFailsWithoutShowingTheUrl() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Delivery delivery = notifier.send("http://127.0.0.1:" + closedPort + SECRET_PATH, "hello");
    assertThat(delivery.delivered()).isFalse();
    assertThat(delivery.attempts()).isEqualTo(3);
    assertThat(delivery.error())
        .startsWith("the webhook could not be reached")
        .doesNotContain("tok-Zx81");
  }

  @Test
  void refusesWhatIsNotAnHttpUrl() {
    assertThat(notifier.send("ftp://example.com/hook", "hello"))
        .isEqualTo(new Delivery(false, 0, "the webhook URL must be an http:// or https:// URL"));
    assertThat(notifier.send("not a url at all", "hello").delivered()).isFalse();
    assertThat(received).isEmpty();
  }
}
