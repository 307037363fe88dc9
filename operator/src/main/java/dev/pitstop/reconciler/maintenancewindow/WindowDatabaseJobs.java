package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.maintenance.DrainListener;
import dev.pitstop.maintenance.DrainRequest;
import dev.pitstop.maintenance.DrainResult;
import dev.pitstop.maintenance.DrainSample;
import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.MaintenanceException;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.maintenance.Preflight;
import dev.pitstop.maintenance.RestoreResult;
import dev.pitstop.maintenance.RoleLimit;
import dev.pitstop.maintenance.Session;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.sql.QualifiedName;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs the database side of a window on {@link BackgroundWork}, never on a reconcile thread: one
 * job at a time per window (announce, drain or restore), so a restore can never overlap a drain
 * that might still block a role. A drain can be asked to stop, and stops by itself when the
 * operator shuts down.
 */
final class WindowDatabaseJobs {
  private final BackgroundWork work;
  private final Map<BackgroundWork.Key, AtomicBoolean> stops = new ConcurrentHashMap<>();

  WindowDatabaseJobs(BackgroundWork work) {
    this.work = work;
  }

  /** Which verb a job runs. */
  enum Kind {
    ANNOUNCE,
    DRAIN,
    RESTORE,
    RENEW
  }

  /**
   * The latest sample of a running drain and what it did so far.
   *
   * @param sample the latest sample taken, or null before the first
   * @param retrying why the latest attempt to sample failed (the drain tries again), or null when
   *     it succeeded
   */
  record Progress(
      DrainSample sample, int terminated, boolean blocked, MaintenanceException retrying) {}

  /** What a job returned; one field is set, by kind. */
  record Outcome(Preflight preflight, DrainResult drained, RestoreResult restored) {}

  /** A job of one window, running or finished but not yet taken. */
  record Found(Kind kind, String windowId, BackgroundWork.Job<Progress, Outcome> job) {}

  Optional<Found> find(BackgroundWork.Key key) {
    Optional<BackgroundWork.Job<Progress, Outcome>> job = work.find(key);
    return job.map(
        j -> {
          String runKey = j.runKey();
          int slash = runKey.indexOf('/');
          return new Found(
              Kind.valueOf(runKey.substring(0, slash)), runKey.substring(slash + 1), j);
        });
  }

  /** Forgets a finished job once its result has been used, and a finished drain's stop flag. */
  void forget(BackgroundWork.Key key) {
    work.forget(key);
    if (!work.isRunning(key)) {
      stops.remove(key);
    }
  }

  /** Asks a running drain to stop; it ends with CANCELLED within a poll. */
  void stop(BackgroundWork.Key key) {
    AtomicBoolean flag = stops.get(key);
    if (flag != null) {
      flag.set(true);
    }
  }

  /** Checks the database side and writes mode waiting_for_maintenance. */
  boolean announce(
      BackgroundWork.Key key,
      String windowId,
      MaintenanceEngine engine,
      DrainRequest request,
      Runnable wake) {
    return start(
        key,
        Kind.ANNOUNCE,
        windowId,
        sink -> new Outcome(engine.announce(request), null, null),
        wake);
  }

  /**
   * Drains tasks and sessions (see {@link MaintenanceEngine#drain}, which renews the window's
   * holder), then holds the mode as maintenance, so the window turns Active one round trip after
   * the last task finished.
   */
  boolean drain(
      BackgroundWork.Key key,
      String windowId,
      MaintenanceEngine engine,
      DrainRequest.Builder request,
      Runnable wake) {
    AtomicBoolean stop = new AtomicBoolean();
    stops.put(key, stop);
    DrainRequest built = request.stopRequested(() -> stop.get() || work.isClosing()).build();
    return start(
        key,
        Kind.DRAIN,
        windowId,
        sink -> {
          DrainResult result = engine.drain(built, listener(sink));
          engine.hold(built.modeTable(), built.holder(), Mode.MAINTENANCE, built.lease());
          return new Outcome(null, result, null);
        },
        wake);
  }

  /** Puts the recorded connection limits back and releases the window's holder. */
  boolean restore(
      BackgroundWork.Key key,
      String windowId,
      MaintenanceEngine engine,
      QualifiedName modeTable,
      List<RoleLimit> limits,
      Runnable wake) {
    String holder = WindowDatabase.holder(key);
    return start(
        key,
        Kind.RESTORE,
        windowId,
        sink -> new Outcome(null, null, engine.restore(modeTable, holder, limits)),
        wake);
  }

  /**
   * Renews the window's holder in {@code state} while no drain renews it (workloads step, Active);
   * a failure is left to the next renewal.
   */
  boolean renew(
      BackgroundWork.Key key,
      String windowId,
      MaintenanceEngine engine,
      QualifiedName modeTable,
      Mode state,
      Runnable wake) {
    String holder = WindowDatabase.holder(key);
    return start(
        key,
        Kind.RENEW,
        windowId,
        sink -> {
          engine.hold(modeTable, holder, state, WindowDatabase.LEASE);
          return new Outcome(null, null, null);
        },
        wake);
  }

  private boolean start(
      BackgroundWork.Key key,
      Kind kind,
      String windowId,
      java.util.function.Function<Consumer<Progress>, Outcome> body,
      Runnable wake) {
    String runKey = kind.name() + "/" + (windowId == null ? "" : windowId);
    Optional<BackgroundWork.Job<Progress, Outcome>> started = work.start(key, runKey, body, wake);
    return started.isPresent() && started.get().runKey().equals(runKey);
  }

  private static DrainListener listener(Consumer<Progress> sink) {
    int[] terminated = {0};
    boolean[] blocked = {false};
    DrainSample[] last = {null};
    return new DrainListener() {
      @Override
      public void onSample(DrainSample sample) {
        last[0] = sample;
        sink.accept(new Progress(sample, terminated[0], blocked[0], null));
      }

      @Override
      public void onBlocked(List<String> roles) {
        blocked[0] = true;
      }

      @Override
      public void onTerminated(List<Session> sessions) {
        terminated[0] += sessions.size();
        if (last[0] != null) {
          sink.accept(new Progress(last[0], terminated[0], blocked[0], null));
        }
      }

      @Override
      public void onRetry(MaintenanceException failure) {
        sink.accept(new Progress(last[0], terminated[0], blocked[0], failure));
      }
    };
  }
}
