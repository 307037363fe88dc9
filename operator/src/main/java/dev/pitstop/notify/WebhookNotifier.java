package dev.pitstop.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.logging.KnownSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Posts Slack-compatible messages ({@code {"text": "..."}}) to a webhook URL; Slack, Mattermost,
 * Rocket.Chat, Teams workflows and most chat tools accept that shape. Network errors, 5xx and 429
 * answers are retried with a doubling pause; other answers are final. Never throws: the caller gets
 * a {@link Delivery}. The URL is a credential (whoever knows it can post), so it is registered with
 * {@link KnownSecrets} and never appears in an error.
 */
public final class WebhookNotifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final int attempts;
  private final Duration firstPause;
  private final Duration timeout;

  /**
   * @param attempts requests at most, at least 1
   * @param firstPause pause before the second attempt; doubles after each further failure
   * @param timeout per request
   */
  public WebhookNotifier(int attempts, Duration firstPause, Duration timeout) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1");
    }
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.attempts = attempts;
    this.firstPause = firstPause;
    this.timeout = timeout;
  }

  /** Three attempts, 1s then 2s apart, 10s per request. */
  public static WebhookNotifier standard() {
    return new WebhookNotifier(3, Duration.ofSeconds(1), Duration.ofSeconds(10));
  }

  /** Sends {@code text}; retries as described above. */
  public Delivery send(String url, String text) {
    KnownSecrets.add(url);
    URI uri;
    try {
      uri = new URI(url == null ? "" : url.trim());
    } catch (URISyntaxException e) {
      return Delivery.failed(0, "the webhook URL is not a valid URL");
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equalsIgnoreCase("https") || uri.getScheme().equalsIgnoreCase("http"))
        || uri.getHost() == null) {
      return Delivery.failed(0, "the webhook URL must be an http:// or https:// URL");
    }
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("Content-Type", "application/json; charset=utf-8")
              .header("User-Agent", "pitstop-operator")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      JSON.writeValueAsString(Map.of("text", text))))
              .build();
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return Delivery.failed(0, "the notification could not be built: " + e.getMessage());
    }
    String error = null;
    Duration pause = firstPause;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
          return Delivery.ok(attempt);
        }
        error = "the webhook answered HTTP " + status + answer(response.body());
        if (status != 429 && status < 500) {
          return Delivery.failed(attempt, error);
        }
      } catch (IOException e) {
        error = "the webhook could not be reached: " + describe(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Delivery.failed(attempt, "interrupted while notifying");
      }
      if (attempt < attempts && !sleep(pause)) {
        return Delivery.failed(attempt, error);
      }
      pause = pause.multipliedBy(2);
    }
    return Delivery.failed(attempts, error + " (" + attempts + " attempts)");
  }

  private static String answer(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().lines().findFirst().orElse("");
    return ": " + KnownSecrets.redact(line.length() > 120 ? line.substring(0, 120) + "…" : line);
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    return KnownSecrets.redact(
        message == null || message.isBlank() ? e.getClass().getSimpleName() : message);
  }

  private static boolean sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
