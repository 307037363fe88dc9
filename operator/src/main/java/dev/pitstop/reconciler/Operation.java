package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A kind's reconciler: what differs between the kinds at each step (its status texts, Events and
 * metrics); the lifecycle ({@link #runs()}) decides which step comes. A kind names {@code
 * Reconciler<P>} in its own implements clause too, where JOSDK looks for the resource class.
 */
public interface Operation<P extends CustomResource<?, ? extends PitstopStatus>, X, T, G, O>
    extends Reconciler<P>, Cleaner<P> {
  /** The lifecycle of this kind's runs. */
  OperationRuns<P, X, T, G, O> runs();

  @Override
  default List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
    return runs().eventSources(context);
  }

  @Override
  default UpdateControl<P> reconcile(P resource, Context<P> context) {
    return runs().reconcile(resource, context);
  }

  /** Deletion cancels a running run and waits (bounded) for it to stop; see OperationRuns. */
  @Override
  default DeleteControl cleanup(P resource, Context<P> context) {
    return runs().cleanup(resource, context);
  }

  /** Reads and checks the spec (no job runs); may note a new request in status. */
  X prepare(OperationPass<P, T> pass) throws SpecException;

  /** A job runs: its progress into status. Returns when to look again. */
  Duration observe(OperationPass<P, T> pass, BackgroundWork.Job<G, O> job);

  /**
   * A job finished: its result into status, and its Events and metrics when {@link
   * Pass#firstPublication()}. For a transient failure, status says when {@link
   * OperationPass#retryLater()} retries instead.
   *
   * @param request the spec now, or null when it is invalid (it is refused after this)
   * @return true when the result went into status and the job must be kept until a reconcile sees
   *     it there; false to forget the job now
   */
  boolean publish(OperationPass<P, T> pass, BackgroundWork.Job<G, O> job, X request);

  /** The spec (or what it references) is invalid: the refusal into status. */
  void refused(OperationPass<P, T> pass, SpecException e);

  /** No job runs: what is due now, if anything, with idle status when nothing is. */
  Due<T> decide(OperationPass<P, T> pass, X request);

  /** The run that is due waits for its maintenance window. */
  void waitingForWindow(OperationPass<P, T> pass, String waitingFor);

  /**
   * The job of the run that is due, ready to start.
   *
   * @throws SpecException when it cannot start (e.g. the database Secret is missing); refused
   */
  Launch<G, O> launch(OperationPass<P, T> pass, X request, T run) throws SpecException;

  /**
   * What a kind found due with no job running.
   *
   * @param run what the run serves (its ticket), or null when nothing is due
   * @param runKey identifies the run: after a transient failure the same key waits for its backoff,
   *     another key starts afresh
   * @param gated whether the run waits for the maintenance window
   * @param lookAgain when to reconcile again, given the lifecycle's own wait (null: none); a
   *     scheduled kind shortens it to its next fire time
   */
  record Due<T>(T run, String runKey, boolean gated, UnaryOperator<Duration> lookAgain) {
    /** Nothing to start; look again after {@code after} (null: when something changes). */
    public static <T> Due<T> nothing(Duration after) {
      return new Due<>(null, null, false, within -> after);
    }

    /** A run to start. */
    public static <T> Due<T> run(
        T run, String runKey, boolean gated, UnaryOperator<Duration> lookAgain) {
      return new Due<>(run, runKey, gated, lookAgain);
    }
  }

  /**
   * A job ready to start.
   *
   * @param work what the worker runs; reports progress to the sink it gets
   * @param started records the start in status and Events once a worker took the job
   * @param cancelStatements cancels the job's statements running on the server when the run is
   *     cancelled (annotation or deletion)
   */
  record Launch<G, O>(Function<Consumer<G>, O> work, Runnable started, Runnable cancelStatements) {
    /** A job whose statements are cancelled through {@code sessions}. */
    public Launch(Function<Consumer<G>, O> work, Runnable started, WorkSessions sessions) {
      this(work, started, (Runnable) sessions::cancelRunningStatements);
    }
  }
}
