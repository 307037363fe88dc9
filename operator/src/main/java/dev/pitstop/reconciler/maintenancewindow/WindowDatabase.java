package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DatabaseRecord;
import dev.pitstop.database.ExponentialBackoff;
import dev.pitstop.database.HostPort;
import dev.pitstop.database.Reachability;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.maintenance.DrainRequest;
import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.MaintenanceException;
import dev.pitstop.reconciler.BackgroundWork;
import dev.pitstop.reconciler.EventRecorder;
import dev.pitstop.reconciler.ReferencedObjects;
import dev.pitstop.reconciler.maintenancewindow.model.WindowRequests;
import dev.pitstop.reconciler.maintenancewindow.model.WindowStatuses;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.Sentences;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A window's database: the engine on its pooled connection (from {@code spec.database}), the
 * wake-up a finished job sends, and backoff while the database cannot be reached.
 */
final class WindowDatabase {
  private final DatabaseTargets targets;
  private final EventRecorder events;
  private final ExponentialBackoff backoff;
  private final SimpleInboundEventSource<MaintenanceWindow> wakeups;
  private final ReferencedObjects<Secret, MaintenanceWindow> secrets;
  private final Map<String, Retry> retries = new ConcurrentHashMap<>();
  private final Map<String, Long> refusedForGood = new ConcurrentHashMap<>();
  private final Map<String, Instant> renewed = new ConcurrentHashMap<>();

  /**
   * The database each open window acted on, as this operator resolved it last (by window UID, with
   * the window id): what its restore uses when the Secret is gone.
   */
  private final Map<String, Opened> lastOpened = new ConcurrentHashMap<>();

  private record Opened(String windowId, DatabaseTargets.Target target) {}

  /**
   * The lease of a window's holder in the mode table: renewed every {@link #RENEW_EVERY} while the
   * window holds the mode, so the mode is released this long after the operator stops renewing
   * (uninstalled, or down) even if the window is never restored.
   */
  static final Duration LEASE = Duration.ofMinutes(5);

  /** How often a window renews its holder while no drain does. */
  static final Duration RENEW_EVERY = Duration.ofMinutes(1);

  private record Retry(int failures, Instant notBefore, long generation) {}

  WindowDatabase(
      DatabaseTargets targets,
      ExponentialBackoff backoff,
      SimpleInboundEventSource<MaintenanceWindow> wakeups,
      ReferencedObjects<Secret, MaintenanceWindow> secrets,
      EventRecorder events) {
    this.events = events;
    this.targets = targets;
    this.backoff = backoff;
    this.wakeups = wakeups;
    this.secrets = secrets;
  }

  /** The Secrets windows reference, for the informer. */
  static List<String> secretNames(MaintenanceWindow window) {
    DatabaseRef ref = window.getSpec() == null ? null : window.getSpec().database;
    return ref == null || ref.secretRef == null || ref.secretRef.name == null
        ? List.of()
        : List.of(ref.secretRef.name);
  }

  /**
   * The spec.database of the window now points to another database than the one the open window
   * acted on ({@code status.database}): nothing is done there.
   */
  static final class Repointed extends Exception {
    private static final long serialVersionUID = 1L;

    Repointed(String message) {
      super(message);
    }
  }

  /**
   * The engine on the database the window acts on. The first time an open window needs it, that
   * database (server and name) is recorded in {@code status.database} and written before anything
   * is changed there; from then on until the window is restored, only that database is used.
   *
   * @throws Repointed if spec.database (its Secret, or databaseName) points to another database now
   */
  MaintenanceEngine engine(WindowPass pass) throws SpecException, Repointed {
    DatabaseRef ref = pass.window.getSpec() == null ? null : pass.window.getSpec().database;
    if (ref == null) {
      throw SpecException.invalid("spec.database is required to restore the database side");
    }
    DatabaseTargets.Target target =
        targets.resolve(pass.window, ref, "spec.database", name -> secrets.get(pass.context, name));
    DatabaseRecord now = record(target);
    DatabaseRecord opened = pass.status.database;
    if (opened == null) {
      pass.status.database = now;
      pass.persist(); // recorded before the window changes anything there
    } else if (!Objects.equals(opened.server, now.server)
        || !Objects.equals(opened.name, now.name)) {
      throw new Repointed(repointed(pass, ref, opened, now));
    }
    events.warningOnChange(pass.window, REPOINTED, null);
    lastOpened.put(pass.key.uid(), new Opened(pass.status.windowId, target));
    return new MaintenanceEngine(target.dataSource());
  }

