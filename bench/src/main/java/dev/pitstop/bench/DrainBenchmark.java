package dev.pitstop.bench;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.embedded.EmbeddedPostgresServer;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Measures a MaintenanceWindow with the real operator on the embedded Kubernetes API and an
 * embedded PostgreSQL:
 *
 * <ol>
 *   <li>drain latency: from the commit that makes the tasks query return 0 until the window's
 *       status says Active (seen through a watch), over N windows with {@code pollInterval: 500ms},
 *       against the usual fixed 5-second poll ({@code pollInterval: 5s}) in the same run;
 *   <li>a window draining and restoring D Deployments: wall time and API requests by kind.
 * </ol>
 */
public final class DrainBenchmark {
  private static final String NAMESPACE = "default";
  private static final String TASKS = "SELECT count(*) FROM tasks WHERE status = 'running'";

  private final KubernetesClient client;
  private final EmbeddedKubernetesApi api;
  private final String jdbcUrl;

  /** Marks the benchmark's own API requests, so the counts show only the operator's. */
  private static final String OWN_REQUEST = "X-Pitstop-Benchmark";

  private DrainBenchmark(EmbeddedKubernetesApi api, String jdbcUrl) {
    this.api = api;
    Config config = new ConfigBuilder(api.client().getConfiguration()).build();
    config.setCustomHeaders(Map.of(OWN_REQUEST, "true"));
    this.client = new KubernetesClientBuilder().withConfig(config).build();
    this.jdbcUrl = jdbcUrl;
  }

