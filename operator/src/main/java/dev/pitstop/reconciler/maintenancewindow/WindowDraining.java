package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.MaintenanceMode;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.RoleRecord;
import dev.pitstop.maintenance.DrainRequest;
import dev.pitstop.maintenance.DrainResult;
import dev.pitstop.maintenance.ErrorCode;
import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.MaintenanceException;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.maintenance.Preflight;
import dev.pitstop.maintenance.RoleLimit;
import dev.pitstop.reconciler.ApiServerAnswer;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.maintenancewindow.model.WindowRequests;
import dev.pitstop.reconciler.model.Sentences;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work of phase Draining, in the order: {@code announce} (check the database, write
 * mode waiting_for_maintenance), {@code workloads} (suspend CronJobs, record and scale workloads to
 * 0, wait for their pods and for active Jobs), {@code database} (wait for tasks and sessions,
 * terminate and block them, then mode maintenance). Also keeps newly selected workloads at 0 while
 * the window is Active.
 */
final class WindowDraining {
  static final String ANNOUNCE = "announce";
  static final String WORKLOADS = "workloads";
  static final String DATABASE = "database";

  private static final Duration WHILE_WAITING = Duration.ofSeconds(15);

  /** How long a workload the spec names may be missing before the drain fails. */
  static final Duration MISSING_GRACE = Duration.ofSeconds(10);

  private final WindowDatabase database;
  private final WindowDatabaseJobs jobs;
  private final WorkloadDrain workloads;
  private final EventRecorder events;

  /** The window id whose ScaledDown Event was recorded, by window UID. */
  private final Map<String, String> reported = new ConcurrentHashMap<>();

  /**
   * The objects reported as changed back during the window, by window UID: its window id and the
   * objects ({@code Kind/name}) reported for it.
   */
  private final Map<String, Map.Entry<String, Set<String>>> changedBack = new ConcurrentHashMap<>();

  WindowDraining(
      WindowDatabase database,
      WindowDatabaseJobs jobs,
      WorkloadDrain workloads,
      EventRecorder events) {
    this.database = database;
    this.jobs = jobs;
    this.workloads = workloads;
    this.events = events;
  }

  /** The first step of a new drain. */
  static String firstStep(WindowRequests plan) {
    return plan.usesDatabase() ? ANNOUNCE : WORKLOADS;
  }

  /**
   * Advances the drain as far as it can now; sets {@code drained}, {@code failed} or {@code
   * refused} on the pass.
   */
  void work(WindowPass pass) {
    DrainStatus drain = pass.status.drain;
    Instant started = WindowPass.parse(drain.startedAt);
    Instant deadline = (started == null ? pass.now : started).plus(pass.plan.timeout());
    if (!pass.now.isBefore(deadline)) {
      fail(
          pass,
          "DrainTimeout",
          "not drained within spec.drain.timeout ("
              + Durations.format(pass.plan.timeout())
              + "): "
              + left(pass));
      return;
    }
    pass.lookAgainAt(deadline);
    if (ANNOUNCE.equals(drain.step) && !announce(pass)) {
      return;
    }
    if (WORKLOADS.equals(drain.step) && !kubernetes(pass)) {
      return;
    }
    if (DATABASE.equals(drain.step)) {
      database(pass);
    }
  }

  /** While Active: workloads that start matching a selector are recorded and scaled too. */
  void keepDrained(WindowPass pass) {
    try {
      WindowSources.Selection selection = WindowSources.select(pass.context, pass.window);
      if (recorded(pass, workloads.record(pass.status.drain, selection, pass.name()))) {
        pass.persist();
      }
      WorkloadDrain.Applied applied = workloads.apply(pass.status.drain, selection, pass.name());
      changedBack(pass, applied);
      int more = applied.patched() - applied.reverted().size();
      if (more > 0) {
        events.normal(pass.window, "ScaledDown", more + " more object(s) suspended or scaled to 0");
      }
    } catch (KubernetesClientException e) {
      pass.lookAgainIn(Duration.ofSeconds(5));
    }
  }