  /**
   * The engine a restore uses: {@link #engine}, or, when the Secret of spec.database does not exist
   * any more (deleted together with the window: an application deleted or pruned by a GitOps tool,
   * its namespace deleted), the connection settings this operator last used for the database the
   * window acted on, if they are for {@code status.database}. A window that changed its database
   * keeps what it needs to undo that while this operator runs; after a restart without the Secret
   * the restore waits for it ({@code SecretNotFound}).
   */
  MaintenanceEngine restoreEngine(WindowPass pass) throws SpecException, Repointed {
    try {
      return engine(pass);
    } catch (SpecException e) {
      DatabaseRecord recorded = pass.status.database;
      Optional<DatabaseTargets.Target> opened = openedTarget(pass);
      if (!SECRET_NOT_FOUND.equals(e.reason()) || opened.isEmpty()) {
        throw e;
      }
      events.warningOnChange(
          pass.window,
          SECRET_GONE,
          Sentences.clause(e.getMessage().replaceFirst("^spec\\.database\\.secretRef: ", ""))
              + " any more; restoring database \""
              + recorded.name
              + "\" on "
              + recorded.server
              + ", where this window put it into maintenance, with the connection settings this"
              + " operator last read from that Secret");
      return new MaintenanceEngine(targets.reopen(opened.get()));
    }
  }

  /**
   * The database the open window acted on ({@code status.database}), as this operator last resolved
   * it, with the connection settings it used there; empty when this operator has not used them for
   * this window (e.g. after a restart). Never another database than the one the window acted on.
   */
  private Optional<DatabaseTargets.Target> openedTarget(WindowPass pass) {
    Opened last = lastOpened.get(pass.key.uid());
    DatabaseRecord recorded = pass.status.database;
    if (last == null
        || recorded == null
        || !Objects.equals(last.windowId(), pass.status.windowId)) {
      return Optional.empty();
    }
    DatabaseRecord lastUsed = record(last.target());
    if (!Objects.equals(recorded.server, lastUsed.server)
        || !Objects.equals(recorded.name, lastUsed.name)) {
      return Optional.empty();
    }
    return Optional.of(last.target());
  }

  /**
   * The engine that keeps the window's holder lease on the database it put into maintenance while
   * spec.database points elsewhere, so maintenance there does not end by itself (the lease runs out
   * after {@link #LEASE}) while the roles stay blocked: the settings this operator last used there.
   * Empty after an operator restart; the lease then runs out as documented.
   */
  Optional<MaintenanceEngine> leaseEngine(WindowPass pass) {
    return openedTarget(pass).map(t -> new MaintenanceEngine(targets.reopenApart(t)));
  }

  /** The reason a missing Secret is reported with. */
  private static final String SECRET_NOT_FOUND = "SecretNotFound";

  /** The reason of the Warning Event when a restore goes on without its Secret. */
  static final String SECRET_GONE = "SecretGone";

  /** The reason of the condition and Warning Event when spec.database points elsewhere. */
  static final String REPOINTED = "SecretRepointed";

  private static DatabaseRecord record(DatabaseTargets.Target target) {
    DatabaseRecord r = new DatabaseRecord();
    r.server =
        target.settings().hosts().stream()
            .map(HostPort::toString)
            .collect(java.util.stream.Collectors.joining(","));
    r.name = target.settings().databaseName();
    return r;
  }

