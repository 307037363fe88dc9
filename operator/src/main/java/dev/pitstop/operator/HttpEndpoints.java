package dev.pitstop.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** {@code /healthz}, {@code /readyz} and Prometheus {@code /metrics} on one port. */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  /**
   * Starts serving.
   *
   * @param port the port; 0 picks a free one
   * @param live whether the process works (liveness), with what is wrong when not
   * @param ready whether it is ready to reconcile (readiness), with what is wrong when not
   * @param metrics the Prometheus exposition text
   */
  HttpEndpoints(
      int port,
      Supplier<OperatorHealth.Probe> live,
      Supplier<OperatorHealth.Probe> ready,
      Supplier<String> metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> probe(ex, live));
    server.createContext("/readyz", ex -> probe(ex, ready));
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "pitstop-http");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  /** Serves a registry's scrape output. */
  public static Supplier<String> scrape(PrometheusMeterRegistry registry) {
    return registry::scrape;
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, Supplier<OperatorHealth.Probe> check)
      throws IOException {
    OperatorHealth.Probe probe;
    try {
      probe = check.get();
    } catch (RuntimeException e) {
      probe = new OperatorHealth.Probe(false, "the check failed: " + e + "\n");
    }
    respond(exchange, probe.ok() ? 200 : 503, "text/plain; charset=utf-8", probe.text());
  }

  private static void respond(HttpExchange exchange, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
