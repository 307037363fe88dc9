package dev.pitstop.testing;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.SandboxReset;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * After a scenario, looks for a database password everywhere a user or a log collector can see
 * operator output: every Pitstop resource's status (all namespaces), every Event, the captured log
 * lines and the operator's {@code /metrics}. The password is also looked for URL-encoded, the way
 * it appears inside a {@code uri} key.
 *
 * <pre>{@code
 * SecretScan.of(kube, logs).assertNotFound(PASSWORD);
 * }</pre>
 */
public final class SecretScan {
  private static final List<Class<? extends HasMetadata>> KINDS =
      List.of(
          DatabaseMigration.class,
          SandboxReset.class,
          CleanupSchedule.class,
          MaintenanceWindow.class);

  private final Map<String, String> places = new LinkedHashMap<>();

  private SecretScan() {}

  /** Collects what the operator of {@code kube} showed, plus the captured logs. */
  public static SecretScan of(OperatorExtension kube, LogCapture logs) {
    SecretScan scan = new SecretScan();
    KubernetesClient client = kube.client();
    for (Class<? extends HasMetadata> kind : KINDS) {
      for (HasMetadata resource : client.resources(kind).inAnyNamespace().list().getItems()) {
        scan.places.put(
            "status of " + kind.getSimpleName() + " " + resource.getMetadata().getName(),
            Serialization.asYaml(Serialization.jsonMapper().valueToTree(resource).path("status")));
      }
    }
    client
        .v1()
        .events()
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(
            e ->
                scan.places.put(
                    "Event " + e.getMetadata().getName(), e.getReason() + " " + e.getMessage()));
    scan.places.put("logs", logs.text());
    if (kube.operator() != null) {
      scan.places.put("/metrics", metrics(kube.operator().httpPort()));
    }
    return scan;
  }

  /** The places that contain {@code password} (plain or URL-encoded); empty when none does. */
  public List<String> placesContaining(String password) {
    List<String> forms =
        List.of(password, URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20"));
    List<String> found = new ArrayList<>();
    places.forEach(
        (place, text) -> {
          if (text != null && forms.stream().anyMatch(text::contains)) {
            found.add(place);
          }
        });
    return found;
  }

  /** Fails naming the places where {@code password} was seen. */
  public void assertNotFound(String password) {
    List<String> found = placesContaining(password);
    if (!found.isEmpty()) {
      throw new AssertionError("the database password appears in: " + found);
    }
  }

  /** How many places were scanned (so a test can tell the scan saw something). */
  public int placeCount() {
    return places.size();
  }

  private static String metrics(int port) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("/metrics answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new AssertionError("could not read /metrics: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while reading /metrics", e);
    }
  }
}