  private static String repointed(
      WindowPass pass, DatabaseRef ref, DatabaseRecord opened, DatabaseRecord now) {
    String where =
        ref.databaseName != null && !ref.databaseName.isBlank()
            ? "spec.database (Secret '" + ref.secretRef.name + "', databaseName)"
            : "Secret '" + ref.secretRef.name + "'";
    String old = "database \"" + opened.name + "\" on " + opened.server;
    return where
        + " now points to database \""
        + now.name
        + "\" on "
        + now.server
        + ", but this window put "
        + old
        + " into maintenance: it changes nothing on \""
        + now.name
        + "\" and restores only "
        + old
        + ". Point the Secret back to \""
        + opened.name
        + "\" on "
        + opened.server
        + ", or end maintenance on it by hand (pitstop maintenance exit --holder "
        + holder(pass.key)
        + ", and set back the connection limits of the rows of pitstop_blocked_roles whose"
        + " holder is "
        + holder(pass.key)
        + ")"
        + (pass.deleting
            ? ". The MaintenanceWindow is being deleted: its finalizer stays until "
                + old
                + " is restored; after ending maintenance there by hand, remove the finalizer"
                + " (kubectl patch mw "
                + pass.name()
                + " --type=merge -p '{\"metadata\":{\"finalizers\":null}}')"
            : "");
  }

  /**
   * Reports that spec.database points elsewhere than the database the window acted on: condition
   * DatabaseReachable False with reason {@value #REPOINTED}, the status message and a Warning Event
   * (once per message), and looks again later (a change of the Secret wakes the window at once).
   */
  void repointed(WindowPass pass, Repointed e) {
    WindowStatuses.reachable(
        pass.status, false, REPOINTED, e.getMessage(), pass.generation, pass.now);
    pass.status.message = e.getMessage();
    pass.repointed = e.getMessage();
    events.warningOnChange(pass.window, REPOINTED, e.getMessage());
    pass.lookAgainIn(Duration.ofSeconds(30));
  }

  /** Whether status reports that spec.database points elsewhere ({@value #REPOINTED}). */
  boolean reportsRepointed(WindowPass pass) {
    return Conditions.find(pass.status, dev.pitstop.api.v1alpha1.Condition.DATABASE_REACHABLE)
        .map(c -> REPOINTED.equals(c.reason))
        .orElse(false);
  }

  /** The window's holder name in the mode table: its namespace/name. */
  static String holder(BackgroundWork.Key key) {
    return key.resource().getNamespace().map(ns -> ns + "/").orElse("") + key.resource().getName();
  }

  /** The engine request of the window's plan, with its holder and lease. */
  static DrainRequest.Builder request(WindowPass pass) {
    return pass.plan.request().holder(holder(pass.key)).lease(LEASE);
  }

  /**
   * Whether the window's holder is due for renewal; if so, counts it as renewed now. After an
   * operator restart every holding window is due at once.
   */
  boolean renewDue(WindowPass pass) {
    Instant last = renewed.get(pass.key.uid());
    if (last != null && pass.now.isBefore(last.plus(RENEW_EVERY))) {
      pass.lookAgainAt(last.plus(RENEW_EVERY));
      return false;
    }
    renewed.put(pass.key.uid(), pass.now);
    pass.lookAgainIn(RENEW_EVERY);
    return true;
  }

  /** The window's holder was just registered or renewed (by an announce or a drain). */
  void held(WindowPass pass) {
    renewed.put(pass.key.uid(), pass.now);
  }