  private boolean announce(WindowPass pass) {
    Optional<WindowDatabaseJobs.Found> found = jobs.find(pass.key);
    if (found.isPresent() && !found.get().job().isDone()) {
      pass.status.message = "checking the database and announcing waiting_for_maintenance";
      pass.lookAgainIn(WHILE_WAITING);
      return false;
    }
    if (found.isPresent()) {
      jobs.forget(pass.key);
      WindowDatabaseJobs.Found done = found.get();
      if (done.kind() == WindowDatabaseJobs.Kind.ANNOUNCE
          && done.windowId().equals(pass.status.windowId)) {
        return announced(pass, done);
      }
    }
    if (!database.due(pass)) {
      return false;
    }
    try {
      MaintenanceEngine engine = database.engine(pass);
      if (!jobs.announce(
          pass.key,
          pass.status.windowId,
          engine,
          WindowDatabase.request(pass).build(),
          database.wake(pass))) {
        pass.lookAgainIn(Duration.ofSeconds(5));
      }
      pass.status.message = "checking the database and announcing waiting_for_maintenance";
      pass.lookAgainIn(WHILE_WAITING);
    } catch (SpecException e) {
      refuse(pass, e.getMessage());
    } catch (WindowDatabase.Repointed e) {
      database.repointed(pass, e);
    }
    return false;
  }

  private boolean announced(WindowPass pass, WindowDatabaseJobs.Found done) {
    Preflight preflight;
    try {
      preflight = done.job().result().preflight();
    } catch (MaintenanceException e) {
      if (e.isTransient()) {
        database.retryLater(pass, null, e);
      } else if (e.mayAppearLater()) {
        refuse(pass, WindowRequests.fieldName(e.field()) + " " + e.getMessage());
      } else {
        // Bad input no database change can fix (a query that writes, returns no number, a mode
        // table of another shape): refused for good, until the spec changes.
        database.refuseForGood(pass);
        fail(pass, "InvalidSpec", WindowRequests.fieldName(e.field()) + " " + e.getMessage());
      }
      return false;
    } catch (Exception e) {
      database.retryLater(pass, null, e);
      return false;
    }
    database.reached(pass);
    database.held(pass);
    DrainStatus drain = pass.status.drain;
    for (RoleLimit limit : preflight.connectionLimits()) {
      if (drain.roles.stream().noneMatch(r -> r.name.equals(limit.role()))) {
        RoleRecord r = new RoleRecord();
        r.name = limit.role();
        // The limit itself is recorded in the database when the drain blocks the role: a change
        // made in between must not be overwritten, and a role never blocked is never restored.
        drain.roles.add(r);
      }
    }
    drain.pendingTasks = preflight.sample().pendingTasks();
    drain.activeConnections = preflight.sample().activeConnections();
    pass.status.mode = MaintenanceMode.WAITING_FOR_MAINTENANCE;
    next(pass, WORKLOADS);
    pass.persist();
    events.normal(
        pass.window,
        "ModeAnnounced",
        "mode waiting_for_maintenance written and announced with NOTIFY pitstop_maintenance");
    return true;
  }

  /**
   * Renews the window's holder in the mode table ({@code state}: what it holds now) while no drain
   * renews it: in the workloads step and while Active. At most one renewal per {@link
   * WindowDatabase#RENEW_EVERY}; a failed one is reported ({@link WindowDatabase#renewalFailed})
   * and left to the next.
   */
  void renew(WindowPass pass, Mode state) {
    QualifiedName table = WindowDatabase.modeTable(pass.window);
    if (pass.plan == null || !pass.plan.usesDatabase() || table == null) {
      return;
    }
    // Checked on every pass, not only when a renewal is due: a Secret re-pointed while the window
    // is open is reported as soon as its change wakes the window.
    boolean wasRepointed = database.reportsRepointed(pass);
    boolean pointedBack = wasRepointed;
    MaintenanceEngine engine;
    try {
      engine = database.engine(pass);
    } catch (SpecException e) {
      return; // Without its Secret the window cannot renew; the restore reports it.
    } catch (WindowDatabase.Repointed e) {
      database.repointed(pass, e);
      // The lease on the database the window put into maintenance is still renewed there.
      Optional<MaintenanceEngine> opened = database.leaseEngine(pass);
      if (opened.isEmpty()) {
        return;
      }
      engine = opened.get();
      pointedBack = false;
    }
    Optional<WindowDatabaseJobs.Found> found = jobs.find(pass.key);
    if (found.isPresent()) {
      if (found.get().kind() != WindowDatabaseJobs.Kind.RENEW || !found.get().job().isDone()) {
        return;
      }
      jobs.forget(pass.key);
      Optional<Exception> failure = renewalFailure(found.get());
      if (pointedBack && failure.isEmpty()) {
        database.reached(pass); // pointed back, and the window's own database answered
        return;
      }
      if (!database.reportsRepointed(pass)) {
        if (failure.isPresent()) {
          database.renewalFailed(pass, failure.get());
        } else {
          database.renewed(pass);
        }
      }
    }
    // Pointed back: renewing now shows at once that the window's own database answers again.
    if (!database.renewDue(pass) && !pointedBack) {
      return;
    }
    jobs.renew(pass.key, pass.status.windowId, engine, table, state, database.wake(pass));
  }

