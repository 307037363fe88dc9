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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local chat webhook that keeps every message it receives and answers 200; a {@link #held()} one
 * answers only once the test {@link #release releases} it.
 */
public final class WebhookReceiver implements AutoCloseable {
  private final HttpServer server;
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final CountDownLatch received = new CountDownLatch(1);
  private final CountDownLatch release;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  public WebhookReceiver() {
    this(false);
  }

  private WebhookReceiver(boolean held) {
    release = new CountDownLatch(held ? 1 : 0);
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext(
        "/",
        exchange -> {
          messages.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          received.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  /** One that holds every answer (at most 30 s) until {@link #release()}. */
  public static WebhookReceiver held() {
    return new WebhookReceiver(true);
  }

  /** Whether a message arrived within {@code seconds}. */
  public boolean awaitMessage(long seconds) throws InterruptedException {
    return received.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets a held receiver answer, now and from now on. */
  public void release() {
    release.countDown();
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
    release.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
