package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.reconciler.maintenancewindow.model.LabelSelectors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a window selects and what a workload says about itself: its kind, replicas, pod selector and
 * Pitstop's annotations. Reads only; {@link WorkloadDrain} changes workloads.
 */
final class Workloads {
  /** Annotation: replicas before the window. */
  static final String ORIGINAL_REPLICAS = "pitstop.dev/original-replicas";

  /** Annotation: spec.suspend before the window. */
  static final String ORIGINAL_SUSPEND = "pitstop.dev/original-suspend";

  /** Annotation: the MaintenanceWindow that changed this object. */
  static final String DRAINED_BY = "pitstop.dev/drained-by";

  static final String DEPLOYMENT = "Deployment";
  static final String STATEFUL_SET = "StatefulSet";

  /** Whether {@code window}'s spec selects this Deployment or StatefulSet. */
  static boolean selects(MaintenanceWindow window, String kind, HasMetadata workload) {
    Drain drain = window.getSpec() == null ? null : window.getSpec().drain;
    if (drain == null || drain.workloads == null) {
      return false;
    }
    for (Drain.WorkloadSelector s : drain.workloads) {
      if (s == null || s.kind == null || !s.kind.name().equals(kind)) {
        continue;
      }
      if (s.name != null
          ? s.name.equals(workload.getMetadata().getName())
          : LabelSelectors.matches(s.selector, workload.getMetadata().getLabels())) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code window}'s spec selects this CronJob. */
  static boolean selectsCronJob(MaintenanceWindow window, CronJob cronJob) {
    Drain drain = window.getSpec() == null ? null : window.getSpec().drain;
    return drain != null
        && drain.cronJobs != null
        && LabelSelectors.matches(drain.cronJobs.selector, cronJob.getMetadata().getLabels());
  }

  /** Whether this object carries {@code window}'s drained-by annotation. */
  static boolean drainedBy(HasMetadata object, String window) {
    return window.equals(annotation(object, DRAINED_BY));
  }

  /** Pods of the recorded workloads that are still there (not yet deleted, not finished). */
  static int remainingPods(WindowSources.Selection selection, List<Pod> pods) {
    Set<String> counted = new HashSet<>();
    for (HasMetadata workload : selection.recordedWorkloads()) {
      LabelSelector selector = podSelector(workload);
      for (Pod pod : pods) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (selector != null
            && !"Succeeded".equals(phase)
            && !"Failed".equals(phase)
            && LabelSelectors.matches(selector, pod.getMetadata().getLabels())) {
          counted.add(pod.getMetadata().getName());
        }
      }
    }
    return counted.size();
  }

  /** Selected Jobs that still have active pods. */
  static int activeJobs(List<Job> jobs) {
    return (int)
        jobs.stream()
            .filter(
                j ->
                    j.getStatus() != null
                        && j.getStatus().getActive() != null
                        && j.getStatus().getActive() > 0)
            .count();
  }

  static LabelSelector podSelector(HasMetadata workload) {
    if (workload instanceof Deployment d && d.getSpec() != null) {
      return d.getSpec().getSelector();
    }
    if (workload instanceof StatefulSet s && s.getSpec() != null) {
      return s.getSpec().getSelector();
    }
    return null;
  }

  static int replicas(HasMetadata workload) {
    Integer replicas = null;
    if (workload instanceof Deployment d && d.getSpec() != null) {
      replicas = d.getSpec().getReplicas();
    } else if (workload instanceof StatefulSet s && s.getSpec() != null) {
      replicas = s.getSpec().getReplicas();
    }
    return replicas == null ? 1 : replicas; // Kubernetes defaults spec.replicas to 1
  }

  /** Deployment, StatefulSet or CronJob. */
  static String kindOf(HasMetadata object) {
    if (object instanceof Deployment) {
      return DEPLOYMENT;
    }
    if (object instanceof StatefulSet) {
      return STATEFUL_SET;
    }
    return object instanceof CronJob ? "CronJob" : object.getKind();
  }

  static String key(String kind, String name) {
    return kind + "/" + name;
  }

  static String annotation(HasMetadata object, String name) {
    Map<String, String> a = object.getMetadata().getAnnotations();
    return a == null ? null : a.get(name);
  }

  /**
   * The first workload the spec names ({@code name}, not {@code selector}) that is neither in the
   * selection nor recorded (a recorded one was deleted during the window: {@code WorkloadGone} on
   * restore), as a sentence naming {@code spec.drain.workloads[i]}; empty when every named workload
   * exists.
   */
  static Optional<String> missingNamed(
      MaintenanceWindow window, WindowSources.Selection selection, DrainStatus drain) {
    Drain spec = window.getSpec() == null ? null : window.getSpec().drain;
    if (spec == null || spec.workloads == null) {
      return Optional.empty();
    }
    for (int i = 0; i < spec.workloads.size(); i++) {
      Drain.WorkloadSelector s = spec.workloads.get(i);
      if (s == null || s.kind == null || s.name == null) {
        continue;
      }
      String kind = s.kind.name();
      boolean selected =
          selection.workloads().stream()
              .anyMatch(w -> kind.equals(kindOf(w)) && s.name.equals(w.getMetadata().getName()));
      boolean recorded =
          drain.workloads.stream().anyMatch(r -> kind.equals(r.kind) && s.name.equals(r.name));
      if (!selected && !recorded) {
        return Optional.of(
            "spec.drain.workloads["
                + i
                + "] names "
                + kind
                + " "
                + s.name
                + ", which does not exist in namespace "
                + window.getMetadata().getNamespace());
      }
    }
    return Optional.empty();
  }

  private Workloads() {}
}