  /**
   * What the status message adds while the renewals of an open window's lease fail because the
   * database cannot be reached: "; the window's lease ... could not be renewed (why); trying again
   * every 1m", or nothing.
   */
  String leaseNotRenewed(WindowPass pass) {
    return database
        .unreachable(pass)
        .map(
            why ->
                "; the window's lease in the mode table could not be renewed ("
                    + Sentences.clause(why)
                    + "); trying again every "
                    + Durations.format(WindowDatabase.RENEW_EVERY))
        .orElse("");
  }

  private static Optional<Exception> renewalFailure(WindowDatabaseJobs.Found renewal) {
    try {
      renewal.job().result();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.of(e);
    }
  }

  private boolean kubernetes(WindowPass pass) {
    renew(pass, Mode.WAITING_FOR_MAINTENANCE);
    DrainStatus drain = pass.status.drain;
    WindowSources.Selection selection;
    try {
      selection = WindowSources.select(pass.context, pass.window);
      Optional<String> missing = Workloads.missingNamed(pass.window, selection, drain);
      if (missing.isPresent()) {
        // Draining the rest and reporting Drained would let gated operations run while the
        // named workload (a typo, or the wrong kind) may be live: the drain fails instead. It
        // waits a moment first, with nothing changed, for an object applied together with the
        // window that the informer has not delivered yet.
        Instant stepStarted = WindowPass.parse(drain.stepStartedAt);
        Instant failAt = (stepStarted == null ? pass.now : stepStarted).plus(MISSING_GRACE);
        if (pass.now.isBefore(failAt)) {
          pass.status.message = "waiting for " + missing.get();
          pass.lookAgainAt(failAt);
          return false;
        }
        fail(pass, "DrainFailed", missing.get() + "; the application may still be running");
        return false;
      }
      if (recorded(pass, workloads.record(drain, selection, pass.name()))) {
        pass.persist(); // originals are stored before anything is scaled or suspended
      }
      changedBack(pass, workloads.apply(drain, selection, pass.name()));
    } catch (KubernetesClientException e) {
      pass.status.message =
          "could not scale or suspend: " + Sentences.clause(ApiServerAnswer.of(e)) + "; retrying";
      pass.lookAgainIn(Duration.ofSeconds(5));
      return false;
    }
    selection = WindowSources.select(pass.context, pass.window);
    drain.remainingPods =
        Workloads.remainingPods(selection, WindowSources.pods(pass.context, pass.window));
    drain.activeJobs = Workloads.activeJobs(selection.jobs());
    if (drain.remainingPods > 0 || drain.activeJobs > 0) {
      pass.status.message = "waiting for " + left(pass);
      pass.lookAgainIn(WHILE_WAITING);
      return false;
    }
    scaledDown(pass);
    if (!pass.plan.usesDatabase()) {
      pass.drained = true;
      return false;
    }
    next(pass, DATABASE);
    pass.persist();
    return true;
  }

  private void database(WindowPass pass) {
    keepDrained(pass);
    DrainStatus drain = pass.status.drain;
    Optional<WindowDatabaseJobs.Found> found = jobs.find(pass.key);
    if (found.isPresent()
        && found.get().kind() == WindowDatabaseJobs.Kind.DRAIN
        && found.get().windowId().equals(pass.status.windowId)) {
      var job = found.get().job();
      job.progress().ifPresent(p -> publish(pass, p));
      if (!job.isDone()) {
        pass.lookAgainIn(WHILE_WAITING);
        return;
      }
      jobs.forget(pass.key);
      drained(pass, job);
      return;
    }
    if (found.isPresent()) {
      if (!found.get().job().isDone()) {
        pass.lookAgainIn(WHILE_WAITING);
        return;
      }
      jobs.forget(pass.key);
    }
    List<String> recorded = drain.roles.stream().map(r -> r.name).toList();
    if (pass.plan.blockNew() && !recorded.containsAll(pass.plan.roles())) {
      next(pass, ANNOUNCE); // a role was added: record it before it can be blocked
      pass.persist();
      pass.lookAgainIn(Duration.ZERO);
      return;
    }
    if (!database.due(pass)) {
      return;
    }
    Instant started = WindowPass.parse(drain.startedAt);
    Instant stepStarted = WindowPass.parse(drain.stepStartedAt);
    DrainRequest.Builder request =
        WindowDatabase.request(pass)
            .deadline((started == null ? pass.now : started).plus(pass.plan.timeout()))
            .graceStart(stepStarted == null ? pass.now : stepStarted);
    try {
      jobs.drain(
          pass.key, pass.status.windowId, database.engine(pass), request, database.wake(pass));
    } catch (SpecException e) {
      if (e.waitsForObject()) {
        database.waitForReference(pass, e);
      } else {
        fail(pass, e.reason(), e.getMessage());
      }
      return;
    } catch (WindowDatabase.Repointed e) {
      database.repointed(pass, e);
      return;
    }
    pass.status.message = "waiting for tasks to finish and sessions to end";
    pass.lookAgainIn(WHILE_WAITING);
  }

