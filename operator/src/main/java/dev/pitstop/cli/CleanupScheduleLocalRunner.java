package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupJob;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupNotices;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupRequests;
import dev.pitstop.reconciler.cleanupschedule.model.CleanupStatuses;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Runs a CleanupSchedule once, now, for {@code pitstop run -f} and {@code pitstop cleanup -f}: the
 * engine and notification the operator uses, progress printed as it goes, the result in status. The
 * schedule, suspend and the maintenance window do not apply to a run the user starts by hand.
 */
public final class CleanupScheduleLocalRunner implements LocalRunner<CleanupSchedule> {
  private static final Duration PRINT_EVERY = Duration.ofSeconds(2);

  private final WebhookNotifier notifier;
  private final Clock clock;

  public CleanupScheduleLocalRunner() {
    this(WebhookNotifier.standard(), Clock.systemUTC());
  }

  CleanupScheduleLocalRunner(WebhookNotifier notifier, Clock clock) {
    this.notifier = notifier;
    this.clock = clock;
  }

  @Override
  public Class<CleanupSchedule> type() {
    return CleanupSchedule.class;
  }

  @Override
  public int run(CleanupSchedule resource, LocalContext context) {
    if (resource.getMetadata().getNamespace() == null) {
      resource.getMetadata().setNamespace("default");
    }
    CleanupRequests config;
    try {
      config = CleanupRequests.prepare(resource);
    } catch (SpecException e) {
      throw new UsageException(e.getMessage());
    }
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    boolean dryRun = config.request().dryRun();
    context
        .out()
        .println(
            (dryRun ? "dry run of " : "cleanup ")
                + namespace
                + "/"
                + name
                + ": "
                + config.request().rules().size()
                + " rule(s) against "
                + context.settings().describe());
    String deprecation = CleanupNotices.deprecation(resource.getSpec().notify);
    if (deprecation != null) {
      context.err().println("warning: " + deprecation);
    }
    CleanupJob.Webhook webhook = CleanupJob.webhook(resource.getSpec().notify, context.secrets());
    if (webhook.problem() != null) {
      context.err().println("warning: " + webhook.problem() + "; no notification will be sent");
    }
    CleanupJob job =
        new CleanupJob(
                context.dataSource(),
                config.request(),
                "Manual",
                null,
                clock.instant(),
                clock,
                resource.getSpec().notify,
                webhook,
                notifier,
                namespace,
                name)
            .explainingUnreachable(
                e -> dev.pitstop.database.Reachability.unreachable(e, context.settings()));
    ProgressPrinter printer = new ProgressPrinter(context);
    CleanupJob.Outcome outcome = job.execute(p -> printer.print(p.run().message));

    if ("RuleRefused".equals(outcome.failureReason())) {
      throw new UsageException(outcome.run().message);
    }
    CleanupScheduleStatus status =
        resource.getStatus() == null ? new CleanupScheduleStatus() : resource.getStatus();
    resource.setStatus(status);
    long generation =
        resource.getMetadata().getGeneration() == null ? 1 : resource.getMetadata().getGeneration();
    CleanupStatuses.finished(
        status,
        outcome.run(),
        outcome.reachable(),
        outcome.failureReason(),
        config.historyLimit(),
        generation,
        clock.instant());
    CleanupStatuses.notification(status, outcome.delivery(), generation, clock.instant());
    status.observedGeneration = generation;
    if (outcome.delivery() != null) {
      context
          .out()
          .println(
              outcome.delivery().delivered()
                  ? "notification sent"
                  : "warning: notification failed: " + outcome.delivery().error());
    }
    boolean failed = outcome.run().result == RunResult.Failed;
    // A failure is one sentence on stderr (it says what was deleted before it); success on stdout.
    (failed ? context.err() : context.out())
        .println(outcome.run().result + ": " + outcome.run().message);
    return failed ? Command.FAILED : Command.OK;
  }

  /** Prints a progress line when the text changes, at most every two seconds within a rule. */
  private static final class ProgressPrinter {
    private final LocalContext context;
    private String lastPrinted;
    private String lastRule;
    private long lastNanos;

    ProgressPrinter(LocalContext context) {
      this.context = context;
    }

    void print(String message) {
      if (message == null || Objects.equals(message, lastPrinted)) {
        return;
      }
      String rule = message.contains(":") ? message.substring(0, message.indexOf(':')) : message;
      long now = System.nanoTime();
      if (Objects.equals(rule, lastRule) && now - lastNanos < PRINT_EVERY.toNanos()) {
        return;
      }
      context.out().println("  " + message);
      lastPrinted = message;
      lastRule = rule;
      lastNanos = now;
    }
  }
}
