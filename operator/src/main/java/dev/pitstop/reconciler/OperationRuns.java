package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The run lifecycle DatabaseMigration, SandboxReset and CleanupSchedule share: at most one job per
 * resource on {@link BackgroundWork}, its progress and result published in status, a retry after a
 * backoff when it failed for a reason that may pass. What a kind's run does, what makes one due and
 * how its status reads is the kind's {@link Operation}; the order of the steps is here.
 *
 * <p>Each reconcile goes one way: a job that runs is observed; a job that finished is published,
 * then what is due next is decided; with no job, the spec is read (or refused) and what is due is
 * decided; a run that is due waits out its backoff, then the maintenance window, then a free
 * worker, and starts.
 *
 * <p>Jobs and what is remembered between reconciles (see {@link Stage}) go by the resource's UID: a
 * resource deleted and created again under the same name starts afresh, and what a deleted resource
 * left is dropped once the informer no longer has it and no job of it runs.
 *
 * @param <P> the resource
 * @param <X> the kind's request: its spec, read and checked
 * @param <T> what a started run serves (its ticket), remembered while its job runs and until its
 *     result is published
 * @param <G> the progress a job reports
 * @param <O> the outcome a job returns
 */
public final class OperationRuns<P extends CustomResource<?, ? extends PitstopStatus>, X, T, G, O> {
  /** How soon to look at a running job again in case a wake-up was lost. */
  public static final Duration WHILE_RUNNING = Duration.ofSeconds(15);

  static final Duration WHILE_WAITING = Duration.ofMinutes(1);
  static final Duration WHILE_BUSY = Duration.ofSeconds(5);
  static final Duration UNTIL_CONFIRMED = Duration.ofSeconds(1);

  /**
   * The shortest wait after a failure only a change fixes (a wrong password, a missing database):
   * such a run is retried when the database Secret changes, else slowly.
   */
  public static final Duration NEEDS_A_FIX = Duration.ofMinutes(5);

  /** How long deletion waits for a cancelled run to stop before the finalizer goes anyway. */
  static final Duration DELETION_WAIT = Duration.ofSeconds(30);

  private final String kind;
  private final Supplier<? extends PitstopStatus> newStatus;
  private final Operation<P, X, T, G, O> operation;
  private final OperationReferences<P> references;
  private final Services services;
  private final SimpleInboundEventSource<P> wakeups;
  private final Map<String, Remembered<T>> remembered = new ConcurrentHashMap<>();

  /**
   * Where a resource's run stands between two reconciles.
   *
   * <ul>
   *   <li>{@code IDLE → RUNNING}: a run is due, its backoff (if any) has passed, the maintenance
   *       window is open and a worker took the job.
   *   <li>{@code RUNNING → FINISHED}: the job ended; its wake-up brings the reconcile that
   *       publishes it.
   *   <li>{@code FINISHED → PUBLISHED}: the result went into status, with its Events and metrics;
   *       the job is kept until a reconcile sees the result in status, so a lost status write is
   *       made again (without the Events) instead of losing the run or starting it again.
   *   <li>{@code FINISHED → IDLE}, {@code PUBLISHED → IDLE}: status shows the result (or the kind
   *       keeps none); the job is forgotten.
   *   <li>{@code FINISHED → BACKING_OFF}: the run failed for a reason that may pass (the database
   *       could not be reached); the same run starts again once the backoff has passed ({@code
   *       BACKING_OFF → RUNNING}), each failure doubling the wait.
   *   <li>{@code BACKING_OFF → IDLE}: another run became due first (a new generation or request); a
   *       retried run that ends is published as any other.
   *   <li>any stage {@code → IDLE}: the resource was deleted; once no job of it runs, nothing of it
   *       is remembered.
   * </ul>
   */
  public enum Stage {
    IDLE,
    RUNNING,
    FINISHED,
    PUBLISHED,
    BACKING_OFF
  }