  private void drained(
      WindowPass pass,
      BackgroundWork.Job<WindowDatabaseJobs.Progress, WindowDatabaseJobs.Outcome> job) {
    DrainResult result;
    try {
      result = job.result().drained();
    } catch (MaintenanceException e) {
      if (e.code() == ErrorCode.TIMEOUT) {
        fail(
            pass,
            "DrainTimeout",
            "not drained within spec.drain.timeout ("
                + Durations.format(pass.plan.timeout())
                + "): "
                + e.getMessage().replaceFirst("^not drained in time: ", ""));
      } else if (e.code() == ErrorCode.CANCELLED) {
        pass.lookAgainIn(Duration.ZERO);
      } else if (e.isTransient()) {
        database.retryLater(pass, null, e);
      } else {
        fail(pass, "DrainFailed", WindowRequests.fieldName(e.field()) + " " + e.getMessage());
      }
      return;
    } catch (Exception e) {
      database.retryLater(pass, null, e);
      return;
    }
    database.reached(pass);
    database.held(pass);
    DrainStatus drain = pass.status.drain;
    drain.pendingTasks = result.lastSample().pendingTasks();
    drain.activeConnections = 0;
    drain.terminatedSessions = result.terminatedSessions();
    WindowSources.Selection selection = WindowSources.select(pass.context, pass.window);
    int pods = Workloads.remainingPods(selection, WindowSources.pods(pass.context, pass.window));
    int active = Workloads.activeJobs(selection.jobs());
    if (pods > 0 || active > 0) {
      next(pass, WORKLOADS); // something came back meanwhile; drain it again
      pass.lookAgainIn(Duration.ZERO);
      return;
    }
    pass.drained = true;
  }

  /**
   * At the end of the workloads step, one {@code ScaledDown} Event for the window, if it scaled or
   * suspended anything: objects the informers deliver a moment later are patched in a later pass of
   * the same step, and an Event per pass would report the same drain twice. A step entered again
   * (something came back during the database step) reports nothing more: what it scales again is
   * reported as such while the window keeps it drained.
   */
  private void scaledDown(WindowPass pass) {
    DrainStatus drain = pass.status.drain;
    if (drain.cronJobs.isEmpty() && drain.workloads.isEmpty()) {
      return;
    }
    String windowId = String.valueOf(pass.status.windowId);
    if (!Objects.equals(reported.put(pass.key.uid(), windowId), windowId)) {
      events.normal(
          pass.window,
          "ScaledDown",
          "suspended "
              + drain.cronJobs.size()
              + " CronJob(s) and scaled "
              + drain.workloads.size()
              + " workload(s) to 0; their pods are gone");
    }
  }

  /** Forgets a window (deleted). */
  void forget(BackgroundWork.Key key) {
    reported.remove(key.uid());
    changedBack.remove(key.uid());
  }

  /**
   * One {@value #CHANGED_DURING_WINDOW} Warning per object and window for objects this window had
   * scaled to 0 or suspended that were found changed back (and were changed again): with the field
   * manager that did it, since a GitOps tool syncing that field does so on every sync, each time
   * undone at once, and nothing else would show it.
   */
  private void changedBack(WindowPass pass, WorkloadDrain.Applied applied) {
    if (applied.reverted().isEmpty()) {
      return;
    }
    String windowId = String.valueOf(pass.status.windowId);
    Map.Entry<String, Set<String>> seen =
        changedBack.compute(
            pass.key.uid(),
            (uid, old) ->
                old != null && old.getKey().equals(windowId)
                    ? old
                    : Map.entry(windowId, ConcurrentHashMap.newKeySet()));
    for (WorkloadDrain.Reverted r : applied.reverted()) {
      if (seen.getValue().add(r.object())) {
        events.warning(pass.window, CHANGED_DURING_WINDOW, changedBackMessage(r));
      }
    }
  }

