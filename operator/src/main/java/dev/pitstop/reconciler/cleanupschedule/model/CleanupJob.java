package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.cleanup.CleanupEngine;
import dev.pitstop.cleanup.CleanupException;
import dev.pitstop.cleanup.CleanupListener;
import dev.pitstop.cleanup.CleanupOutcome;
import dev.pitstop.cleanup.CleanupProgress;
import dev.pitstop.cleanup.CleanupRequest;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.database.Reachability;
import dev.pitstop.database.ReachabilityReason;
import dev.pitstop.notify.Delivery;
import dev.pitstop.notify.WebhookNotifier;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * One cleanup run as a worker executes it: the engine, then the notification, both off the
 * reconcile thread. It never throws: every failure becomes a Failed run entry, and a notification
 * failure never changes the run's result. Used by the reconciler and by {@code pitstop cleanup}.
 */
public final class CleanupJob {
  private final DataSource dataSource;
  private final CleanupRequest request;
  private final String trigger;
  private final Instant fire;
  private final Instant start;
  private final Clock clock;
  private final CleanupScheduleSpec.Notify notify;
  private final Webhook webhook;
  private final WebhookNotifier notifier;
  private final String namespace;
  private final String name;
  private Function<Throwable, Reachability> explain = e -> Reachability.unreachable(e, null);

  /** What a running job reports: the live run entry. */
  public record Progress(CleanupRun run) {}

  /**
   * What a job returns.
   *
   * @param run the finished run entry
   * @param reachable whether the database answered; null if the run never got to it
   * @param failureReason CamelCase reason when the run failed, else null
   * @param delivery the notification's fate, or null when none was wanted
   */
  public record Outcome(
      CleanupRun run, Boolean reachable, String failureReason, Delivery delivery) {}

  /**
   * Where notifications go: a URL, or why there is none.
   *
   * @param url the webhook URL (a credential), or null
   * @param problem one sentence naming the field, when the URL could not be read
   */
  public record Webhook(String url, String problem) {}

  /**
   * @param dataSource the database (the operator's work sessions, or the CLI's connection)
   * @param trigger what started the run, as shown in status (Schedule, RunRequested, ...)
   * @param fire the fire time the run serves, or null
   * @param notify the spec's notify block, or null
   * @param webhook the resolved webhook, from {@link #webhook}
   */
  public CleanupJob(
      DataSource dataSource,
      CleanupRequest request,
      String trigger,
      Instant fire,
      Instant start,
      Clock clock,
      CleanupScheduleSpec.Notify notify,
      Webhook webhook,
      WebhookNotifier notifier,
      String namespace,
      String name) {
    this.dataSource = dataSource;
    this.request = request;
    this.trigger = trigger;
    this.fire = fire;
    this.start = start;
    this.clock = clock;
    this.notify = notify;
    this.webhook = webhook;
    this.notifier = notifier;
    this.namespace = namespace;
    this.name = name;
  }

  /**
   * Explains a failure to reach the database with the target's own words (its server, user and
   * where its database name comes from), as every kind does: {@code OperationPass::reachability} in
   * the operator, {@link Reachability#unreachable(Throwable, dev.pitstop.database
   * .ConnectionSettings)} in the CLI.
   */
  public CleanupJob explainingUnreachable(Function<Throwable, Reachability> explain) {
    this.explain = explain;
    return this;
  }

  /** Reads the webhook URL from the Secret {@code notify.webhookSecretRef} names. */
  public static Webhook webhook(
      CleanupScheduleSpec.Notify notify, Function<String, Optional<Secret>> secrets) {
    dev.pitstop.reconciler.model.Webhook webhook =
        dev.pitstop.reconciler.model.Webhook.of(
            notify == null ? null : notify.webhookSecretRef,
            "spec.notify.webhookSecretRef",
            secrets);
    return new Webhook(webhook.url(), webhook.problem());
  }

  /** Runs the cleanup, publishing live run entries to {@code progress}, then notifies. */
  public Outcome execute(Consumer<Progress> progress) {
    CleanupRun run;
    Boolean reachable = null;
    String failureReason = null;
    try {
      CleanupResult result = new CleanupEngine(dataSource).run(request, listener(progress));
      run = CleanupRuns.of(result, trigger, fire);
      reachable = true;
      failureReason = result.outcome() == CleanupOutcome.FAILED ? "RuleFailed" : null;
    } catch (CleanupException e) {
      Reachability why = e.isRefusal() ? null : explain.apply(e);
      if (why != null && why.connectionFailed()) {
        return unreachable(why);
      }
      run =
          CleanupRuns.failed(
              e.isRefusal() ? CleanupRequests.fieldMessage(e) : e.getMessage(),
              e.partialResult(),
              start,
              clock.instant(),
              trigger,
              fire,
              request.dryRun());
      reachable = e.isRefusal() || !e.isTransient();
      failureReason =
          e.isRefusal()
              ? "RuleRefused"
              : reachable ? "DatabaseError" : ReachabilityReason.of(e).conditionReason();
    } catch (RuntimeException e) {
      // The pool's own errors (no connection in time, closed pool) come as unchecked ones.
      Reachability why = explain.apply(e);
      if (why.connectionFailed()) {
        return unreachable(why);
      }
      run =
          CleanupRuns.failed(
              "the database failed: " + e.getMessage(),
              null,
              start,
              clock.instant(),
              trigger,
              fire,
              request.dryRun());
      reachable = false;
      failureReason = ReachabilityReason.of(e).conditionReason();
    }
    return new Outcome(run, reachable, failureReason, notifyAbout(run));
  }

  /** The database could not be reached: a Failed run with the failure's reason and sentence. */
  private Outcome unreachable(Reachability why) {
    CleanupRun run =
        CleanupRuns.failed(
            why.message(), null, start, clock.instant(), trigger, fire, request.dryRun());
    return new Outcome(run, false, why.reason().conditionReason(), notifyAbout(run));
  }

  private Delivery notifyAbout(CleanupRun run) {
    if (!CleanupNotices.wanted(notify, run.result)) {
      return null;
    }
    if (webhook == null || webhook.url() == null) {
      return new Delivery(
          false,
          0,
          webhook == null || webhook.problem() == null ? "no webhook URL" : webhook.problem());
    }
    return notifier.send(webhook.url(), CleanupNotices.text(namespace, name, run));
  }

  private CleanupListener listener(Consumer<Progress> sink) {
    return new CleanupListener() {
      @Override
      public void onProgress(CleanupProgress p) {
        sink.accept(new Progress(CleanupRuns.progress(p, start, trigger, fire, request.dryRun())));
      }
    };
  }
}
