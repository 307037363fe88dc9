package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Kubernetes Events ({@code kubectl describe} shows them) with stable CamelCase reasons. A
 * repeated event for the same object, reason and message increments the count of the existing Event
 * instead of creating a new one, as long as it is among the {@value #REMEMBERED_EVENTS} most
 * recently recorded ({@link RecentEntries}). Messages pass through a redactor so no credential
 * reaches an Event.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final String COMPONENT = "pitstop-operator";

  /** Events whose count is remembered; a few thousand cover every object changing at once. */
  static final int REMEMBERED_EVENTS = 4096;

  private final KubernetesClient client;
  private final UnaryOperator<String> redactor;
  private final RecentEntries<Integer> counts;
  private final RecentEntries<String> lastingWarnings;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, UnaryOperator<String> redactor, Clock clock) {
    this(client, redactor, clock, REMEMBERED_EVENTS);
  }

  /**
   * @param remembered how many Events' counts are kept
   */
  EventRecorder(
      KubernetesClient client, UnaryOperator<String> redactor, Clock clock, int remembered) {
    this.client = client;
    this.redactor = redactor;
    this.clock = clock;
    this.counts = new RecentEntries<>(remembered);
    // Bounded like the counts: the state of objects not seen for long is forgotten.
    this.lastingWarnings = new RecentEntries<>(remembered);
  }

  /** A Normal event. */
  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message);
  }

  /** A Warning event. */
  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message);
  }

  /**
   * Records a refusal: {@code refuse} writes it into {@code status}, and a Warning Event with the
   * refusal's reason and message follows only when that changed the status message, so a resource
   * that stays refused does not add an Event on every reconcile.
   */
  public void refused(HasMetadata object, PitstopStatus status, SpecException e, Runnable refuse) {
    String previous = status.message;
    refuse.run();
    if (!Objects.equals(previous, status.message)) {
      warning(object, e.reason(), e.getMessage());
    }
  }

  /**
   * A Warning Event about a lasting state of the object, e.g. a deprecated field it uses: recorded
   * only when {@code message} differs from the one last recorded under {@code reason} for the
   * object (by UID), so a resource that stays so does not add an Event, nor a count, on every
   * reconcile. A null {@code message} says the state is over: it is forgotten, and recorded again
   * if it comes back. Like the counts, this is remembered for the {@value #REMEMBERED_EVENTS} most
   * recent objects and reasons, in memory: a restarted operator records the warning once more.
   */
  public void warningOnChange(HasMetadata object, String reason, String message) {
    String key = object.getMetadata().getUid() + "/" + reason;
    if (message == null) {
      lastingWarnings.remove(key);
      return;
    }
    if (!message.equals(lastingWarnings.put(key, message))) {
      warning(object, reason, message);
    }
  }

  private void record(HasMetadata object, String type, String reason, String rawMessage) {
    String message = redactor.apply(rawMessage);
    String namespace = object.getMetadata().getNamespace();
    String name =
        object.getMetadata().getName()
            + "."
            + digest(object.getMetadata().getUid() + "/" + type + "/" + reason + "/" + message);
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      Integer previous = counts.get(name);
      if (previous != null) {
        int count = previous + 1;
        var existing = client.v1().events().inNamespace(namespace).withName(name);
        if (existing.get() != null) {
          existing.edit(
              e -> {
                e.setCount(count);
                e.setLastTimestamp(now);
                return e;
              });
          counts.put(name, count);
          return;
        }
      }
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(object.getApiVersion())
                          .withKind(object.getKind())
                          .withName(object.getMetadata().getName())
                          .withNamespace(namespace)
                          .withUid(object.getMetadata().getUid())
                          .withResourceVersion(object.getMetadata().getResourceVersion())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withCount(1)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .build())
          .createOr(r -> r.update());
      counts.put(name, 1);
    } catch (KubernetesClientException e) {
      // An Event is best effort: never fail a reconciliation because one could not be written.
      LOG.warn(
          "could not record event {} for {}/{}: {}",
          reason,
          namespace,
          object.getMetadata().getName(),
          redactor.apply(String.valueOf(e.getMessage())));
    }
  }

  /** How many Events' counts are kept now; at most the number given at construction. */
  int remembered() {
    return counts.size();
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
