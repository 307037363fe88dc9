package dev.pitstop.operator;

import dev.pitstop.database.DataSourceRegistry;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.database.PoolOptions;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.OperationRuns;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.ReconcileGate;
import dev.pitstop.reconciler.RunTriggerFilter;
import dev.pitstop.reconciler.cleanupschedule.CleanupScheduleReconciler;
import dev.pitstop.reconciler.databasemigration.DatabaseMigrationReconciler;
import dev.pitstop.reconciler.maintenancewindow.MaintenanceWindowReconciler;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.sandboxreset.SandboxResetReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running operator: JOSDK with Pitstop's reconcilers, the shared database pools and worker
 * threads, and the HTTP endpoints. Used by the {@code operator} command, {@code demo} and the
 * integration tests alike.
 */
public final class PitstopOperator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PitstopOperator.class);

  private final KubernetesClient client;
  private final Operator operator;
  private final HttpEndpoints http;

  /** How long running database work may take to finish once the operator is stopping. */
  private static final Duration WORK_GRACE = Duration.ofSeconds(30);

  /** How long the reconcilers then have to publish the runs that ended. */
  private static final Duration REPORT_GRACE = Duration.ofSeconds(10);

  /**
   * How long the reconciles under way then have to end before reconciling stops. A reconcile takes
   * milliseconds, seconds when it sends a chat message (not all 11 s of a webhook that does not
   * answer, though); 35 s of database work, 10 s of reporting and this stay within the chart's
   * smallest terminationGracePeriodSeconds (50).
   */
  private static final Duration RECONCILE_GRACE = Duration.ofSeconds(5);

  private final BackgroundWork work;
  private final ReconcileGate gate = new ReconcileGate();
  private final DataSourceRegistry pools;
  private final PrometheusMeterRegistry registry;
  private final Optional<LeaderLease> lease;
  private volatile boolean closing;

  private PitstopOperator(
      KubernetesClient given,
      OperatorSettings settings,
      boolean exitWhenLeadershipLost,
      Clock clock) {
    // Its own client, reading resources of newer operator versions too (OperatorClient).
    client = OperatorClient.from(given);
    // JOSDK's fallback for the Lease's namespace too: the client's (the pod's) namespace.
    lease = LeaderLease.of(settings, client.getConfiguration().getNamespace());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    pools = new DataSourceRegistry(poolOptions(settings), registry);
    work = new BackgroundWork(settings.workerThreads(), 1000, Duration.ofMillis(250), clock);
    EventRecorder events = new EventRecorder(client, KnownSecrets::redact, clock);
    PitstopMetrics metrics = new PitstopMetrics(registry);
    DatabaseTargets targets = new DatabaseTargets(pools);

    operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(settings.useSsa())
                  .withConcurrentReconciliationThreads(settings.reconcileThreads())
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(false)
                  .withInformerStoppedHandler(this::informerStopped)
                  .withCacheSyncTimeout(Duration.ofSeconds(60));
              lease.ifPresent(
                  l -> {
                    var election =
                        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(l.name())
                            .withIdentity(l.identity());
                    if (l.namespace() != null) {
                      election.withLeaseNamespace(l.namespace());
                    }
                    // JOSDK's own exit on a lost Lease would also call System.exit when stopping
                    // ends leader election, inside the shutdown hook, and the JVM then waits
                    // forever.
                    election.withExitOnStopLeading(false);
                    election.withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> {}, () -> leadershipEnded(exitWhenLeadershipLost), leader -> {}));
                    o.withLeaderElectionConfiguration(election.build());
                  });
            });
    OperationRuns.Services services =
        new OperationRuns.Services(
            targets,
            work,
            events,
            metrics,
            ExponentialBackoff.forUnreachableDatabase(),
            clock,
            // Sent from a reconcile: two tries, 5 s each, so a dead webhook holds it briefly.
            new WebhookNotifier(2, Duration.ofSeconds(1), Duration.ofSeconds(5)),
            gate);
    if (settings.reconciles("databasemigrations")) {
      register(new DatabaseMigrationReconciler(services), settings);
    }
    if (settings.reconciles("maintenancewindows")) {
      register(new MaintenanceWindowReconciler(client, services), settings);
    }
    if (settings.reconciles("cleanupschedules")) {
      register(new CleanupScheduleReconciler(services, WebhookNotifier.standard()), settings);
    }
    if (settings.reconciles("sandboxresets")) {
      register(new SandboxResetReconciler(services), settings);
    }
    OperatorHealth health = OperatorHealth.of(operator, () -> closing);
    try {
      http =
          new HttpEndpoints(
              settings.httpPort(),
              health::liveness,
              health::readiness,
              HttpEndpoints.scrape(registry));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not listen on port " + settings.httpPort() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The pools' limits from the settings: at most {@code maxPools × poolMaxSize} connections to all
   * databases together.
   */
  static PoolOptions poolOptions(OperatorSettings settings) {
    return PoolOptions.defaults()
        .withMaxPoolSize(settings.poolMaxSize())
        .withMaxPools(settings.maxPools())
        .withIdleClose(settings.poolIdleTimeout());
  }

  /**
   * Builds and starts an operator embedded in a larger process (tests, demo). The operator works
   * with a client of its own, made from {@code client}'s configuration; the caller keeps and closes
   * {@code client}.
   */
  public static PitstopOperator start(KubernetesClient client, OperatorSettings settings) {
    return start(client, settings, false, Clock.systemUTC());
  }

  /**
   * Builds and starts the operator.
   *
   * @param exitWhenLeadershipLost end the process if the leader-election Lease is lost
   * @param clock the time every reconciler decides by: schedules, windows, retries, timestamps
   */
  public static PitstopOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      boolean exitWhenLeadershipLost,
      Clock clock) {
    PitstopOperator pitstop = new PitstopOperator(client, settings, exitWhenLeadershipLost, clock);
    pitstop.operator.start();
    LOG.info(
        "Pitstop operator started; kinds: {}; namespaces: {}; health and metrics on port {}; at most {}"
            + " database connections ({} pools of {})",
        OperatorSettings.KINDS.stream().filter(settings::reconciles).toList(),
        settings.namespaces().isEmpty() ? "all" : settings.namespaces(),
        pitstop.http.port(),
        settings.maxPools() * settings.poolMaxSize(),
        settings.maxPools(),
        settings.poolMaxSize());
    return pitstop;
  }

  private <P extends HasMetadata> void register(
      Reconciler<P> reconciler, OperatorSettings settings) {
    Consumer<ControllerConfigurationOverrider<P>> overrides =
        o -> {
          o.withOnUpdateFilter(new RunTriggerFilter<>());
          if (!settings.namespaces().isEmpty()) {
            o.settingNamespaces(settings.namespaces());
          }
        };
    operator.register(reconciler, overrides);
  }

  /** The port of /healthz, /readyz and /metrics. */
  public int httpPort() {
    return http.port();
  }

  /**
   * JOSDK's controllers, one per kind, for an embedding that looks into them: a test that moves the
   * operator's clock asks them to reconcile now, or waits until their informers have an object.
   */
  @SuppressWarnings("rawtypes")
  public Set<RegisteredController> controllers() {
    return operator.getRegisteredControllers();
  }

  /** The Prometheus registry, e.g. for tests. */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /**
   * The Lease is no longer ours. While closing that is expected: stopping ends leader election.
   * Otherwise another replica may be leading already: in a pod the process ends (from a thread of
   * its own, so the shutdown hook can run) and Kubernetes restarts it; embedded, the caller
   * decides.
   */
  private void leadershipEnded(boolean exit) {
    if (closing) {
      LOG.info("Stopped leading: the operator is stopping");
      return;
    }
    LOG.error("Lost the leader-election Lease; stopping so that only the leader reconciles");
    if (exit) {
      new Thread(() -> System.exit(1), "pitstop-lease-lost").start();
    }
  }

  /**
   * An informer stopped. With an error it stopped for good (fabric8 retries everything else): an
   * object of its kind could not be read. JOSDK's own handler would end the JVM, and only when the
   * informer had synced; instead {@code /healthz} fails from now on ({@link OperatorHealth}), so
   * Kubernetes restarts the operator whether this happened at start or later, and an embedding
   * process (tests, the demo) keeps running.
   */
  @SuppressWarnings("rawtypes")
  private void informerStopped(SharedIndexInformer informer, Throwable error) {
    if (error == null || closing) {
      return;
    }
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    LOG.error(
        "The informer for {} stopped for good: {}; /healthz fails until the operator restarts",
        informer.getApiTypeClass().getSimpleName(),
        cause.getMessage());
  }

  /**
   * Lets running database work finish (bounded) while the reconcilers still run, so each run that
   * ends is reported in its resource's status and Events by this process; then lets the reconciles
   * under way end (bounded) and starts no other, stops reconciling, releases the leader-election
   * Lease (so a standby takes over within seconds instead of a lease duration), closes pools. No
   * new run starts once stopping has begun. A second call does nothing.
   */
  @Override
  public synchronized void close() {
    stop(true);
  }

  /**
   * Stops as a crashed process would leave things, for tests of what the next operator finds: the
   * reconciles under way end (bounded), then reconciling stops, so a run that ends while this waits
   * for it (bounded) is not reported; the next operator reads the database and the resource.
   * SIGTERM uses {@link #close()}.
   */
  public synchronized void halt() {
    stop(false);
  }

  /**
   * Stops; with {@code report}, running work is waited for and reported first. Reconciling stops
   * only once no reconcile runs ({@link ReconcileGate}): stopping it empties the informer caches
   * before JOSDK stops its reconcile threads, and a reconcile still running would find every object
   * it reads missing.
   */
  private void stop(boolean report) {
    if (closing) {
      return;
    }
    closing = true;
    boolean stopped = false;
    try {
      if (report) {
        work.finishRunning(WORK_GRACE);
        if (!work.awaitTaken(REPORT_GRACE)) {
          LOG.warn(
              "Stopping before every finished run was reported; the next operator reports it"
                  + " from the database");
        }
      }
      if (!gate.close(RECONCILE_GRACE)) {
        LOG.warn(
            "A reconcile was still running {} s after reconciling was to stop; stopping anyway:"
                + " the Kubernetes objects it still reads look missing to it, so what it does"
                + " next may be wrong (e.g. a workload counted as deleted); the next operator"
                + " reconciles its resource again",
            RECONCILE_GRACE.toSeconds());
      }
      operator.stop();
      stopped = true;
    } finally {
      work.close();
      if (stopped) {
        // Only now: no reconcile and no database work of this process runs any more, and
        // stopping ended the renewals.
        lease.ifPresent(l -> l.release(client));
      }
      pools.close();
      http.close();
      registry.close();
      client.close();
    }
  }
}