  /** What is remembered of one resource between reconciles, by UID. */
  private record Remembered<T>(ResourceID id, T ticket, boolean published, Retry retry) {}

  /**
   * A run that failed {@code failures} times in a row for a reason that may pass.
   *
   * @param secretVersion the database Secret's resourceVersion at the failure: a new one retries at
   *     once
   */
  private record Retry(String runKey, int failures, Instant notBefore, String secretVersion) {}

  /**
   * What the operator gives every kind's reconciler (MaintenanceWindow's too, which has no runs).
   *
   * @param targets the databases, pooled
   * @param work the workers jobs run on
   * @param backoff the waits between retries of a run that failed for a reason that may pass
   * @param clock the time runs are decided by
   * @param notifier sends the kinds' chat messages ({@link RunNotices}); null sends none
   * @param gate every reconcile and deletion passes through it; closed, they do nothing (the
   *     operator is stopping)
   */
  public record Services(
      DatabaseTargets targets,
      BackgroundWork work,
      EventRecorder events,
      PitstopMetrics metrics,
      ExponentialBackoff backoff,
      Clock clock,
      WebhookNotifier notifier,
      ReconcileGate gate) {}

  /**
   * @param kind the resource's kind, for job keys
   * @param newStatus an empty status of the kind, for a resource that has none yet
   * @param operation the kind's steps
   * @param references what the kind's resources reference by name
   */
  public OperationRuns(
      String kind,
      Supplier<? extends PitstopStatus> newStatus,
      Operation<P, X, T, G, O> operation,
      OperationReferences<P> references,
      Services services) {
    this.kind = kind;
    this.newStatus = newStatus;
    this.operation = operation;
    this.references = references;
    this.services = services;
    this.wakeups = new SimpleInboundEventSource<>(kind.toLowerCase(Locale.ROOT) + "-work");
  }

  /** The event sources of what the kind references, then the wake-ups of its jobs. */
  public List<EventSource<?, P>> eventSources(EventSourceContext<P> context) {
    return references.eventSources(context, wakeups);
  }

  /**
   * One reconcile: the step that is due, then status written if it changed. Once the operator is
   * stopping ({@link ReconcileGate} closed) nothing: the next operator reconciles the resource.
   */
  public UpdateControl<P> reconcile(P resource, Context<P> context) {
    return services.gate().through(() -> reconcileNow(resource, context), UpdateControl.noUpdate());
  }

  private UpdateControl<P> reconcileNow(P resource, Context<P> context) {
    forgetDeleted(id -> context.getPrimaryCache().get(id));
    services
        .metrics()
        .forgetAllBut(
            kind,
            (namespace, name) ->
                context.getPrimaryCache().get(new ResourceID(name, namespace)).isPresent());
    String before = StatusPatch.snapshot(withStatus(resource));
    observed(resource);
    Duration after = advance(resource, context);
    observed(resource);
    UpdateControl<P> control = UpdateControl.noUpdate();
    if (!StatusPatch.ifChanged(resource, before, context)) {
      return control.rescheduleAfter(StatusPatch.AFTER_CONFLICT);
    }
    return after == null ? control : control.rescheduleAfter(after);
  }

  /**
   * Takes the step that is due, changing status in place.
   *
   * @return when to look again; null for when something changes
   */
  Duration advance(P resource, Context<P> context) {
    OperationPass<P, T> pass =
        new OperationPass<>(
            this, withStatus(resource), context, services.clock().instant(), ticket(resource));
    Optional<BackgroundWork.Job<G, O>> job = services.work().find(pass.key);
    Stage stage = stage(pass.key, job);
    cancelIfAsked(pass, stage == Stage.RUNNING ? job.get() : null);
    if (stage == Stage.RUNNING) {
      return operation.observe(pass, job.get());
    }
    X request = null;
    SpecException invalid = null;
    try {
      request = operation.prepare(pass);
    } catch (SpecException e) {
      invalid = e;
    }
    if ((stage == Stage.FINISHED || stage == Stage.PUBLISHED)
        && published(pass, job.get(), request, stage == Stage.FINISHED)) {
      return UNTIL_CONFIRMED;
    }
    if (invalid != null) {
      refuse(pass, invalid);
      return null;
    }
    return start(pass, request, operation.decide(pass, request));
  }

