package dev.pitstop.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.health.EventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What {@code /readyz} and {@code /healthz} answer, from JOSDK's view of the controllers and their
 * event sources (informers).
 *
 * <ul>
 *   <li><b>Ready</b>: the controllers have started and every event source is healthy (each informer
 *       runs, has listed and is watching). A replica waiting for the leader-election Lease runs its
 *       informers too, so a healthy standby is ready. An informer that reconnects after an API
 *       error (403, 404, a dropped watch) is not ready until it has listed again; the answer names
 *       the controller, the event source and, per namespace, what is wrong.
 *   <li><b>Live</b>: no informer has stopped for good. fabric8 retries a failed list or watch
 *       forever, except when JOSDK told it not to: an object it cannot deserialize stops the
 *       informer, and nothing restarts it. A restart of the process lists again; without it the
 *       kind would never be reconciled. Starting and stopping are live.
 * </ul>
 */
final class OperatorHealth {
  /**
   * One answer of a probe.
   *
   * @param ok whether the check passed (200) or not (503)
   * @param text the body: {@code ok}, or what is wrong, one line per event source and namespace
   */
  record Probe(boolean ok, String text) {}

  private final BooleanSupplier started;
  private final BooleanSupplier stopping;
  private final Supplier<Map<String, Map<String, EventSourceHealthIndicator>>> unhealthy;

  /**
   * @param started whether the controllers have started
   * @param stopping whether the operator is shutting down
   * @param unhealthy per controller name, its unhealthy event sources by name (JOSDK's {@code
   *     RuntimeInfo.unhealthyEventSources()}); asked only once started
   */
  OperatorHealth(
      BooleanSupplier started,
      BooleanSupplier stopping,
      Supplier<Map<String, Map<String, EventSourceHealthIndicator>>> unhealthy) {
    this.started = started;
    this.stopping = stopping;
    this.unhealthy = unhealthy;
  }

  /** The health of {@code operator}'s controllers. */
  static OperatorHealth of(Operator operator, BooleanSupplier stopping) {
    return new OperatorHealth(
        () -> operator.getRuntimeInfo().isStarted(),
        stopping,
        () -> operator.getRuntimeInfo().unhealthyEventSources());
  }

  /** {@code /readyz}. */
  Probe readiness() {
    if (stopping.getAsBoolean()) {
      return new Probe(false, "not ready: the operator is stopping\n");
    }
    if (!started.getAsBoolean()) {
      return new Probe(false, "not ready: the controllers are starting\n");
    }
    List<String> problems = describe(false);
    return problems.isEmpty()
        ? new Probe(true, "ok\n")
        : new Probe(false, "not ready: unhealthy event sources\n" + String.join("", problems));
  }

  /** {@code /healthz}. */
  Probe liveness() {
    if (stopping.getAsBoolean() || !started.getAsBoolean()) {
      return new Probe(true, "ok\n");
    }
    List<String> stopped = describe(true);
    return stopped.isEmpty()
        ? new Probe(true, "ok\n")
        : new Probe(
            false,
            "not live: informers stopped for good; a restart lists again\n"
                + String.join("", stopped));
  }

  /**
   * One line per unhealthy event source (per namespace for informers): {@code controller/source
   * [resources] (namespace): what}.
   *
   * @param onlyStopped only informers that stopped for good
   */
  private List<String> describe(boolean onlyStopped) {
    List<String> lines = new ArrayList<>();
    new TreeMap<>(unhealthy.get())
        .forEach(
            (controller, sources) ->
                new TreeMap<>(sources)
                    .forEach(
                        (name, source) -> {
                          String at = controller + "/" + name + watched(source);
                          if (source instanceof InformerWrappingEventSourceHealthIndicator<?> i) {
                            new TreeMap<>(i.informerHealthIndicators())
                                .forEach(
                                    (namespace, informer) ->
                                        describe(at, namespace, informer, onlyStopped, lines));
                          } else if (!onlyStopped) {
                            lines.add(at + ": " + source.getStatus() + "\n");
                          }
                        }));
    return lines;
  }

  /** {@code " [plural.group]"}: the resources an event source watches, where it says. */
  private static String watched(EventSourceHealthIndicator source) {
    return source instanceof EventSource<?, ?> eventSource
        ? " [" + HasMetadata.getFullResourceName(eventSource.resourceType()) + "]"
        : "";
  }

  private static void describe(
      String at,
      String namespace,
      InformerHealthIndicator informer,
      boolean onlyStopped,
      List<String> lines) {
    boolean running = informer.isRunning();
    if (onlyStopped && running) {
      return;
    }
    List<String> what = new ArrayList<>();
    if (!running) {
      what.add("informer stopped");
    } else {
      if (!informer.hasSynced()) {
        what.add("not synced");
      }
      if (!informer.isWatching()) {
        what.add("not watching");
      }
    }
    if (what.isEmpty()) {
      return; // this namespace's informer is healthy; another one of the source is not
    }
    String where =
        Constants.WATCH_ALL_NAMESPACES.equals(namespace)
            ? "all namespaces"
            : "namespace " + namespace;
    lines.add(at + " (" + where + "): " + String.join(", ", what) + "\n");
  }
}
