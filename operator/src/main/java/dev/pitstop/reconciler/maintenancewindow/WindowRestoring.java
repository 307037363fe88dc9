package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.MaintenanceMode;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.maintenance.RestoreResult;
import dev.pitstop.maintenance.RoleLimit;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Puts back what a drain changed, in this order: a drain still running is stopped first (so it
 * cannot block a role after the restore), then the database side (connection limits as recorded,
 * mode running), then the Kubernetes side (replicas and suspend flags as recorded). A database that
 * cannot be reached does not hold up the Kubernetes side. Every step is idempotent; records are
 * dropped from status only once put back, so a restart simply continues.
 */
final class WindowRestoring {
  private static final Duration WHILE_WAITING = Duration.ofSeconds(15);

  private final WindowDatabase database;
  private final WindowDatabaseJobs jobs;
  private final WorkloadDrain workloads;
  private final EventRecorder events;

  WindowRestoring(
      WindowDatabase database,
      WindowDatabaseJobs jobs,
      WorkloadDrain workloads,
      EventRecorder events) {
    this.database = database;
    this.jobs = jobs;
    this.workloads = workloads;
    this.events = events;
  }

  /** Whether anything is left to put back. */
  static boolean pending(MaintenanceWindowStatus status, boolean usesDatabase) {
    DrainStatus drain = status.drain;
    return drain != null
            && (!drain.roles.isEmpty() || !drain.workloads.isEmpty() || !drain.cronJobs.isEmpty())
        || databasePending(status, usesDatabase);
  }

  private static boolean databasePending(MaintenanceWindowStatus status, boolean usesDatabase) {
    boolean modeWritten = status.mode != null && status.mode != MaintenanceMode.RUNNING;
    return (status.drain != null && !status.drain.roles.isEmpty()) || (usesDatabase && modeWritten);
  }

  /** Restores as much as it can now; sets {@code restored} on the pass when nothing is left. */
  void work(WindowPass pass) {
    MaintenanceWindowStatus status = pass.status;
    boolean usesDatabase = pass.window.getSpec() != null && pass.window.getSpec().database != null;
    boolean databaseFailed = false;
    Optional<WindowDatabaseJobs.Found> found = jobs.find(pass.key);
    if (found.isPresent()) {
      WindowDatabaseJobs.Found job = found.get();
      if (!job.job().isDone()) {
        if (job.kind() == WindowDatabaseJobs.Kind.DRAIN) {
          jobs.stop(pass.key);
          status.message = "stopping the drain before restoring";
        }
        pass.lookAgainIn(WHILE_WAITING);
        return;
      }
      jobs.forget(pass.key);
      if (job.kind() == WindowDatabaseJobs.Kind.RESTORE) {
        databaseFailed = !restored(pass, job);
      } else if (job.kind() == WindowDatabaseJobs.Kind.ANNOUNCE && succeeded(job)) {
        status.mode = MaintenanceMode.WAITING_FOR_MAINTENANCE; // it wrote the mode row
      }
    }
    if (!databaseFailed && databasePending(status, usesDatabase) && database.due(pass)) {
      try {
        List<RoleLimit> limits =
            status.drain.roles.stream()
                .map(r -> new RoleLimit(r.name, r.originalConnectionLimit))
                .toList();
        if (jobs.restore(
            pass.key,
            status.windowId,
            database.restoreEngine(pass),
            WindowDatabase.modeTable(pass.window),
            limits,
            database.wake(pass))) {
          status.message = "restoring connection limits and mode running";
          pass.lookAgainIn(WHILE_WAITING);
          return; // the database side first; the workloads follow when it is done
        }
      } catch (SpecException e) {
        status.message = "cannot restore the database side yet: " + e.getMessage();
        if (pass.deleting && status.database != null) {
          status.message += stuckDeleting(pass);
          events.warningOnChange(pass.window, WindowDatabase.SECRET_GONE, status.message);
        }
        pass.lookAgainIn(Duration.ofSeconds(30));
      } catch (WindowDatabase.Repointed e) {
        // Never restore (or change) another database than the one the window acted on; the
        // Kubernetes side is restored anyway, as when the database cannot be reached.
        database.repointed(pass, e);
      }
    }
    kubernetes(pass);
    if (!pending(status, usesDatabase)) {
      status.mode = MaintenanceMode.RUNNING;
      pass.restored = true;
    }
  }

  /**
   * What a window being deleted whose database side cannot be restored (its Secret gone since
   * before this operator started) waits for, and what to do instead.
   */
  private static String stuckDeleting(WindowPass pass) {
    String holder = WindowDatabase.holder(pass.key);
    return ". The MaintenanceWindow is being deleted: its finalizer stays until database \""
        + pass.status.database.name
        + "\" on "
        + pass.status.database.server
        + " is restored. Create the Secret again, or end maintenance there by hand (pitstop"
        + " maintenance exit --holder "
        + holder
        + ", and set back the connection limits of the rows of pitstop_blocked_roles whose holder"
        + " is "
        + holder
        + ") and then remove the finalizer (kubectl patch mw "
        + pass.name()
        + " --type=merge -p '{\"metadata\":{\"finalizers\":null}}')";
  }

  private boolean restored(WindowPass pass, WindowDatabaseJobs.Found job) {
    RestoreResult result;
    try {
      result = job.job().result().restored();
    } catch (Exception e) {
      database.retryLater(pass, "could not restore the database side", e);
      return false;
    }
    database.reached(pass);
    if (!result.missing().isEmpty()) {
      events.warning(
          pass.window,
          "RoleGone",
          "role(s) "
              + String.join(", ", result.missing())
              + " were dropped during the window; their connection limit was not restored");
    }
    if (!result.changed().isEmpty()) {
      events.warning(
          pass.window,
          "RoleLimitChanged",
          result.changed().stream()
                  .map(r -> r.role() + " (now " + r.connectionLimit() + ")")
                  .collect(java.util.stream.Collectors.joining(", "))
              + ": no longer at CONNECTION LIMIT 0 when the window restored it (changed by a DBA,"
              + " or restored by a window on another database or mode table schema that blocked"
              + " it too); left as it is");
    }
    pass.status.drain.roles.clear();
    pass.status.mode = MaintenanceMode.RUNNING;
    pass.persist();
    return true;
  }

  private void kubernetes(WindowPass pass) {
    DrainStatus drain = pass.status.drain;
    if (drain == null) {
      return;
    }
    WorkloadDrain.Restored result =
        workloads.restore(drain, WindowSources.select(pass.context, pass.window), pass.name());
    for (String gone : result.gone()) {
      events.warning(
          pass.window,
          "WorkloadGone",
          gone + " was deleted during the window; there is nothing to restore");
    }
    if (!result.failed().isEmpty()) {
      pass.status.message = "could not restore " + String.join("; ", result.failed());
      events.warningOnChange(pass.window, "RestoreRefused", pass.status.message + "; retrying");
      pass.lookAgainIn(Duration.ofSeconds(5));
    }
    pass.persist();
  }

  private static boolean succeeded(WindowDatabaseJobs.Found job) {
    try {
      job.job().result();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