  /** The reason of the Warning for an object changed back during the window. */
  static final String CHANGED_DURING_WINDOW = "WorkloadChangedDuringWindow";

  static String changedBackMessage(WorkloadDrain.Reverted r) {
    boolean suspend = "spec.suspend".equals(r.field());
    String by =
        r.manager()
            .map(m -> " by field manager \"" + m + "\"")
            .orElse(" (metadata.managedFields name no field manager for it)");
    return r.object()
        + " had "
        + r.field()
        + " set back to "
        + r.value()
        + by
        + " during the window; "
        + (suspend ? "it was suspended again" : "it was scaled to 0 again")
        + ". A GitOps tool that syncs "
        + r.field()
        + " does this on every sync while a window runs: exclude spec.replicas and spec.suspend"
        + " of the workloads and CronJobs that windows drain from its sync (Argo CD:"
        + " ignoreDifferences with the sync option RespectIgnoreDifferences=true; or leave"
        + " replicas out of Git)";
  }

  /** Reports workloads re-created during the window; returns whether a record was added. */
  private boolean recorded(WindowPass pass, WorkloadDrain.Recorded recorded) {
    for (String workload : recorded.replaced()) {
      events.warning(
          pass.window,
          "WorkloadGone",
          workload
              + " was deleted during the window and created again; the new object is a new"
              + " object, recorded with its own replicas or suspend flag");
    }
    return recorded.added();
  }

  /**
   * Shows a running drain's progress: its latest sample, or why the latest attempt to take one
   * failed while the drain keeps trying (DatabaseReachable False when the database could not be
   * reached, True again with the next sample).
   */
  private void publish(WindowPass pass, WindowDatabaseJobs.Progress progress) {
    DrainStatus drain = pass.status.drain;
    if (progress.sample() != null) {
      drain.pendingTasks = progress.sample().pendingTasks();
      drain.activeConnections = progress.sample().activeConnections();
      drain.terminatedSessions = progress.terminated() == 0 ? null : progress.terminated();
    }
    if (progress.retrying() != null) {
      database.drainRetrying(pass, progress.retrying());
      return;
    }
    if (!database.reportsRepointed(pass)) {
      database.reached(pass);
    }
    pass.status.message = "waiting for " + progress.sample().describe();
  }

  private static void next(WindowPass pass, String step) {
    pass.status.drain.step = step;
    pass.status.drain.stepStartedAt = WindowPass.time(pass.now);
    pass.status.message =
        switch (step) {
          case ANNOUNCE -> "checking the database and announcing waiting_for_maintenance";
          case WORKLOADS -> "suspending CronJobs and scaling workloads to 0";
          default -> "waiting for tasks to finish and sessions to end";
        };
  }

  /**
   * The database check refused the start (bad input, or something not there yet: a table, a role, a
   * Secret). Nothing was changed; the check is repeated with backoff, or at once after a spec
   * change, until {@code drain.timeout}.
   */
  private void refuse(WindowPass pass, String message) {
    pass.status.mode = MaintenanceMode.RUNNING;
    String sentence = Sentences.clause(message) + "; nothing was changed";
    events.warning(pass.window, "StartRefused", sentence);
    database.refusedLater(pass, sentence);
  }

  private static void fail(WindowPass pass, String reason, String message) {
    pass.failed = true;
    pass.failureReason = reason;
    pass.failureMessage = message;
  }

  /** What the drain still waits for, for messages. */
  private static String left(WindowPass pass) {
    DrainStatus d = pass.status.drain;
    String step = d.step == null ? "" : d.step;
    return switch (step) {
      case ANNOUNCE -> "the database check (" + pass.status.message + ")";
      case WORKLOADS ->
          (d.remainingPods == null ? 0 : d.remainingPods)
              + " pod(s) of scaled workloads and "
              + (d.activeJobs == null ? 0 : d.activeJobs)
              + " active Job(s)";
      default ->
          (d.pendingTasks == null ? "" : d.pendingTasks + " task(s) pending, ")
              + (d.activeConnections == null ? 0 : d.activeConnections)
              + " session(s) open";
    };
  }
}
