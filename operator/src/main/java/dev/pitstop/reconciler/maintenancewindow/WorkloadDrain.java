package dev.pitstop.reconciler.maintenancewindow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.CronJobRecord;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.WorkloadRecord;
import dev.pitstop.reconciler.maintenancewindow.model.LabelSelectors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Kubernetes side of a window: CronJobs suspended, Deployments and StatefulSets scaled to 0,
 * and back. The original values are recorded in status AND as annotations on each object before it
 * is changed (the annotation in the same patch as the change), so a restart or a stale status can
 * always put back exactly what was there. Reads come from the informer caches.
 */
final class WorkloadDrain {
  /** Annotation: replicas before the window. */
  static final String ORIGINAL_REPLICAS = "pitstop.dev/original-replicas";

  /** Annotation: spec.suspend before the window. */
  static final String ORIGINAL_SUSPEND = "pitstop.dev/original-suspend";

  /** Annotation: the MaintenanceWindow that changed this object. */
  static final String DRAINED_BY = "pitstop.dev/drained-by";

  static final String DEPLOYMENT = "Deployment";
  static final String STATEFUL_SET = "StatefulSet";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  WorkloadDrain(KubernetesClient client) {
    this.client = client;
  }

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

  /**
   * Adds records for selected objects not recorded yet (first record wins: a value is never
   * overwritten). The original comes from the object's own annotation if this window already
   * changed it, else from the object. Objects another window drained are left alone.
   *
   * @return whether a record was added (the caller must persist status before {@link #apply})
   */
  boolean record(DrainStatus drain, WindowSources.Selection selection, String window) {
    boolean added = false;
    for (HasMetadata workload : selection.workloads()) {
      String kind = kindOf(workload);
      String name = workload.getMetadata().getName();
      if (ownedByOther(workload, window) || findWorkload(drain, kind, name).isPresent()) {
        continue;
      }
      WorkloadRecord r = new WorkloadRecord();
      r.kind = kind;
      r.name = name;
      r.originalReplicas =
          drainedBy(workload, window) && parseInt(annotation(workload, ORIGINAL_REPLICAS)) != null
              ? parseInt(annotation(workload, ORIGINAL_REPLICAS))
              : replicas(workload);
      drain.workloads.add(r);
      added = true;
    }
    for (CronJob cronJob : selection.cronJobs()) {
      String name = cronJob.getMetadata().getName();
      if (ownedByOther(cronJob, window) || findCronJob(drain, name).isPresent()) {
        continue;
      }
      CronJobRecord r = new CronJobRecord();
      r.name = name;
      String recorded = annotation(cronJob, ORIGINAL_SUSPEND);
      r.originalSuspend =
          drainedBy(cronJob, window) && recorded != null
              ? Boolean.parseBoolean(recorded)
              : Boolean.TRUE.equals(cronJob.getSpec().getSuspend());
      drain.cronJobs.add(r);
      added = true;
    }
    return added;
  }

