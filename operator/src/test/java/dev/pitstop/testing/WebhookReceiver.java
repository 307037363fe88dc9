package dev.pitstop.testing;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A local chat webhook that keeps every message it receives and answers 200. */
public final class WebhookReceiver implements AutoCloseable {
  private final HttpServer server;
  private final List<String> messages = new CopyOnWriteArrayList<>();

  public WebhookReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          messages.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  /** The bodies received so far, oldest first. */
  public List<String> messages() {
    return messages;
  }

  /** A Secret {@code name} in {@code namespace} whose key {@code url} points here. */
  public Secret secret(String name, String namespace) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withStringData(
            Map.of("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/chat"))
        .build();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