  /** Arguments: windows, baseline windows, deployments, results directory. */
  public static void main(String[] args) throws Exception {
    System.setProperty("logback.configurationFile", "pitstop-logback.xml");
    System.setProperty("PITSTOP_LOG_LEVEL", "WARN");
    int windows = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int baselineWindows = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int deployments = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Path results = Path.of(args.length > 3 ? args[3] : "bench/results");

    try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
        EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithPackagedCrds()) {
      String url = postgres.jdbcUrl("postgres");
      execute(url, "CREATE TABLE tasks (id serial PRIMARY KEY, status text NOT NULL)");
      DrainBenchmark bench = new DrainBenchmark(api, url);
      bench.client.resource(bench.secret()).create();
      PitstopOperator operator =
          PitstopOperator.start(
              api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0));
      try {
        bench.latency("warm-up", Duration.ofMillis(500), 3);
        List<Long> pitstop = bench.latency("pitstop-500ms", Duration.ofMillis(500), windows);
        List<Long> baseline =
            bench.latency("fixed-5s-poll", Duration.ofSeconds(5), baselineWindows);
        String scale = bench.deployments(deployments);
        String report = report(windows, baselineWindows, pitstop, baseline, scale);
        System.out.println(report);
        Files.createDirectories(results);
        Files.writeString(
            results.resolve("drain-" + Instant.now().toEpochMilli() + ".txt"), report);
      } finally {
        operator.close();
      }
    }
  }

  /** Drains and restores one window {@code count} times; returns each drain latency in ms. */
  private List<Long> latency(String name, Duration pollInterval, int count) throws Exception {
    List<Long> millis = new ArrayList<>();
    String window = "latency-" + name;
    MaintenanceWindow w = window(window, pollInterval);
    w.getSpec().active = false;
    client.resource(w).create();
    awaitPhase(window, WindowPhase.Idle, Duration.ofSeconds(30));
    for (int i = 0; i < count; i++) {
      execute(jdbcUrl, "INSERT INTO tasks (status) VALUES ('running')");
      setActive(window, true);
      awaitWindow(
          window,
          m ->
              m.getStatus().drain != null
                  && "database".equals(m.getStatus().drain.step)
                  && Long.valueOf(1).equals(m.getStatus().drain.pendingTasks),
          Duration.ofSeconds(60));
      // Finish the task at a random point of the poll cycle, as a real task would.
      Thread.sleep(ThreadLocalRandom.current().nextLong(pollInterval.toMillis()));
      long[] active = {0};
      Watch watch = watchActive(window, active);
      try {
        execute(jdbcUrl, "UPDATE tasks SET status = 'done' WHERE status = 'running'");
        long finished = System.nanoTime();
        long until = finished + TimeUnit.SECONDS.toNanos(60);
        synchronized (active) {
          while (active[0] == 0 && System.nanoTime() < until) {
            active.wait(1000);
          }
        }
        if (active[0] == 0) {
          throw new IllegalStateException(window + " did not become Active");
        }
        millis.add(TimeUnit.NANOSECONDS.toMillis(active[0] - finished));
      } finally {
        watch.close();
      }
      setActive(window, false);
      awaitPhase(window, WindowPhase.Idle, Duration.ofSeconds(60));
    }
    client.resource(w).delete();
    return millis;
  }

  /** Drains and restores {@code count} Deployments; returns the report lines. */
  private String deployments(int count) throws Exception {
    for (int i = 0; i < count; i++) {
      client
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("app-" + i)
                  .withNamespace(NAMESPACE)
                  .withLabels(Map.of("drain", "bench"))
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(1 + i % 3)
                  .withNewSelector()
                  .withMatchLabels(Map.of("app", "app-" + i))
                  .endSelector()
                  .withNewTemplate()
                  .withNewMetadata()
                  .withLabels(Map.of("app", "app-" + i))
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("app")
                  .withImage("example/app:1")
                  .endContainer()
                  .endSpec()
                  .endTemplate()
                  .endSpec()
                  .build())
          .create();
    }
    MaintenanceWindow w = window("scale", Duration.ofMillis(500));
    w.getSpec().database = null;
    w.getSpec().drain.tasks = null;
    w.getSpec().modeTable = null;
    Drain.WorkloadSelector selector = new Drain.WorkloadSelector();
    selector.kind = Drain.WorkloadKind.Deployment;
    selector.selector =
        new LabelSelectorBuilder().withMatchLabels(Map.of("drain", "bench")).build();
    w.getSpec().drain.workloads.add(selector);
    Thread.sleep(2000); // let the informers see every Deployment before counting
    drainRecordedRequests();

    long start = System.nanoTime();
    client.resource(w).create();
    awaitPhase("scale", WindowPhase.Active, Duration.ofSeconds(120));
    long drained = System.nanoTime();
    Map<String, Integer> drainRequests = drainRecordedRequests();
    setActive("scale", false);
    awaitPhase("scale", WindowPhase.Idle, Duration.ofSeconds(120));
    long restored = System.nanoTime();
    Map<String, Integer> restoreRequests = drainRecordedRequests();
    for (int i = 0; i < count; i++) {
      int replicas =
          client
              .apps()
              .deployments()
              .inNamespace(NAMESPACE)
              .withName("app-" + i)
              .get()
              .getSpec()
              .getReplicas();
      if (replicas != 1 + i % 3) {
        throw new IllegalStateException("app-" + i + " was restored to " + replicas);
      }
    }
    return String.format(
        "%d Deployments: drain %d ms, restore %d ms%n"
            + "  API requests while draining: %d %s%n"
            + "  API requests while restoring: %d %s%n",
        count,
        TimeUnit.NANOSECONDS.toMillis(drained - start),
        TimeUnit.NANOSECONDS.toMillis(restored - drained),
        total(drainRequests),
        drainRequests,
        total(restoreRequests),
        restoreRequests);
  }

  private Watch watchActive(String name, long[] active) {
    return client
        .resources(MaintenanceWindow.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, MaintenanceWindow resource) {
                if (resource.getStatus() != null
                    && resource.getStatus().phase == WindowPhase.Active) {
                  synchronized (active) {
                    if (active[0] == 0) {
                      active[0] = System.nanoTime();
                      active.notifyAll();
                    }
                  }
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  /** Requests the operator made since the last call, by method and resource. */
  private Map<String, Integer> drainRecordedRequests() throws InterruptedException {
    Map<String, Integer> counts = new TreeMap<>();
    RecordedRequest request;
    while ((request = api.server().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if (request.getHeaders().get(OWN_REQUEST) != null) {
        continue;
      }
      String path = request.getPath().replaceAll("\\?.*$", "");
      String[] parts = path.split("/");
      String resource = parts.length > 0 ? parts[parts.length - 1] : path;
      if (parts.length > 2
          && (resource.equals("status")
              || resource.startsWith("app-")
              || resource.equals("scale")
              || resource.startsWith("latency-"))) {
        resource =
            parts[parts.length - (resource.equals("status") ? 3 : 2)]
                + (resource.equals("status") ? "/status" : "");
      }
      if (request.getPath().contains("watch=true")) {
        resource = resource + " (watch)";
      }
      counts.merge(request.getMethod() + " " + resource, 1, Integer::sum);
    }
    return counts;
  }

  private static int total(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  private MaintenanceWindow window(String name, Duration pollInterval) {
    MaintenanceWindow w = new MaintenanceWindow();
    w.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    MaintenanceWindowSpec spec = new MaintenanceWindowSpec();
    spec.database = new DatabaseRef("app-db");
    spec.active = true;
    spec.pollInterval = pollInterval.toMillis() + "ms";
    spec.modeTable = "pitstop_maintenance_mode";
    spec.drain = new Drain();
    spec.drain.tasks = new Drain.Tasks();
    spec.drain.tasks.query = TASKS;
    spec.drain.timeout = "5m";
    w.setSpec(spec);
    return w;
  }

  private io.fabric8.kubernetes.api.model.Secret secret() {
    java.net.URI uri = java.net.URI.create(jdbcUrl.substring("jdbc:".length()));
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("app-db").withNamespace(NAMESPACE).build())
        .withStringData(
            Map.of(
                "host", uri.getHost(),
                "port", String.valueOf(uri.getPort()),
                "dbname", uri.getPath().substring(1),
                "username", EmbeddedPostgresServer.SUPERUSER,
                "password", "bench"))
        .build();
  }

  private void setActive(String name, boolean value) {
    // A merge patch of the one field: no conflict with the operator's status writes.
    client
        .resources(MaintenanceWindow.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"active\":" + value + "}}");
  }

  private void awaitPhase(String name, WindowPhase phase, Duration timeout)
      throws InterruptedException {
    awaitWindow(name, w -> w.getStatus().phase == phase, timeout);
  }

  private void awaitWindow(String name, Predicate<MaintenanceWindow> condition, Duration timeout)
      throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      MaintenanceWindow w =
          client.resources(MaintenanceWindow.class).inNamespace(NAMESPACE).withName(name).get();
      if (w != null && w.getStatus() != null && condition.test(w)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(name + " did not reach the expected state in " + timeout);
  }

  private static void execute(String url, String sql) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", EmbeddedPostgresServer.SUPERUSER);
    properties.setProperty("password", "bench");
    try (Connection connection = DriverManager.getConnection(url, properties);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String report(
      int windows, int baselineWindows, List<Long> pitstop, List<Long> baseline, String scale) {
    long p50 = percentile(pitstop, 50);
    long p99 = percentile(pitstop, 99);
    long b50 = percentile(baseline, 50);
    long b99 = percentile(baseline, 99);
    return String.format(
        "Drain latency (last task finished -> status.phase Active), %d windows, pollInterval 500ms:%n"
            + "  p50 %d ms, p99 %d ms, max %d ms   (targets: p50 < 500 ms, p99 < 1500 ms)%n"
            + "Baseline, fixed 5 s poll, %d windows: p50 %d ms, p99 %d ms, max %d ms%n"
            + "Ratio pitstop/baseline: p50 %.2f, p99 %.2f%n"
            + "%s",
        windows,
        p50,
        p99,
        Collections.max(pitstop),
        baselineWindows,
        b50,
        b99,
        Collections.max(baseline),
        (double) p50 / b50,
        (double) p99 / b99,
        scale);
  }

  /** Nearest-rank percentile. */
  private static long percentile(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
