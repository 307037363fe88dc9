package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.OperationRuns;
import dev.pitstop.reconciler.PitstopMetrics;
import dev.pitstop.reconciler.ReconcileGate;
import dev.pitstop.reconciler.ReferencedObjects;
import dev.pitstop.reconciler.RunNotices;
import dev.pitstop.reconciler.StatusPatch;
import dev.pitstop.reconciler.maintenancewindow.model.WindowCalendar;
import dev.pitstop.reconciler.maintenancewindow.model.WindowRequests;
import dev.pitstop.reconciler.maintenancewindow.model.WindowStatuses;
import dev.pitstop.reconciler.maintenancewindow.model.WindowTransitions;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a MaintenanceWindow through {@link WindowPhase}'s state machine ({@link
 * WindowTransitions}): opens windows on demand or on schedule, drains ({@link WindowDraining}),
 * lists the operations running inside ({@code status.holders}), and restores ({@link
 * WindowRestoring}) when the window closes, fails or is deleted (finalizer). Workloads, Jobs and
 * Pods are watched through informers; the database side runs on worker threads. No SQL here.
 */
@ControllerConfiguration(name = "maintenancewindow", generationAwareEventProcessing = false)
public final class MaintenanceWindowReconciler
    implements Reconciler<MaintenanceWindow>, Cleaner<MaintenanceWindow> {
  static final String KIND = "MaintenanceWindow";

  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceWindowReconciler.class);
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final int MAX_STEPS = 5;

  private final EventRecorder events;
  private final PitstopMetrics metrics;
  private final Clock clock;
  private final ReconcileGate gate;
  private final WindowDatabase database;
  private final WindowDraining draining;
  private final WindowRestoring restoring;
  private final WindowActive active;
  private final WindowPhases phases;
  private final SimpleInboundEventSource<MaintenanceWindow> wakeups =
      new SimpleInboundEventSource<>("window-work");
  private final ReferencedObjects<Secret, MaintenanceWindow> secrets =
      new ReferencedObjects<>(Secret.class, "window-secrets", WindowDatabase::secretNames);

  public MaintenanceWindowReconciler(KubernetesClient client, OperationRuns.Services services) {
    this.events = services.events();
    this.metrics = services.metrics();
    this.clock = services.clock();
    this.gate = services.gate();
    this.database =
        new WindowDatabase(services.targets(), services.backoff(), wakeups, secrets, events);
    WindowDatabaseJobs jobs = new WindowDatabaseJobs(services.work());
    WorkloadDrain workloads = new WorkloadDrain(client);
    this.draining = new WindowDraining(database, jobs, workloads, events);
    this.restoring = new WindowRestoring(database, jobs, workloads, events);
    this.active = new WindowActive(draining, events);
    this.phases =
        new WindowPhases(
            events,
            metrics,
            (pass, result, message) ->
                RunNotices.send(
                    services.notifier(),
                    pass.window,
                    pass.status,
                    pass.window.getSpec() == null ? null : pass.window.getSpec().notify,
                    result,
                    message,
                    name -> secrets.get(pass.context, name),
                    pass.generation,
                    pass.now));
  }

  @Override
  public List<EventSource<?, MaintenanceWindow>> prepareEventSources(
      EventSourceContext<MaintenanceWindow> context) {
    List<EventSource<?, MaintenanceWindow>> sources =
        new ArrayList<>(WindowSources.eventSources(context));
    sources.add(secrets.eventSource(context));
    sources.add(wakeups);
    return sources;
  }

  /** Once the operator is stopping ({@link ReconcileGate} closed) nothing. */
  @Override
  public UpdateControl<MaintenanceWindow> reconcile(
      MaintenanceWindow window, Context<MaintenanceWindow> context) {
    return gate.through(() -> reconcileNow(window, context), UpdateControl.noUpdate());
  }

  private UpdateControl<MaintenanceWindow> reconcileNow(
      MaintenanceWindow window, Context<MaintenanceWindow> context) {
    metrics.forgetAllBut(
        KIND,
        (namespace, name) ->
            context.getPrimaryCache().get(new ResourceID(name, namespace)).isPresent());
    WindowPass pass;
    try {
      pass = run(window, context, false);
    } catch (StatusPatch.Superseded e) {
      LOG.debug("{}; reconciling again from the newer version", e.getMessage());
      return UpdateControl.<MaintenanceWindow>noUpdate()
          .rescheduleAfter(StatusPatch.AFTER_CONFLICT);
    }
    observed(window);
    return UpdateControl.<MaintenanceWindow>noUpdate().rescheduleAfter(pass.after(LONG));
  }

  /**
   * Once the operator is stopping ({@link ReconcileGate} closed) nothing: the finalizer stays for
   * the next operator.
   */
  @Override
  public DeleteControl cleanup(MaintenanceWindow window, Context<MaintenanceWindow> context) {
    return gate.through(() -> cleanupNow(window, context), DeleteControl.noFinalizerRemoval());
  }

  private DeleteControl cleanupNow(MaintenanceWindow window, Context<MaintenanceWindow> context) {
    WindowPass pass;
    try {
      pass = run(window, context, true);
    } catch (StatusPatch.Superseded e) {
      LOG.debug("{}; reconciling again from the newer version", e.getMessage());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(StatusPatch.AFTER_CONFLICT);
    }
    WindowPhase phase = window.getStatus().phase;
    boolean settled =
        phase != WindowPhase.Draining
            && phase != WindowPhase.Active
            && phase != WindowPhase.Restoring
            && !WindowRestoring.pending(window.getStatus(), WindowPhases.usesDatabase(window));
    if (settled && pass.wroteStatus()) {
      // The finalizer goes in a pass that writes no status. JOSDK removes it with a JSON patch
      // computed from the resource as this pass read it, so the patch would repeat this pass's
      // status changes, which the status write already made: the API server refuses to remove a
      // field that is gone (422), and JOSDK retries the same patch until it gives up with a WARN.
      // The next pass reads the written status, changes nothing and removes the finalizer alone.
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ZERO);
    }
    if (settled) {
      database.forget(pass.key);
      draining.forget(pass.key);
      metrics.forget(KIND, window.getMetadata().getNamespace(), window.getMetadata().getName());
      return DeleteControl.defaultDelete();
    }
    observed(window);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(pass.after(Duration.ofSeconds(15)));
  }

  /** The window's series: its runs at 0 the first time, its phase and readiness. */
  private void observed(MaintenanceWindow window) {
    metrics.observed(
        KIND,
        window.getMetadata().getNamespace(),
        window.getMetadata().getName(),
        window.getStatus());
  }

  private WindowPass run(
      MaintenanceWindow window, Context<MaintenanceWindow> context, boolean deleting) {
    String stored = StatusPatch.snapshot(window);
    if (window.getStatus() == null) {
      window.setStatus(new MaintenanceWindowStatus());
    }
    MaintenanceWindowStatus status = window.getStatus();
    if (status.drain == null) {
      status.drain = new DrainStatus();
    }
    Instant now = clock.instant();
    WindowRequests plan = null;
    SpecException invalid = null;
    try {
      plan = WindowRequests.prepare(window);
    } catch (SpecException e) {
      invalid = e;
    }
    WindowCalendar.Window calendar =
        plan == null
            ? new WindowCalendar.Window(false, null, null, null, null)
            : WindowCalendar.at(
                now,
                plan.schedule(),
                plan.duration(),
                plan.active(),
                windowGeneration(window),
                WindowPass.runRequest(window));
    calendar = cancelled(window, calendar);
    WindowPass pass =
        new WindowPass(
            window,
            context,
            now,
            deleting,
            plan,
            invalid,
            calendar,
            WindowSources.holders(context, window),
            stored);
    status.observedGeneration = pass.generation;
    status.holders = pass.holders;
    status.nextWindowStart = WindowPass.time(calendar.nextStart());

    for (int step = 0; step < MAX_STEPS; step++) {
      WindowPhase phase = status.phase == null ? WindowPhase.Idle : status.phase;
      boolean holding = work(pass, phase);
      WindowTransitions.Facts facts =
          new WindowTransitions.Facts(
              plan != null && plan.schedule() != null,
              pass.open(),
              mayStart(pass, phase),
              pass.refused,
              pass.drained,
              pass.failed,
              holding,
              pass.restored);
      WindowPhase next = WindowTransitions.next(status.phase, facts);
      if (next == status.phase) {
        break;
      }
      phases.enter(pass, phase, next);
      pass.drained = false;
      pass.failed = false;
      pass.refused = false;
      pass.restored = false;
    }
    pass.persist();
    return pass;
  }

  /**
   * The generation that identifies an on-demand window: that of the last spec change other than
   * {@code notify} (recorded in status with a digest of the spec without it), so a notify-only edit
   * opens no new window, e.g. after a cancel or a failure.
   */
  private static long windowGeneration(MaintenanceWindow window) {
    MaintenanceWindowStatus status = window.getStatus();
    long generation =
        window.getMetadata().getGeneration() == null ? 0 : window.getMetadata().getGeneration();
    String digest = WindowPass.specDigest(window);
    if (status.windowGeneration == null || !Objects.equals(digest, status.specDigest)) {
      status.windowGeneration = generation;
      status.specDigest = digest;
    }
    return status.windowGeneration;
  }

  /**
   * A new value of the annotation pitstop.dev/cancel closes the window open now: it drains no
   * further and restores what it changed, as when it closes; it stays closed until another window
   * (the next scheduled one, or a new generation or run request with active: true) opens.
   */
  private WindowCalendar.Window cancelled(
      MaintenanceWindow window, WindowCalendar.Window calendar) {
    MaintenanceWindowStatus status = window.getStatus();
    Map<String, String> annotations = window.getMetadata().getAnnotations();
    String cancel = annotations == null ? null : annotations.get(Pitstop.CANCEL);
    if (cancel != null && !cancel.equals(status.observedCancel)) {
      status.observedCancel = cancel;
      if (calendar.open()) {
        status.cancelledWindowId = calendar.id();
        events.normal(
            window,
            "CancelRequested",
            "window "
                + calendar.id()
                + " cancelled by "
                + Pitstop.CANCEL
                + "="
                + cancel
                + ": it drains no further and restores what it changed");
      } else {
        events.normal(
            window, "NothingToCancel", Pitstop.CANCEL + "=" + cancel + ": no window open");
      }
    }
    if (calendar.open() && Objects.equals(calendar.id(), status.cancelledWindowId)) {
      return new WindowCalendar.Window(false, null, null, null, calendar.nextStart());
    }
    return calendar;
  }

  /** The current phase's work; returns whether holders keep an Active window open. */
  private boolean work(WindowPass pass, WindowPhase phase) {
    MaintenanceWindowStatus status = pass.status;
    switch (phase) {
      case Idle, Scheduled -> {
        refuseInvalid(pass);
        if (!pass.refused) {
          phases.rest(pass, phase);
        }
      }
      case Draining -> {
        if (pass.invalid != null) {
          refuseInvalid(pass);
        } else if (pass.open()) {
          draining.work(pass);
        }
      }
      case Active -> {
        return active.work(pass);
      }
      case Restoring -> restoring.work(pass);
      case Failed -> {
        if (WindowRestoring.pending(status, WindowPhases.usesDatabase(pass.window))) {
          // The failure stays the message; the restore's own progress would hide it.
          String failure =
              Conditions.find(status, Condition.FAILED)
                  .map(c -> c.message)
                  .orElse("the drain failed")
                  .replaceFirst("; restoring$", "");
          restoring.work(pass);
          if (pass.restored) {
            events.normal(
                pass.window,
                "Restored",
                "what the failed window changed is back as recorded: connection limits, mode,"
                    + " replicas and suspend flags");
          }
          WindowStatuses.set(
              status,
              WindowPhase.Failed,
              WindowStatuses.failureReason(status),
              failure
                  + (pass.restored
                      ? "; everything was restored"
                      : pass.repointed != null
                          ? "; not restored: " + pass.repointed
                          : "; restoring"),
              !pass.restored,
              pass.generation,
              pass.now);
        } else {
          pass.restored = true;
        }
        refuseInvalid(pass);
      }
    }
    return false;
  }

  private void refuseInvalid(WindowPass pass) {
    if (pass.invalid != null) {
      pass.refused = true;
      pass.failureReason = pass.invalid.reason();
      pass.failureMessage = pass.invalid.getMessage();
    }
  }

  /**
   * A window is open that may start draining: not the one that failed, unless it failed only
   * because the spec was invalid (nothing was changed) and the spec is valid now: it parses, and it
   * is not the spec the database check refused for good (that check passes only with another spec;
   * starting again would fail again, over and over).
   */
  private boolean mayStart(WindowPass pass, WindowPhase phase) {
    if (!pass.open()) {
      return false;
    }
    return phase != WindowPhase.Failed
        || !Objects.equals(pass.calendar.id(), pass.status.windowId)
        || ("InvalidSpec".equals(WindowStatuses.failureReason(pass.status))
            && !database.refusedForGood(pass));
  }
}
