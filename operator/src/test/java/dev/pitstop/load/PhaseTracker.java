package dev.pitstop.load;

import dev.pitstop.api.v1alpha1.ExpectedPhase;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Watches resources of the load test and notes, per resource, when the operator first wrote its
 * status for the current generation (creation to that moment is the reconcile queue latency plus
 * one reconcile) and when it reached its {@link ExpectedPhase}.
 */
final class PhaseTracker implements AutoCloseable {
  private final Map<String, Long> createdNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> firstStatusNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> expectedNanos = new ConcurrentHashMap<>();
  private final Map<String, String> lastPhase = new ConcurrentHashMap<>();
  private final List<Watch> watches = new ArrayList<>();

  /** Watches one kind, reading its phase with {@code phase}. */
  <S extends PitstopStatus, R extends CustomResource<?, S>> void watch(
      KubernetesClient client, Class<R> kind, Function<S, Object> phase) {
    watches.add(
        client
            .resources(kind)
            .inNamespace(LoadFixtures.NAMESPACE)
            .watch(
                new Watcher<R>() {
                  @Override
                  public void eventReceived(Action action, R resource) {
                    observe(resource, resource.getStatus(), phase);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                }));
  }

  /** Call just before creating a resource. */
  void creating(HasMetadata resource) {
    createdNanos.put(key(resource), System.nanoTime());
  }

  private <S extends PitstopStatus> void observe(
      HasMetadata resource, S status, Function<S, Object> phase) {
    long now = System.nanoTime();
    if (status == null
        || status.observedGeneration == null
        || !status.observedGeneration.equals(resource.getMetadata().getGeneration())) {
      return;
    }
    String key = key(resource);
    firstStatusNanos.putIfAbsent(key, now);
    Object current = phase.apply(status);
    lastPhase.put(key, String.valueOf(current));
    if (current != null && ExpectedPhase.of(resource).contains(current.toString())) {
      expectedNanos.putIfAbsent(key, now);
    }
  }

  int reachedExpectedPhase() {
    return expectedNanos.size();
  }

  /** The moment the last resource reached its expected phase. */
  long lastExpectedNanos() {
    return expectedNanos.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /** Creation-to-first-status latencies in milliseconds, sorted. */
  List<Long> firstStatusLatenciesMillis() {
    return firstStatusNanos.entrySet().stream()
        .filter(e -> createdNanos.containsKey(e.getKey()))
        .map(e -> (e.getValue() - createdNanos.get(e.getKey())) / 1_000_000)
        .sorted()
        .toList();
  }

  /**
   * Milliseconds from {@code startNanos} (e.g. the operator's start, with every resource already
   * created) to each resource's first status, sorted.
   */
  List<Long> firstStatusMillisSince(long startNanos) {
    return firstStatusNanos.values().stream()
        .map(nanos -> (nanos - startNanos) / 1_000_000)
        .sorted()
        .toList();
  }

  /** Resources not (yet) in their expected phase, with their last phase, for failure messages. */
  Map<String, String> lagging() {
    Map<String, String> lagging = new java.util.TreeMap<>();
    createdNanos.keySet().stream()
        .filter(k -> !expectedNanos.containsKey(k))
        .limit(20)
        .forEach(k -> lagging.put(k, lastPhase.getOrDefault(k, "no status")));
    return lagging;
  }

  static long percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static String key(HasMetadata resource) {
    return resource.getKind() + "/" + resource.getMetadata().getName();
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