  /**
   * A new value of the cancel annotation cancels the running job; with none running it is noted and
   * nothing else happens (a later run is not cancelled by it).
   */
  private void cancelIfAsked(OperationPass<P, T> pass, BackgroundWork.Job<G, O> running) {
    P resource = pass.resource();
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    String cancel = annotations == null ? null : annotations.get(Pitstop.CANCEL);
    PitstopStatus status = resource.getStatus();
    if (cancel == null || cancel.equals(status.observedCancel)) {
      return;
    }
    status.observedCancel = cancel;
    if (running != null && running.cancel("the annotation " + Pitstop.CANCEL + "=" + cancel)) {
      services
          .events()
          .normal(
              resource,
              "CancelRequested",
              "Cancelling the running "
                  + kind
                  + ": its statement is cancelled on the server, its transaction rolls back, and"
                  + " nothing further starts");
    } else {
      services
          .events()
          .normal(
              resource, "NothingToCancel", Pitstop.CANCEL + "=" + cancel + ": no run was going");
    }
  }

  /**
   * Deletion of a resource whose run is going: the run is cancelled and the finalizer stays until
   * it has stopped (its result goes into an Event), at most {@link #DELETION_WAIT} after deletion
   * began. Once the finalizer goes, the resource's metrics go too. Once the operator is stopping
   * ({@link ReconcileGate} closed) nothing: the finalizer stays for the next operator.
   */
  public DeleteControl cleanup(P resource, Context<P> context) {
    return services
        .gate()
        .through(() -> cleanupNow(resource, context), DeleteControl.noFinalizerRemoval());
  }

  private DeleteControl cleanupNow(P resource, Context<P> context) {
    DeleteControl control = stopForDeletion(resource, context);
    if (control.isRemoveFinalizer()) {
      services
          .metrics()
          .forget(kind, resource.getMetadata().getNamespace(), resource.getMetadata().getName());
    } else {
      observed(resource);
    }
    return control;
  }

  /** The resource's series: counters at 0 the first time, its phase and readiness. */
  private void observed(P resource) {
    services
        .metrics()
        .observed(
            kind,
            resource.getMetadata().getNamespace(),
            resource.getMetadata().getName(),
            resource.getStatus());
  }

