package dev.pitstop.reconciler.maintenancewindow;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.testing.OperatorExtension;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/** Reads and edits the objects of the window tests. */
public final class WindowTestSupport {
  private final OperatorExtension kube;

  public WindowTestSupport(OperatorExtension kube) {
    this.kube = kube;
  }

  public MaintenanceWindow window(String name) {
    return kube.client()
        .resources(MaintenanceWindow.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  public MaintenanceWindow awaitPhase(String name, WindowPhase phase) {
    return awaitWindow(name, w -> w.getStatus() != null && w.getStatus().phase == phase);
  }

  public MaintenanceWindow awaitWindow(String name, Predicate<MaintenanceWindow> condition) {
    return awaitWindow(name, condition, Duration.ofSeconds(60));
  }

  /**
   * Waits until the window matches; when it does not in time, the failure shows the window's whole
   * status and its Events, so that a failure on a busy machine can be read afterwards.
   */
  public MaintenanceWindow awaitWindow(
      String name, Predicate<MaintenanceWindow> condition, Duration atMost) {
    try {
      return awaitWindowOrTimeout(name, condition, atMost);
    } catch (ConditionTimeoutException e) {
      MaintenanceWindow w = window(name);
      throw new AssertionError(
          "window "
              + name
              + " did not get there in "
              + atMost
              + "; now: "
              + (w == null
                  ? "gone"
                  : Serialization.asJson(w.getStatus()) + "; events: " + eventReasons(w)),
          e);
    }
  }

  private MaintenanceWindow awaitWindowOrTimeout(
      String name, Predicate<MaintenanceWindow> condition, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              MaintenanceWindow w = window(name);
              if (Boolean.getBoolean("pitstop.test.trace") && w != null && w.getStatus() != null) {
                System.out.println(
                    java.time.Instant.now()
                        + " TRACE "
                        + w.getStatus().phase
                        + " "
                        + (w.getStatus().drain == null ? null : w.getStatus().drain.step)
                        + " "
                        + w.getStatus().message);
              }
              return w;
            },
            w -> w != null && w.getStatus() != null && condition.test(w));
  }

  /** Edits the spec or metadata; retried when the operator's status write came in between. */
  public void editWindow(String name, Consumer<MaintenanceWindow> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        kube.client()
            .resources(MaintenanceWindow.class)
            .inNamespace(NAMESPACE)
            .withName(name)
            .edit(
                w -> {
                  change.accept(w);
                  return w;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  public Deployment deployment(String name) {
    return kube.client().apps().deployments().inNamespace(NAMESPACE).withName(name).get();
  }

  public StatefulSet statefulSet(String name) {
    return kube.client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get();
  }

  public CronJob cronJob(String name) {
    return kube.client().batch().v1().cronjobs().inNamespace(NAMESPACE).withName(name).get();
  }

  void setJobActive(String name, int active) {
    kube.client()
        .batch()
        .v1()
        .jobs()
        .inNamespace(NAMESPACE)
        .withName(name)
        .editStatus(
            j -> {
              j.getStatus().setActive(active);
              return j;
            });
  }

  public List<String> eventReasons(MaintenanceWindow window) {
    return kube.eventsFor(window).stream().map(Event::getReason).toList();
  }

  /** How often Events of {@code reason} were recorded for the window (repeats counted). */
  public int eventCount(MaintenanceWindow window, String reason) {
    return kube.eventsFor(window).stream()
        .filter(e -> reason.equals(e.getReason()))
        .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
        .sum();
  }

  static int replicas(Deployment d) {
    return d.getSpec().getReplicas();
  }

  public static String condition(MaintenanceWindow w, String type) {
    return Conditions.find(w.getStatus(), type).map(c -> c.status).orElse(null);
  }
}
