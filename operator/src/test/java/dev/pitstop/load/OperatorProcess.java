package dev.pitstop.load;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar pitstop.jar operator} as its own process, so that its memory is measured apart
 * from the test's: RSS from {@code /proc}, heap and pools from {@code /metrics}.
 */
final class OperatorProcess implements AutoCloseable {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? ([-+0-9.eE]+|NaN)$");

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private OperatorProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts the operator on the API server of {@code kubeconfig}; {@link #awaitReady()} waits until
   * it is ready.
   *
   * @param jvmOptions e.g. the chart's container limit and heap share
   */
  static OperatorProcess start(Path jar, Path kubeconfig, Path log, List<String> jvmOptions)
      throws IOException {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "operator",
            "--ssa=false",
            "--http-port",
            String.valueOf(port)));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return new OperatorProcess(builder.start(), port, log);
  }

  /** Waits until {@code /readyz} answers 200. */
  void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .failFast("the operator process exited", () -> !process.isAlive())
        .until(() -> get("/readyz").statusCode() == 200);
  }

  /** Writes a kubeconfig for an API server reachable without credentials. */
  static void writeKubeconfig(Path file, String masterUrl) throws IOException {
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{name: embedded, cluster: {server: \"" + masterUrl + "\"}}]",
            "users: [{name: test, user: {token: test}}]",
            "contexts: [{name: test, context: {cluster: embedded, user: test, namespace: default}}]",
            "current-context: test",
            ""));
  }

  /** The process's peak resident set ({@code VmHWM}) in bytes. */
  OptionalLong peakRssBytes() {
    return procStatus("VmHWM");
  }

  /** The process's current resident set ({@code VmRSS}) in bytes. */
  OptionalLong rssBytes() {
    return procStatus("VmRSS");
  }

  /** CPU time (user + system) the operator process has used so far, where the OS reports it. */
  Optional<Duration> cpuTime() {
    return process.info().totalCpuDuration();
  }

  /** The machine's 1-minute load average, to read the timings against; "n/a" off Linux. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "n/a";
    }
  }

  /** The /metrics text. */
  String metrics() throws IOException, InterruptedException {
    return get("/metrics").body();
  }

  /** The sum of all samples of one metric, e.g. {@code jvm_memory_used_bytes} with area=heap. */
  static double sum(String metrics, String name, String labelFilter) {
    double total = 0;
    for (String line : metrics.split("\n")) {
      if (!line.startsWith(name)) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.trim());
      if (m.matches()
          && m.group(1).equals(name)
          && (labelFilter == null || (m.group(2) != null && m.group(2).contains(labelFilter)))
          && !m.group(3).equals("NaN")) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The sum of all samples of the metrics whose names start with {@code prefix}. */
  static double sumByPrefix(String metrics, String prefix) {
    double total = 0;
    for (String line : metrics.split("\n")) {
      if (!line.startsWith(prefix)) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.trim());
      if (m.matches() && m.group(1).startsWith(prefix) && !m.group(3).equals("NaN")) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private OptionalLong procStatus(String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(field + ":")) {
          String kb = line.substring(field.length() + 1).trim().split("\\s+")[0];
          return OptionalLong.of(Long.parseLong(kb) * 1024);
        }
      }
    } catch (IOException e) {
      // Not Linux, or the process has ended: nothing to report.
    }
    return OptionalLong.empty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
