package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.RunNotify;
import dev.pitstop.api.v1alpha1.RunNotify.Result;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.notify.Delivery;
import dev.pitstop.notify.WebhookNotifier;
import dev.pitstop.reconciler.model.RunStatuses;
import dev.pitstop.reconciler.model.Webhook;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Chat messages about a DatabaseMigration's, SandboxReset's or MaintenanceWindow's results, as
 * their {@code spec.notify} asks (a CleanupSchedule sends its own from its run). Whether the last
 * one arrived is the condition {@code NotificationDelivered}.
 */
public final class RunNotices {
  /** Condition: whether the last notification reached the webhook. */
  public static final String NOTIFICATION_DELIVERED = RunStatuses.NOTIFICATION_DELIVERED;

  private RunNotices() {}

  /** The results that send a message: {@code notify.results}, unset or empty is the default. */
  public static Set<Result> wanted(RunNotify notify) {
    return notify.results == null || notify.results.isEmpty()
        ? EnumSet.of(Result.Failure, Result.Cancelled, Result.ApprovalNeeded)
        : EnumSet.copyOf(notify.results.stream().filter(Objects::nonNull).toList());
  }

  /**
   * Sends a message about {@code result} if {@code notify} asks for it, and records whether it
   * arrived in {@code status}.
   *
   * @param message what happened, one sentence (status.message)
   * @param secrets looks up a Secret of the resource's namespace
   */
  public static void send(
      WebhookNotifier notifier,
      HasMetadata resource,
      PitstopStatus status,
      RunNotify notify,
      Result result,
      String message,
      Function<String, Optional<Secret>> secrets,
      long generation,
      Instant now) {
    if (notify == null || notifier == null || !wanted(notify).contains(result)) {
      return;
    }
    Webhook webhook = Webhook.of(notify.webhookSecretRef, "spec.notify.webhookSecretRef", secrets);
    Delivery delivery =
        webhook.url() == null
            ? new Delivery(
                false, 0, webhook.problem() == null ? "no webhook URL" : webhook.problem())
            : notifier.send(webhook.url(), text(resource, result, message));
    RunStatuses.notificationDelivered(status, delivery, generation, now);
  }

  /** {@code DatabaseMigration shop/app-schema: Failure: <message>}. */
  static String text(HasMetadata resource, Result result, String message) {
    return resource.getKind()
        + " "
        + resource.getMetadata().getNamespace()
        + "/"
        + resource.getMetadata().getName()
        + ": "
        + result
        + ": "
        + KnownSecrets.redact(message);
  }
}