  /**
   * Suspends each recorded CronJob and scales each recorded workload to 0, writing the original and
   * this window's name as annotations in the same patch. Objects already in that state are not
   * touched.
   *
   * @return how many objects were patched
   */
  int apply(DrainStatus drain, WindowSources.Selection selection, String window) {
    int patched = 0;
    Map<String, HasMetadata> byKey = new HashMap<>();
    selection.workloads().forEach(w -> byKey.put(key(kindOf(w), w.getMetadata().getName()), w));
    for (CronJob c : selection.recordedCronJobs()) {
      byKey.put(key("CronJob", c.getMetadata().getName()), c);
    }
    for (HasMetadata w : selection.recordedWorkloads()) {
      byKey.put(key(kindOf(w), w.getMetadata().getName()), w);
    }
    for (CronJobRecord r : drain.cronJobs) {
      HasMetadata object = byKey.get(key("CronJob", r.name));
      if (object instanceof CronJob cronJob
          && !(Boolean.TRUE.equals(cronJob.getSpec().getSuspend()) && drainedBy(cronJob, window))) {
        patch(
            cronJob,
            Map.of(
                "metadata",
                Map.of(
                    "annotations",
                    Map.of(
                        ORIGINAL_SUSPEND,
                        String.valueOf(Boolean.TRUE.equals(r.originalSuspend)),
                        DRAINED_BY,
                        window)),
                "spec",
                Map.of("suspend", true)));
        patched++;
      }
    }
    for (WorkloadRecord r : drain.workloads) {
      HasMetadata workload = byKey.get(key(r.kind, r.name));
      if (workload != null && !(replicas(workload) == 0 && drainedBy(workload, window))) {
        patch(
            workload,
            Map.of(
                "metadata",
                Map.of(
                    "annotations",
                    Map.of(
                        ORIGINAL_REPLICAS, String.valueOf(r.originalReplicas), DRAINED_BY, window)),
                "spec",
                Map.of("replicas", 0)));
        patched++;
      }
    }
    return patched;
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

  /** What a restore pass did. */
  record Restored(int patched, List<String> gone, List<String> failed) {}

  /**
   * Puts back each recorded object's replicas or suspend flag and removes the annotations, then
   * drops the records of objects that are back (or gone: deleted during the window). Objects that
   * carry this window's annotation without a record are restored from the annotation. Idempotent.
   */
  Restored restore(DrainStatus drain, WindowSources.Selection selection, String window) {
    int patched = 0;
    List<String> gone = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    Map<String, HasMetadata> existing = new LinkedHashMap<>();
    selection
        .recordedWorkloads()
        .forEach(w -> existing.put(key(kindOf(w), w.getMetadata().getName()), w));
    selection
        .recordedCronJobs()
        .forEach(c -> existing.put(key("CronJob", c.getMetadata().getName()), c));
    Map<String, Object> originals = new LinkedHashMap<>();
    drain.workloads.forEach(r -> originals.put(key(r.kind, r.name), r.originalReplicas));
    drain.cronJobs.forEach(r -> originals.put(key("CronJob", r.name), r.originalSuspend));
    for (HasMetadata orphan : selection.annotatedByWindow()) {
      String k = key(kindOf(orphan), orphan.getMetadata().getName());
      existing.putIfAbsent(k, orphan);
      if (!originals.containsKey(k)) {
        originals.put(
            k,
            orphan instanceof CronJob
                ? Boolean.valueOf(Boolean.parseBoolean(annotation(orphan, ORIGINAL_SUSPEND)))
                : parseInt(annotation(orphan, ORIGINAL_REPLICAS)));
      }
    }
    Set<String> done = new HashSet<>();
    for (Map.Entry<String, Object> e : originals.entrySet()) {
      HasMetadata object = existing.get(e.getKey());
      if (object == null) {
        gone.add(e.getKey());
        done.add(e.getKey());
        continue;
      }
      try {
        if (restorePatch(object, e.getValue(), window)) {
          patched++;
        }
        done.add(e.getKey());
      } catch (KubernetesClientException ex) {
        if (ex.getCode() == 404) {
          gone.add(e.getKey());
          done.add(e.getKey());
        } else {
          failed.add(e.getKey() + ": " + ex.getMessage());
        }
      }
    }
    drain.workloads.removeIf(r -> done.contains(key(r.kind, r.name)));
    drain.cronJobs.removeIf(r -> done.contains(key("CronJob", r.name)));
    return new Restored(patched, gone, failed);
  }

  private boolean restorePatch(HasMetadata object, Object original, String window) {
    if (annotation(object, DRAINED_BY) != null && !drainedBy(object, window)) {
      return false; // another window drained it meanwhile; that window restores it
    }
    // A JSON patch, not a merge patch: removing the annotations must not depend on the server
    // treating null as "delete" (the mock API server stores the null).
    List<Map<String, Object>> ops = new ArrayList<>();
    for (String name : List.of(DRAINED_BY, ORIGINAL_REPLICAS, ORIGINAL_SUSPEND)) {
      if (annotation(object, name) != null) {
        ops.add(
            op(
                "remove",
                "/metadata/annotations/" + name.replace("~", "~0").replace("/", "~1"),
                null));
      }
    }
    if (object instanceof CronJob cronJob) {
      boolean suspend = Boolean.TRUE.equals(original);
      if (!Objects.equals(cronJob.getSpec().getSuspend(), suspend)) {
        ops.add(op("add", "/spec/suspend", suspend));
      }
    } else {
      int replicas = original == null ? replicas(object) : (Integer) original;
      if (replicas(object) != replicas) {
        ops.add(op("add", "/spec/replicas", replicas));
      }
    }
    if (ops.isEmpty()) {
      return false;
    }
    send(object, PatchType.JSON, ops);
    return true;
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("op", op);
    m.put("path", path);
    if (!"remove".equals(op)) {
      m.put("value", value);
    }
    return m;
  }

  private void patch(HasMetadata object, Map<String, Object> body) {
    send(object, PatchType.JSON_MERGE, body);
  }

  private void send(HasMetadata object, PatchType type, Object body) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    client
        .resource(object)
        .inNamespace(object.getMetadata().getNamespace())
        .patch(PatchContext.of(type), json);
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

  private static boolean ownedByOther(HasMetadata object, String window) {
    String owner = annotation(object, DRAINED_BY);
    return owner != null && !owner.equals(window);
  }

  private static Optional<WorkloadRecord> findWorkload(
      DrainStatus drain, String kind, String name) {
    return drain.workloads.stream()
        .filter(r -> kind.equals(r.kind) && name.equals(r.name))
        .findFirst();
  }

  private static Optional<CronJobRecord> findCronJob(DrainStatus drain, String name) {
    return drain.cronJobs.stream().filter(r -> name.equals(r.name)).findFirst();
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

  private static Integer parseInt(String text) {
    try {
      return text == null ? null : Integer.valueOf(text.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