  private DeleteControl stopForDeletion(P resource, Context<P> context) {
    OperationPass<P, T> pass =
        new OperationPass<>(
            this, withStatus(resource), context, services.clock().instant(), ticket(resource));
    Optional<BackgroundWork.Job<G, O>> job = services.work().find(pass.key);
    if (job.isEmpty()) {
      remembered.remove(pass.key.uid());
      return DeleteControl.defaultDelete();
    }
    BackgroundWork.Job<G, O> j = job.get();
    if (!j.isDone()) {
      if (j.cancel("deletion")) {
        services
            .events()
            .normal(
                resource,
                "CancelRequested",
                "Deleted while its "
                    + kind
                    + " runs: the run is cancelled; deletion waits for it to stop (at most "
                    + DELETION_WAIT.toSeconds()
                    + " s)");
      }
      if (deletedFor(resource, pass.now()).compareTo(DELETION_WAIT) < 0) {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMillis(500));
      }
      services
          .events()
          .warning(
              resource,
              "CancelTimedOut",
              "The cancelled run had not stopped "
                  + DELETION_WAIT.toSeconds()
                  + " s after deletion; the finalizer is removed, the run stops at its next step");
      return DeleteControl.defaultDelete();
    }
    // Finished (cancelled or not): say what it did, since status goes with the resource.
    pass.finished = j;
    pass.first = true;
    X request = null;
    try {
      request = operation.prepare(pass);
    } catch (SpecException e) {
      // published without the spec
    }
    operation.publish(pass, j, request);
    services
        .events()
        .normal(
            resource,
            "DeletedAfterRun",
            "The run stopped before the resource was deleted: " + resource.getStatus().message);
    services.work().forget(pass.key);
    remembered.remove(pass.key.uid());
    return DeleteControl.defaultDelete();
  }

  private static Duration deletedFor(HasMetadata resource, Instant now) {
    String since = resource.getMetadata().getDeletionTimestamp();
    return since == null ? Duration.ZERO : Duration.between(Instant.parse(since), now);
  }

  /** Where the run of {@code resource} (by UID) stands. */
  Stage stage(P resource) {
    BackgroundWork.Key key = BackgroundWork.Key.of(kind, resource);
    return stage(key, services.work().find(key));
  }

  private Stage stage(BackgroundWork.Key key, Optional<BackgroundWork.Job<G, O>> job) {
    Remembered<T> r = remembered.get(key.uid());
    if (job.isPresent()) {
      return !job.get().isDone()
          ? Stage.RUNNING
          : r != null && r.published() ? Stage.PUBLISHED : Stage.FINISHED;
    }
    return r != null && r.retry() != null ? Stage.BACKING_OFF : Stage.IDLE;
  }

  /** How many resources something is remembered of: at most the live ones, and those with a job. */
  int remembered() {
    return remembered.size();
  }

  /**
   * Drops what is remembered of resources the informer no longer has (by UID), with their finished
   * jobs; a running job's entry stays until it has ended.
   *
   * @param cache the controller's cache of the kind's resources
   */
  void forgetDeleted(Function<ResourceID, Optional<P>> cache) {
    remembered.forEach(
        (uid, r) -> {
          boolean live =
              cache
                  .apply(r.id())
                  .map(p -> BackgroundWork.Key.of(kind, p).uid().equals(uid))
                  .orElse(false);
          BackgroundWork.Key key = new BackgroundWork.Key(kind, uid, r.id());
          if (!live) {
            services.work().forget(key);
            if (!services.work().isRunning(key)) {
              remembered.remove(uid, r);
            }
          }
        });
  }

  /**
   * Publishes a finished job; true when it is kept until status shows its result. A job that is not
   * kept is forgotten, and with it the retry state unless the kind asked for a retry.
   *
   * @param first whether the job is published for the first time (stage FINISHED)
   */
  private boolean published(
      OperationPass<P, T> pass, BackgroundWork.Job<G, O> job, X request, boolean first) {
    String uid = pass.key.uid();
    Remembered<T> r = remembered.get(uid);
    if (r != null && first) {
      remembered.put(uid, new Remembered<>(r.id(), r.ticket(), true, r.retry()));
    }
    pass.finished = job;
    pass.first = first;
    boolean keep = operation.publish(pass, job, request) && !pass.retried;
    pass.finished = null;
    if (pass.retried) {
      services
          .events()
          .warning(pass.resource(), "RetryScheduled", pass.resource().getStatus().message);
    }
    if (keep) {
      return true;
    }
    services.work().forget(pass.key);
    Retry retry = pass.retried ? remembered.get(uid).retry() : null;
    if (retry == null) {
      remembered.remove(uid);
    } else {
      remembered.put(uid, new Remembered<>(pass.key.resource(), null, false, retry));
    }
    return false;
  }

  /** Writes the refusal; a Warning Event follows when it changed the status message. */
  private void refuse(OperationPass<P, T> pass, SpecException e) {
    PitstopStatus status = pass.resource().getStatus();
    services.events().refused(pass.resource(), status, e, () -> operation.refused(pass, e));
  }

  private Duration start(OperationPass<P, T> pass, X request, Operation.Due<T> due) {
    if (due.run() == null) {
      return due.lookAgain().apply(null);
    }
    Duration backingOff = backingOff(pass, due.runKey());
    if (backingOff != null) {
      return due.lookAgain().apply(backingOff);
    }
    if (due.gated()) {
      WindowGate.Decision gate = references.gate(pass.resource(), pass.context(), pass.now());
      if (!gate.open()) {
        operation.waitingForWindow(pass, gate.waitingFor());
        return due.lookAgain().apply(WHILE_WAITING);
      }
    }
    Operation.Launch<G, O> launch;
    try {
      launch = operation.launch(pass, request, due.run());
    } catch (SpecException e) {
      refuse(pass, e);
      return null;
    }
    ResourceID id = pass.key.resource();
    if (services
        .work()
        .start(
            pass.key,
            due.runKey(),
            launch.work(),
            () -> wakeups.propagateEvent(id),
            launch.cancelStatements())
        .isEmpty()) {
      pass.resource().getStatus().message =
          services.work().isClosing()
              ? "a run is due; this operator is stopping, the next one starts it"
              : "a run is due; waiting for a free worker to start it";
      return due.lookAgain().apply(WHILE_BUSY);
    }
    Remembered<T> r = remembered.get(pass.key.uid());
    remembered.put(
        pass.key.uid(), new Remembered<>(id, due.run(), false, r == null ? null : r.retry()));
    launch.started().run();
    return due.lookAgain().apply(WHILE_RUNNING);
  }

  /** How long the run {@code runKey} still waits after a transient failure; null if it need not. */
  private Duration backingOff(OperationPass<P, T> pass, String runKey) {
    Remembered<T> r = remembered.get(pass.key.uid());
    Retry retry = r == null ? null : r.retry();
    if (retry == null) {
      return null;
    }
    if (!retry.runKey().equals(runKey)) {
      remembered.remove(pass.key.uid(), r); // another run is due: it starts afresh
      return null;
    }
    if (!Objects.equals(retry.secretVersion(), secretVersion(pass))) {
      remembered.remove(pass.key.uid(), r); // the Secret changed: try its new values now
      return null;
    }
    return retry.notBefore().isAfter(pass.now())
        ? Duration.between(pass.now(), retry.notBefore())
        : null;
  }

  private String secretVersion(OperationPass<P, T> pass) {
    return references.secretVersion(pass.resource(), pass.context());
  }

  Duration retryLater(OperationPass<P, T> pass, boolean needsAFix) {
    if (pass.finished == null) {
      throw new IllegalStateException("only a finished run is retried");
    }
    String uid = pass.key.uid();
    Remembered<T> r = remembered.get(uid);
    Retry last = r == null ? null : r.retry();
    String runKey = pass.finished.runKey();
    int failures = last != null && last.runKey().equals(runKey) ? last.failures() + 1 : 1;
    Duration delay = services.backoff().delay(failures);
    if (needsAFix && delay.compareTo(NEEDS_A_FIX) < 0) {
      delay = NEEDS_A_FIX;
    }
    remembered.put(
        uid,
        new Remembered<>(
            pass.key.resource(),
            r == null ? null : r.ticket(),
            r != null && r.published(),
            new Retry(runKey, failures, pass.now().plus(delay), secretVersion(pass))));
    pass.retried = true;
    return delay;
  }

  String kind() {
    return kind;
  }

  Services services() {
    return services;
  }

  /** The ticket of the resource's run that runs or just finished, or null. */
  private T ticket(P resource) {
    Remembered<T> r = remembered.get(BackgroundWork.Key.of(kind, resource).uid());
    return r == null ? null : r.ticket();
  }

  DatabaseTargets.Target target(P resource, Context<P> context) throws SpecException {
    return references.target(services.targets(), resource, context);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private P withStatus(P resource) {
    if (resource.getStatus() == null) {
      ((CustomResource) resource).setStatus(newStatus.get());
    }
    return resource;
  }
}
