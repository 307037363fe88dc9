package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.Reachability;
import dev.pitstop.database.ReachabilityReason;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One reconcile of one resource: what it is, when, and the ticket of its run (running or just
 * finished).
 */
public final class OperationPass<P extends CustomResource<?, ? extends PitstopStatus>, T> {
  private final OperationRuns<P, ?, T, ?, ?> runs;
  private final P resource;
  private final Context<P> context;
  final BackgroundWork.Key key;
  private final long generation;
  private final Instant now;
  private final T ticket;
  BackgroundWork.Job<?, ?> finished;
  boolean first;
  boolean retried;

  OperationPass(
      OperationRuns<P, ?, T, ?, ?> runs, P resource, Context<P> context, Instant now, T ticket) {
    this.runs = runs;
    this.resource = resource;
    this.context = context;
    this.key = BackgroundWork.Key.of(runs.kind(), resource);
    Long g = resource.getMetadata().getGeneration();
    this.generation = g == null ? 0 : g;
    this.now = now;
    this.ticket = ticket;
  }

  public P resource() {
    return resource;
  }

  public Context<P> context() {
    return context;
  }

  public long generation() {
    return generation;
  }

  /** The time of this reconcile, from the operator's clock. */
  public Instant now() {
    return now;
  }

  /** The ticket of the run that runs or just finished, or null. */
  public T ticket() {
    return ticket;
  }

  /** The database of the resource's {@code spec.database}, connected through a pool. */
  public DatabaseTargets.Target target() throws SpecException {
    return runs.target(resource, context);
  }

  public EventRecorder events() {
    return runs.services().events();
  }

  public PitstopMetrics metrics() {
    return runs.services().metrics();
  }

  /**
   * Sends the chat message {@code spec.notify} asks for about {@code result} (its text: {@code
   * message}), recording NotificationDelivered in status; once per result (first publication).
   */
  public void notify(
      dev.pitstop.api.v1alpha1.RunNotify notify,
      dev.pitstop.api.v1alpha1.RunNotify.Result result,
      String message,
      java.util.function.Function<
              String, java.util.Optional<io.fabric8.kubernetes.api.model.Secret>>
          secrets) {
    RunNotices.send(
        runs.services().notifier(),
        resource,
        resource.getStatus(),
        notify,
        result,
        message,
        secrets,
        generation,
        now);
  }

  /** The operator's clock, for work that keeps time on a worker. */
  public Clock clock() {
    return runs.services().clock();
  }

  /**
   * While publishing: whether this job's result is published for the first time; its Events and
   * metrics are recorded only then (a later publication repeats a status write that was lost).
   */
  public boolean firstPublication() {
    return first;
  }

  /**
   * While publishing: the finished run failed for a reason that may pass; it starts again after a
   * backoff that grows with each failure in a row.
   *
   * @return the wait, to show in status
   */
  public Duration retryLater() {
    return runs.retryLater(this, false);
  }

  /**
   * As {@link #retryLater()} after a database that could not be reached: a failure only a change
   * fixes ({@link ReachabilityReason#needsAFix()}: a wrong password, a missing database, TLS) waits
   * at least {@link OperationRuns#NEEDS_A_FIX} instead of retrying fast. Either way a change of the
   * database Secret retries at once.
   */
  public Duration retryLater(Reachability reachability) {
    return runs.retryLater(this, reachability != null && reachability.reason().needsAFix());
  }

  /**
   * Why the database could not be reached, from a run's failure: the condition reason and one
   * sentence naming the target, with the server's own words for a login, database or TLS problem.
   */
  public Reachability reachability(Throwable failure) {
    ConnectionSettings settings = null;
    String databaseNameFrom = null;
    try {
      settings = target().settings();
      databaseNameFrom = target().databaseNameFrom();
    } catch (SpecException e) {
      // described without the target
    }
    return Reachability.unreachable(failure, settings, databaseNameFrom);
  }

  /**
   * While publishing: why the finished run was cancelled (the annotation, or deletion), if it was.
   * A cancelled run is never retried; whatever it reports is shown as cancelled.
   */
  public java.util.Optional<String> cancelled() {
    return finished == null ? java.util.Optional.empty() : finished.cancelReason();
  }
}
