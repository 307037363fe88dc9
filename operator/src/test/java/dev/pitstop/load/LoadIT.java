package dev.pitstop.load;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.chart.OperatorContainer;
import dev.pitstop.chart.RenderedChart;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.PoolOptions;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.SecondLane;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.ThirdLane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The load target: 1,000 resources (250 of each kind) across 50 databases on one operator process,
 * started as the Helm chart starts it (512 MiB container limit, 75 % heap). Every resource reaches
 * its expected phase; the time to get there, CPU time, peak heap and RSS, the operator's sessions
 * and the per-resource latency to a first status are printed; memory, sessions and correctness are
 * held to the targets, the time is printed against its target (it depends on the machine's load).
 *
 * <p>Two scenarios, each with its own API server, operator process and databases, both measured
 * against "steady state in less than 60 s":
 *
 * <ul>
 *   <li><b>cold start</b>: all objects exist before the operator starts (an upgrade or restart on a
 *       busy cluster); timed from the operator's process start.
 *   <li><b>apply while running</b>: the objects are applied one at a time, as {@code kubectl apply
 *       -f dir/} does, to a running operator; timed from the first apply.
 * </ul>
 *
 * <p>The two scenarios run beside the other integration tests, one in the lane of the end-to-end
 * classes and one in the lane of the fault tests ({@link SecondLane}, {@link ThirdLane}), which
 * mostly wait; so they no longer add their time to the lane of the in-process classes. They never
 * run at the same time as each other, also when this class runs alone.
 *
 * <p>The operator, PostgreSQL and the embedded API server share the machine's cores, so the times
 * include their competition for CPU; the report says how busy the machine was (see
 * docs/reliability.md, "Load"). {@code -Dload.jfr=FILE} records a flight recording of the operator;
 * {@code -Dload.jvmOptions="..."} adds JVM options to the operator's.
 */
@Execution(ExecutionMode.CONCURRENT)
class LoadIT {
  /** Two scenarios of 1,000 resources each never share the machine with each other. */
  private static final String ONE_SCENARIO_AT_A_TIME = "pitstop-load-scenario";

  private static final Duration STEADY_STATE_TARGET = Duration.ofSeconds(60);

  /** The chart's defaults: {@code --pool-max-size} 4, and the registry's pool count. */
  private static final int POOL_MAX_SIZE = 4;

  private static final int MAX_CONNECTIONS = POOL_MAX_SIZE * PoolOptions.defaults().maxPools();

  /**
   * The operator container the chart's default values render (helm template): its JVM options, and
   * its memory limit, which is also the peak RSS target.
   */
  private static final OperatorContainer CHART = OperatorContainer.of(RenderedChart.withDefaults());

  /** Distinctive, so the log can be searched for it (the test server trusts local sessions). */
  private static final String PASSWORD = "pw-load-test-7c";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @TempDir Path dir;

  private Path jar;
  private final List<TestDatabase> databases = new ArrayList<>();
  private final List<String> databaseNames = new ArrayList<>();

  @BeforeEach
  void databases() {
    jar = Path.of("target/pitstop.jar").toAbsolutePath();
    Assumptions.assumeTrue(Files.isRegularFile(jar), "the shaded jar is built by mvn package");
    for (int d = 0; d < LoadFixtures.DATABASES; d++) {
      TestDatabase database = pg.createDatabase();
      database.execute(LoadFixtures.databaseSetup());
      databases.add(database);
      databaseNames.add(database.name());
    }
  }

  @Test
  @ResourceLock(ThirdLane.LOCK)
  @ResourceLock(ONE_SCENARIO_AT_A_TIME)
  void coldStartReachesSteadyStateWithinTheTargets() throws Exception {
    String loadBefore = OperatorProcess.loadAverage();
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
        PhaseTracker tracker = new PhaseTracker()) {
      KubernetesClient client = api.client();
      watchAllKinds(tracker, client);
      long applyStart = System.nanoTime();
      List<HasMetadata> resources = apply(client, tracker);
      Duration apply = Duration.ofNanos(System.nanoTime() - applyStart);

      CpuUsage cpu = new CpuUsage(Optional.of(Duration.ZERO));
      long operatorStart = System.nanoTime();
      try (OperatorProcess operator = startOperator(client);
          ResourceSampler sampler = sampler(operator)) {
        operator.awaitReady();
        Duration ready = Duration.ofNanos(System.nanoTime() - operatorStart);
        awaitExpectedPhases(tracker, operator, resources.size());
        String cpuUntilSteadyState = cpu.since(operator.cpuTime());
        Duration steadyState = Duration.ofNanos(tracker.lastExpectedNanos() - operatorStart);
        LoadReport report =
            report(
                "cold start",
                resources.size(),
                LoadReport.Timings.coldStart(apply, ready, steadyState),
                tracker.firstStatusMillisSince(operatorStart),
                cpuUntilSteadyState,
                loadBefore,
                operator,
                sampler);

        assertWithinTargets(report, operator, sampler, resources.size());
        printAgainstTarget("cold start", steadyState);
      }
    }
  }

  @Test
  @ResourceLock(SecondLane.LOCK)
  @ResourceLock(ONE_SCENARIO_AT_A_TIME)
  void applyWhileRunningReachesSteadyStateWithinTheTargets() throws Exception {
    String loadBefore = OperatorProcess.loadAverage();
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
        PhaseTracker tracker = new PhaseTracker()) {
      KubernetesClient client = api.client();
      long operatorStart = System.nanoTime();
      try (OperatorProcess operator = startOperator(client);
          ResourceSampler sampler = sampler(operator)) {
        operator.awaitReady();
        Duration ready = Duration.ofNanos(System.nanoTime() - operatorStart);
        watchAllKinds(tracker, client);
        CpuUsage cpu = new CpuUsage(operator.cpuTime());
        long applyStart = System.nanoTime();
        List<HasMetadata> resources = apply(client, tracker);
        long applied = System.nanoTime();
        awaitExpectedPhases(tracker, operator, resources.size());
        String cpuUntilSteadyState = cpu.since(operator.cpuTime());
        long last = tracker.lastExpectedNanos();
        LoadReport report =
            report(
                "apply while running",
                resources.size(),
                LoadReport.Timings.applyWhileRunning(
                    Duration.ofNanos(applied - applyStart),
                    ready,
                    Duration.ofNanos(last - applyStart),
                    Duration.ofNanos(last - applied)),
                tracker.firstStatusLatenciesMillis(),
                cpuUntilSteadyState,
                loadBefore,
                operator,
                sampler);

        assertWithinTargets(report, operator, sampler, resources.size());
        printAgainstTarget("apply while running", report.timings().fromFirstApply());
      }
    }
  }

  /** The Secrets, then the resources, one create at a time. */
  private List<HasMetadata> apply(KubernetesClient client, PhaseTracker tracker) {
    for (int d = 0; d < LoadFixtures.DATABASES; d++) {
      TestDatabase database = databases.get(d);
      client
          .resource(
              secret(LoadFixtures.secretName(d), database.jdbcUrl(), database.user(), PASSWORD))
          .create();
    }
    List<HasMetadata> resources = LoadFixtures.resources(databaseNames);
    // One at a time, as `kubectl apply -f dir/` does.
    for (HasMetadata resource : resources) {
      tracker.creating(resource);
      client.resource(resource).create();
    }
    return resources;
  }

  private static void watchAllKinds(PhaseTracker tracker, KubernetesClient client) {
    tracker.watch(client, DatabaseMigration.class, (DatabaseMigrationStatus s) -> s.phase);
    tracker.watch(client, SandboxReset.class, (SandboxResetStatus s) -> s.phase);
    tracker.watch(client, CleanupSchedule.class, (CleanupScheduleStatus s) -> s.phase);
    tracker.watch(client, MaintenanceWindow.class, (MaintenanceWindowStatus s) -> s.phase);
  }

  private OperatorProcess startOperator(KubernetesClient client) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    OperatorProcess.writeKubeconfig(kubeconfig, client.getMasterUrl().toString());
    // The JVM in the pod sees the container's limit as its machine's memory, and no more cores
    // than this machine has.
    List<String> jvm = new ArrayList<>(CHART.jvmOptions());
    jvm.add("-XX:MaxRAM=" + CHART.memoryLimitBytes());
    jvm.add("-XX:ActiveProcessorCount=2");
    if (System.getProperty("load.jfr") != null) {
      jvm.add(
          "-XX:StartFlightRecording=settings=profile,filename=" + System.getProperty("load.jfr"));
    }
    String more = System.getProperty("load.jvmOptions", "").strip();
    if (!more.isEmpty()) {
      jvm.addAll(List.of(more.split("\\s+")));
    }
    return OperatorProcess.start(jar, kubeconfig, dir.resolve("operator.log"), jvm);
  }

  private ResourceSampler sampler(OperatorProcess operator) throws Exception {
    return new ResourceSampler(
        pg.adminDataSource(), ConnectionSettings.DEFAULT_APPLICATION_NAME, operator);
  }

  private static void awaitExpectedPhases(
      PhaseTracker tracker, OperatorProcess operator, int resources) {
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .failFast("the operator process exited", () -> !operator.isAlive())
        .untilAsserted(
            () ->
                assertThat(tracker.reachedExpectedPhase())
                    .as("resources in their expected phase; lagging: %s", tracker.lagging())
                    .isEqualTo(resources));
  }

  /** Lets background work settle for ten more samples, then prints and saves the report. */
  private static LoadReport report(
      String scenario,
      int resources,
      LoadReport.Timings timings,
      List<Long> firstStatusMillis,
      String cpu,
      String loadBefore,
      OperatorProcess operator,
      ResourceSampler sampler)
      throws Exception {
    long samples = sampler.samples() + 10;
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> sampler.samples() >= samples);
    LoadReport report =
        new LoadReport(
            scenario,
            resources,
            LoadFixtures.DATABASES,
            timings,
            cpu,
            operator.peakRssBytes().orElse(-1),
            operator.rssBytes().orElse(-1),
            sampler.maxHeapBytes(),
            sampler.maxConnections(),
            sampler.maxHikariConnections(),
            MAX_CONNECTIONS,
            firstStatusMillis,
            loadBefore + " / " + OperatorProcess.loadAverage(),
            operator.metrics());
    System.out.println(report.text());
    Path result =
        Path.of("target", "load-result-" + scenario.replace(' ', '-') + ".txt").toAbsolutePath();
    Files.writeString(result, report.text());
    Files.writeString(
        result.resolveSibling("load-metrics-" + scenario.replace(' ', '-') + ".txt"),
        report.metrics());
    return report;
  }

  /**
   * Prints the time to steady state against its target. Not asserted: the time depends on what else
   * the machine runs (no timing assertions in tests); reaching the expected phases at all is
   * bounded by {@link #awaitExpectedPhases}.
   */
  private static void printAgainstTarget(String scenario, Duration steadyState) {
    System.out.printf(
        "%s: steady state in %d ms, target < %d s: %s%n",
        scenario,
        steadyState.toMillis(),
        STEADY_STATE_TARGET.toSeconds(),
        steadyState.compareTo(STEADY_STATE_TARGET) < 0 ? "met" : "NOT MET");
  }

  /** What both scenarios hold to: the memory and connection targets, and correctness. */
  private void assertWithinTargets(
      LoadReport report, OperatorProcess operator, ResourceSampler sampler, int resources)
      throws Exception {
    assertThat(report.firstStatusMillis()).as("every resource got a status").hasSize(resources);
    for (TestDatabase database : databases) {
      assertDone(database);
    }
    assertThat(report.peakRssBytes())
        .as("peak RSS of the operator")
        .isBetween(1L, CHART.memoryLimitBytes() - 1);
    assertThat(
            OperatorProcess.sum(
                report.metrics(), "operator_sdk_reconciliations_failed_total", null))
        .as("failed reconciliations")
        .isZero();
    assertThat(sampler.samples()).as("connection samples taken").isPositive();
    assertThat(sampler.maxConnections())
        .as("operator sessions never exceed the pool bound")
        .isBetween(1L, (long) MAX_CONNECTIONS);
    assertThat(operator.output()).doesNotContain(PASSWORD);
    assertThat(report.metrics()).doesNotContain(PASSWORD);
  }

  /**
   * Every migration applied once, every sandbox emptied except its admin and seeded: one line per
   * slot, in one session per database.
   */
  private static void assertDone(TestDatabase database) {
    List<String> perSlot = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int slot = 0; slot < LoadFixtures.SLOTS; slot++) {
      perSlot.add(
          "SELECT "
              + slot
              + " AS slot, concat_ws(' ', (SELECT count(*) FROM app_"
              + slot
              + ".items), (SELECT count(*) FROM app_"
              + slot
              + ".history WHERE success AND version IS NOT NULL), (SELECT string_agg(id || ':' || role, ','"
              + " ORDER BY id) FROM sandbox_"
              + slot
              + ".users), (SELECT count(*) FROM sandbox_"
              + slot
              + ".orders)) AS line");
      expected.add("10 3 1:admin,100:user 0");
    }
    assertThat(
            database.queryStrings(
                "SELECT line FROM (" + String.join(" UNION ALL ", perSlot) + ") s ORDER BY slot"))
        .as("%s: items, migrations recorded, users, orders per slot", database.name())
        .containsExactlyElementsOf(expected);
  }
}
