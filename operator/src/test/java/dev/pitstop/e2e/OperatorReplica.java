package dev.pitstop.e2e;

import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.TerminalFailureException;

/**
 * One operator replica: {@code java -jar pitstop.jar operator} as its own process, with the chart
 * Deployment's environment (server-side apply and leader election on), as the chart's
 * ServiceAccount. The hostname, which names the replica in the Lease, is its pod name.
 */
final class OperatorReplica implements AutoCloseable {
  private final String name;
  private final ProcessBuilder builder;
  private final boolean portChosenHere;
  private Process process;
  private int port;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private OperatorReplica(
      String name, ProcessBuilder builder, boolean portChosenHere, int port, Path log) {
    this.name = name;
    this.builder = builder;
    this.portChosenHere = portChosenHere;
    this.port = port;
    this.log = log;
    launch();
  }

  private void launch() {
    builder.environment().put("PITSTOP_HTTP_PORT", String.valueOf(port));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts replica {@code name} of {@code release}, with {@code overrides} on its environment. */
  static OperatorReplica start(PitstopRelease release, String name, Map<String, String> overrides) {
    Path jar = ProjectFiles.root().resolve("operator/target/pitstop.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: it is built by mvn package");
    }
    return start(release, name, overrides, jar);
  }

  /** Starts replica {@code name} of {@code release} from another build's {@code jar}. */
  static OperatorReplica start(
      PitstopRelease release, String name, Map<String, String> overrides, Path jar) {
    Map<String, String> env = new HashMap<>(release.operatorEnvironment());
    env.put("KUBECONFIG", release.serviceAccountKubeconfig().toString());
    env.put("HOSTNAME", name);
    env.put("PITSTOP_HTTP_PORT", String.valueOf(freePort()));
    env.putAll(overrides);
    Path log = release.plane().runDir().resolve("operator-" + name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar.toString(),
                    "operator"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv("PATH"));
    builder.environment().putAll(env);
    return new OperatorReplica(
        name,
        builder,
        !overrides.containsKey("PITSTOP_HTTP_PORT"),
        Integer.parseInt(env.get("PITSTOP_HTTP_PORT")),
        log);
  }

  /** The pod name this replica has, which is also its Lease holder identity. */
  String name() {
    return name;
  }

  /**
   * Waits until {@code /readyz} answers 200. A port this class chose that another process took
   * between choosing and binding it is chosen again, at most twice.
   */
  OperatorReplica awaitReady() {
    for (int attempt = 1; ; attempt++) {
      try {
        await("replica " + name + " ready")
            .atMost(Duration.ofSeconds(90))
            .ignoreExceptions()
            .failFast("the operator process exited", () -> !process.isAlive())
            .until(() -> status("/readyz") == 200);
        return this;
      } catch (TerminalFailureException e) {
        if (attempt < 3 && portChosenHere && lostItsPort()) {
          port = freePort();
          launch();
          continue;
        }
        throw new AssertionError("the operator process exited:\n" + tail(), e);
      }
    }
  }

  private boolean lostItsPort() {
    return output().contains("could not listen on port " + port + ": Address already in use");
  }

  /** The HTTP status of {@code path} on the replica's port. */
  int status(String path) throws IOException, InterruptedException {
    return get(path).statusCode();
  }

  /** The response to {@code GET path} on the replica's port. */
  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGTERM, as the kubelet does when a pod stops; returns how long the exit took. */
  Duration terminate(Duration atMost) throws InterruptedException {
    long start = System.nanoTime();
    process.destroy();
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(
          "replica " + name + " did not exit within " + atMost + " of SIGTERM:\n" + tail());
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Sends SIGKILL: the replica ends at once, as when its node is lost. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  int exitCode() {
    return process.exitValue();
  }

  /** Everything the replica logged. */
  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The last lines of the log, for failure messages. */
  String tail() {
    List<String> lines = output().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
