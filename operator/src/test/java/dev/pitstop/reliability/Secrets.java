package dev.pitstop.reliability;

import dev.pitstop.testing.PostgresExtension;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Database Secrets in the two layouts of the API contract. */
final class Secrets {
  /** Which keys the Secret holds. */
  enum Layout {
    /** {@code uri}: a libpq URI with the password URL-encoded. */
    URI,
    /** {@code host}, {@code port}, {@code dbname}, {@code username}, {@code password}. */
    FIELDS
  }

  private Secrets() {}

  /** Creates a Secret for the test database of {@code pg} with {@code password}. */
  static Secret create(
      KubernetesClient client,
      String namespace,
      String name,
      PostgresExtension pg,
      String password,
      Layout layout) {
    URI url = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    Map<String, String> data =
        switch (layout) {
          case URI ->
              Map.of(
                  "uri",
                  "postgresql://"
                      + URLEncoder.encode(pg.user(), StandardCharsets.UTF_8)
                      + ":"
                      + URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20")
                      + "@"
                      + url.getHost()
                      + ":"
                      + url.getPort()
                      + "/"
                      + pg.databaseName());
          case FIELDS ->
              Map.of(
                  "host", url.getHost(),
                  "port", String.valueOf(url.getPort()),
                  "dbname", pg.databaseName(),
                  "username", pg.user(),
                  "password", password);
        };
    Secret secret =
        new SecretBuilder()
            .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build())
            .withStringData(data)
            .build();
    return client.resource(secret).create();
  }
}