  /** The mode table as the spec names it now, or null (none, or not a valid name). */
  static QualifiedName modeTable(MaintenanceWindow window) {
    String name = window.getSpec() == null ? null : window.getSpec().modeTable;
    try {
      return name == null || name.isBlank() ? null : SqlIdentifiers.qualified(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Wakes the window's reconciler, e.g. when a job makes progress or ends. */
  Runnable wake(WindowPass pass) {
    ResourceID id = pass.key.resource();
    return () -> wakeups.propagateEvent(id);
  }

  /**
   * Whether a retry after a database error or a refused start is due (a spec change makes it due at
   * once); if not, asks to look again then.
   */
  boolean due(WindowPass pass) {
    Retry retry = retries.get(pass.key.uid());
    if (retry != null
        && retry.generation() == pass.generation
        && retry.notBefore().isAfter(pass.now)) {
      pass.lookAgainAt(retry.notBefore());
      return false;
    }
    return true;
  }

  /** The database answered. */
  void reached(WindowPass pass) {
    retries.remove(pass.key.uid());
    WindowStatuses.reachable(pass.status, true, "the database answered", pass.generation, pass.now);
  }

  /**
   * A database call failed with {@code failure}; try again after a backoff. A failure to reach the
   * database at all (login, database name, network, TLS, ...) is reported as every kind reports it
   * ({@link Reachability}): DatabaseReachable False with the failure's own reason and one sentence
   * naming the target, and for a database that does not exist, where its name comes from.
   *
   * @param doing what failed, e.g. {@code could not restore the database side}, or null
   */
  void retryLater(WindowPass pass, String doing, Throwable failure) {
    Reachability why = reachability(pass, failure);
    if (!why.connectionFailed()) {
      String message = String.valueOf(failure.getMessage());
      retryLater(pass, doing == null ? message : doing + ": " + message);
      return;
    }
    Duration delay = backOff(pass);
    RunStatuses.unreachable(pass.status, why, pass.generation, pass.now);
    String sentence = KnownSecrets.redact(why.message());
    pass.status.message =
        Sentences.nextIn(doing == null ? sentence : doing + ": " + sentence, "retrying", delay);
  }

  /** Why {@code failure} happened, described with the window's target when it resolves. */
  private Reachability reachability(WindowPass pass, Throwable failure) {
    DatabaseRef ref = pass.window.getSpec() == null ? null : pass.window.getSpec().database;
    if (ref == null) {
      return Reachability.unreachable(failure, null, null);
    }
    try {
      DatabaseTargets.Target target =
          targets.resolve(
              pass.window, ref, "spec.database", name -> secrets.get(pass.context, name));
      return Reachability.unreachable(failure, target.settings(), target.databaseNameFrom());
    } catch (SpecException e) {
      return Reachability.unreachable(failure, null, null);
    }
  }

  /**
   * A running drain could not take a sample for a reason that may pass; the drain itself tries
   * again every spec.pollInterval until spec.drain.timeout, so no back-off is added here. A failure
   * to reach the database is reported as {@link #retryLater(WindowPass, String, Throwable)} reports
   * it (DatabaseReachable False); a statement that failed once connected (the tasks query over its
   * statement timeout, a lock not granted) only in the message.
   */
  void drainRetrying(WindowPass pass, MaintenanceException failure) {
    Reachability why = reachability(pass, failure);
    String sentence;
    if (why.connectionFailed()) {
      RunStatuses.unreachable(pass.status, why, pass.generation, pass.now);
      sentence = KnownSecrets.redact(why.message());
    } else {
      sentence =
          KnownSecrets.redact(
              (failure.field() == null ? "" : WindowRequests.fieldName(failure.field()) + " ")
                  + failure.getMessage());
    }
    pass.status.message =
        "waiting for tasks to finish and sessions to end, but "
            + Sentences.clause(sentence)
            + "; the drain tries again every "
            + Durations.format(pass.plan.pollInterval())
            + " until spec.drain.timeout";
  }

  /**
   * The renewal of the window's holder in the mode table failed; the next is due in {@link
   * #RENEW_EVERY}. A failure to reach the database turns DatabaseReachable False (as {@link
   * #retryLater(WindowPass, String, Throwable)} reports it); another failure (the mode table's
   * privileges taken away, say) is a Warning Event, once per message.
   */
  void renewalFailed(WindowPass pass, Throwable failure) {
    Reachability why = reachability(pass, failure);
    if (why.connectionFailed()) {
      RunStatuses.unreachable(pass.status, why, pass.generation, pass.now);
    } else {
      events.warningOnChange(
          pass.window,
          LEASE_NOT_RENEWED,
          "the window's holder in spec.modeTable could not be renewed: "
              + KnownSecrets.redact(String.valueOf(failure.getMessage()))
              + "; trying again in "
              + Durations.format(RENEW_EVERY));
    }
  }

  /** The Warning Event's reason for a renewal that failed once the database answered. */
  static final String LEASE_NOT_RENEWED = "LeaseNotRenewed";

  /** A renewal succeeded: a DatabaseReachable False left by a failed one turns True. */
  void renewed(WindowPass pass) {
    if (unreachable(pass).isPresent()) {
      reached(pass);
    }
  }

  /**
   * Why the window's database does not answer, as DatabaseReachable says (not when it says the
   * Secret was re-pointed); empty when it answers.
   */
  Optional<String> unreachable(WindowPass pass) {
    return Conditions.find(pass.status, dev.pitstop.api.v1alpha1.Condition.DATABASE_REACHABLE)
        .filter(c -> "False".equals(c.status) && !REPOINTED.equals(c.reason))
        .map(c -> c.message);
  }

  /** The database could not be reached; try again after a backoff. */
  void retryLater(WindowPass pass, String reason) {
    Duration delay = backOff(pass);
    WindowStatuses.reachable(pass.status, false, reason, pass.generation, pass.now);
    pass.status.message = Sentences.nextIn(reason, "retrying", delay);
  }

  /** The database answered but refused the start; check again after a backoff. */
  void refusedLater(WindowPass pass, String sentence) {
    Duration delay = backOff(pass);
    WindowStatuses.reachable(pass.status, true, "the database answered", pass.generation, pass.now);
    String message = Sentences.nextIn(sentence, "checking again", delay);
    Conditions.set(
        pass.status,
        dev.pitstop.api.v1alpha1.Condition.READY,
        false,
        "StartRefused",
        message,
        pass.generation,
        pass.now);
    pass.status.message = message;
  }

  /**
   * An object spec.database refers to (its Secret, a key of it) is missing when the drain's
   * database step starts, e.g. re-created by a GitOps tool, or not in the cache of an operator that
   * is stopping: the drain waits for it until spec.drain.timeout, looking again after a back-off
   * (and when the Secret changes), with nothing restored meanwhile. Reported in the message, Ready
   * False with the reference's own reason, and a Warning Event once per message.
   */
  void waitForReference(WindowPass pass, SpecException missing) {
    Duration delay = backOff(pass);
    String sentence =
        Sentences.clause(missing.getMessage())
            + "; the drain waits for it until spec.drain.timeout";
    String message = Sentences.nextIn(sentence, "looking again", delay);
    Conditions.set(
        pass.status,
        dev.pitstop.api.v1alpha1.Condition.READY,
        false,
        missing.reason(),
        message,
        pass.generation,
        pass.now);
    pass.status.message = message;
    events.warningOnChange(pass.window, missing.reason(), sentence);
  }

  private Duration backOff(WindowPass pass) {
    Retry last = retries.get(pass.key.uid());
    int failures = last == null || last.generation() != pass.generation ? 1 : last.failures() + 1;
    Duration delay = backoff.delay(failures);
    retries.put(pass.key.uid(), new Retry(failures, pass.now.plus(delay), pass.generation));
    pass.lookAgainIn(delay);
    return delay;
  }

  /**
   * The database check refused this generation of the spec with an error no database change can fix
   * (a tasks query that writes or returns no number): no start again until the spec changes.
   */
  void refuseForGood(WindowPass pass) {
    refusedForGood.put(pass.key.uid(), pass.generation);
  }

  /** Whether the database check refused the spec as it is now for good. */
  boolean refusedForGood(WindowPass pass) {
    Long generation = refusedForGood.get(pass.key.uid());
    return generation != null && generation == pass.generation;
  }

  /** Forgets a window (deleted). */
  void forget(BackgroundWork.Key key) {
    retries.remove(key.uid());
    refusedForGood.remove(key.uid());
    renewed.remove(key.uid());
    lastOpened.remove(key.uid());
  }
}
