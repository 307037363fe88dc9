package dev.pitstop.reconciler.maintenancewindow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.CronJobRecord;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.DrainStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus.WorkloadRecord;
import dev.pitstop.reconciler.ApiServerAnswer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The field manager of every write to workloads and CronJobs: the API server records it in their
   * {@code metadata.managedFields}, and names it in the conflict another manager's apply gets.
   */
  static final String FIELD_MANAGER = "pitstop";

  private final KubernetesClient client;

  WorkloadDrain(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Adds records for selected objects not recorded yet (first record wins: a value is never
   * overwritten). The original comes from the object's own annotation if this window already
   * changed it, else from the object. Objects another window drained are left alone.
   *
   * <p>A recorded workload or CronJob whose {@code metadata.uid} differs from the object of that
   * name now was deleted and re-created: the new object is recorded as a new one, with its own
   * replicas or suspend flag.
   */
  Recorded record(DrainStatus drain, WindowSources.Selection selection, String window) {
    boolean added = false;
    List<String> replaced = new ArrayList<>();
    for (HasMetadata workload : selection.workloads()) {
      if (!ownedByOther(workload, window)
          && !Workloads.drainedBy(workload, window)
          && findWorkload(drain, Workloads.kindOf(workload), workload.getMetadata().getName())
              .filter(r -> r.uid != null && !r.uid.equals(workload.getMetadata().getUid()))
              .isPresent()) {
        // Re-created during the window: a new object, recorded with its own replicas below.
        drain.workloads.removeIf(
            r ->
                Workloads.kindOf(workload).equals(r.kind)
                    && workload.getMetadata().getName().equals(r.name));
        replaced.add(Workloads.key(Workloads.kindOf(workload), workload.getMetadata().getName()));
        added = true;
      }
      String kind = Workloads.kindOf(workload);
      String name = workload.getMetadata().getName();
      if (ownedByOther(workload, window) || findWorkload(drain, kind, name).isPresent()) {
        continue;
      }
      WorkloadRecord r = new WorkloadRecord();
      r.kind = kind;
      r.name = name;
      r.uid = workload.getMetadata().getUid();
      r.originalReplicas =
          Workloads.drainedBy(workload, window)
                  && parseInt(Workloads.annotation(workload, Workloads.ORIGINAL_REPLICAS)) != null
              ? parseInt(Workloads.annotation(workload, Workloads.ORIGINAL_REPLICAS))
              : Workloads.replicas(workload);
      drain.workloads.add(r);
      added = true;
    }
    for (CronJob cronJob : selection.cronJobs()) {
      String name = cronJob.getMetadata().getName();
      if (!ownedByOther(cronJob, window)
          && !Workloads.drainedBy(cronJob, window)
          && findCronJob(drain, name)
              .filter(r -> r.uid != null && !r.uid.equals(cronJob.getMetadata().getUid()))
              .isPresent()) {
        // Re-created during the window: a new object, recorded with its own suspend flag below.
        drain.cronJobs.removeIf(r -> name.equals(r.name));
        replaced.add(Workloads.key("CronJob", name));
        added = true;
      }
      if (ownedByOther(cronJob, window) || findCronJob(drain, name).isPresent()) {
        continue;
      }
      CronJobRecord r = new CronJobRecord();
      r.name = name;
      r.uid = cronJob.getMetadata().getUid();
      String recorded = Workloads.annotation(cronJob, Workloads.ORIGINAL_SUSPEND);
      r.originalSuspend =
          Workloads.drainedBy(cronJob, window) && recorded != null
              ? Boolean.parseBoolean(recorded)
              : Boolean.TRUE.equals(cronJob.getSpec().getSuspend());
      drain.cronJobs.add(r);
      added = true;
    }
    return new Recorded(added, replaced);
  }

  /**
   * Suspends each recorded CronJob and scales each recorded workload to 0, writing the original and
   * this window's name as annotations in the same patch. Objects already in that state are not
   * touched. An object this window had already changed that is found scaled up or unsuspended again
   * (by a GitOps sync, a person, an autoscaler) is changed again and reported as {@link Reverted}.
   *
   * @return what was patched
   */
  Applied apply(DrainStatus drain, WindowSources.Selection selection, String window) {
    int patched = 0;
    List<Reverted> reverted = new ArrayList<>();
    Map<String, HasMetadata> byKey = new HashMap<>();
    selection
        .workloads()
        .forEach(w -> byKey.put(Workloads.key(Workloads.kindOf(w), w.getMetadata().getName()), w));
    for (CronJob c : selection.recordedCronJobs()) {
      byKey.put(Workloads.key("CronJob", c.getMetadata().getName()), c);
    }
    for (HasMetadata w : selection.recordedWorkloads()) {
      byKey.put(Workloads.key(Workloads.kindOf(w), w.getMetadata().getName()), w);
    }
    for (CronJobRecord r : drain.cronJobs) {
      HasMetadata object = byKey.get(Workloads.key("CronJob", r.name));
      if (object instanceof CronJob cronJob
          && !(Boolean.TRUE.equals(cronJob.getSpec().getSuspend())
              && Workloads.drainedBy(cronJob, window))) {
        if (Workloads.drainedBy(cronJob, window)) {
          reverted.add(
              new Reverted(
                  Workloads.key("CronJob", r.name),
                  "spec.suspend",
                  String.valueOf(cronJob.getSpec().getSuspend()),
                  lastManager(cronJob, "suspend")));
        }
        patch(
            cronJob,
            Map.of(
                "metadata",
                Map.of(
                    "annotations",
                    Map.of(
                        Workloads.ORIGINAL_SUSPEND,
                        String.valueOf(Boolean.TRUE.equals(r.originalSuspend)),
                        Workloads.DRAINED_BY,
                        window)),
                "spec",
                Map.of("suspend", true)));
        patched++;
      }
    }
    for (WorkloadRecord r : drain.workloads) {
      HasMetadata workload = byKey.get(Workloads.key(r.kind, r.name));
      if (workload != null
          && !(Workloads.replicas(workload) == 0 && Workloads.drainedBy(workload, window))) {
        if (Workloads.drainedBy(workload, window)) {
          reverted.add(
              new Reverted(
                  Workloads.key(r.kind, r.name),
                  "spec.replicas",
                  String.valueOf(Workloads.replicas(workload)),
                  lastManager(workload, "replicas")));
        }
        patch(
            workload,
            Map.of(
                "metadata",
                Map.of(
                    "annotations",
                    Map.of(
                        Workloads.ORIGINAL_REPLICAS,
                        String.valueOf(r.originalReplicas),
                        Workloads.DRAINED_BY,
                        window)),
                "spec",
                Map.of("replicas", 0)));
        patched++;
      }
    }
    return new Applied(patched, reverted);
  }

  /**
   * What {@link #apply} did.
   *
   * @param patched how many objects were patched, reverted ones included
   * @param reverted objects this window had changed that were changed back during the window
   */
  record Applied(int patched, List<Reverted> reverted) {}

  /**
   * An object this window had scaled to 0 or suspended, found changed back during the window.
   *
   * @param object {@code Kind/name}
   * @param field {@code spec.replicas} or {@code spec.suspend}
   * @param value the field's value as found
   * @param manager the field manager that last set the field, from the object's {@code
   *     metadata.managedFields}; empty when they name none but Pitstop
   */
  record Reverted(String object, String field, String value, Optional<String> manager) {}

  /**
   * The field manager other than Pitstop's that owns {@code spec.<field>} of {@code object}, the
   * most recent one if several do (an Update of the scale subresource and an apply, say).
   */
  static Optional<String> lastManager(HasMetadata object, String field) {
    List<ManagedFieldsEntry> entries = object.getMetadata().getManagedFields();
    if (entries == null) {
      return Optional.empty();
    }
    String best = null;
    String bestTime = "";
    for (ManagedFieldsEntry e : entries) {
      if (e.getManager() == null
          || FIELD_MANAGER.equals(e.getManager())
          || e.getFieldsV1() == null
          || !(e.getFieldsV1().getAdditionalProperties().get("f:spec") instanceof Map<?, ?> spec)
          || !spec.containsKey("f:" + field)) {
        continue;
      }
      String time = e.getTime() == null ? "" : e.getTime();
      if (best == null || time.compareTo(bestTime) > 0) {
        best = e.getManager();
        bestTime = time;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * What {@link #record} did.
   *
   * @param added whether a record was added or replaced (the caller must persist status before
   *     {@link #apply})
   * @param replaced workloads ({@code Kind/name}) deleted and re-created during the window: the old
   *     object's record was dropped and the new object recorded with its own replicas
   */
  record Recorded(boolean added, List<String> replaced) {}

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
        .forEach(
            w -> existing.put(Workloads.key(Workloads.kindOf(w), w.getMetadata().getName()), w));
    selection
        .recordedCronJobs()
        .forEach(c -> existing.put(Workloads.key("CronJob", c.getMetadata().getName()), c));
    Map<String, Object> originals = new LinkedHashMap<>();
    drain.workloads.forEach(r -> originals.put(Workloads.key(r.kind, r.name), r.originalReplicas));
    drain.cronJobs.forEach(r -> originals.put(Workloads.key("CronJob", r.name), r.originalSuspend));
    for (HasMetadata orphan : selection.annotatedByWindow()) {
      String k = Workloads.key(Workloads.kindOf(orphan), orphan.getMetadata().getName());
      existing.putIfAbsent(k, orphan);
      if (!originals.containsKey(k)) {
        originals.put(
            k,
            orphan instanceof CronJob
                ? Boolean.valueOf(
                    Boolean.parseBoolean(Workloads.annotation(orphan, Workloads.ORIGINAL_SUSPEND)))
                : parseInt(Workloads.annotation(orphan, Workloads.ORIGINAL_REPLICAS)));
      }
    }
    Map<String, String> uids = new HashMap<>();
    drain.workloads.forEach(r -> uids.put(Workloads.key(r.kind, r.name), r.uid));
    drain.cronJobs.forEach(r -> uids.put(Workloads.key("CronJob", r.name), r.uid));
    Set<String> done = new HashSet<>();
    for (Map.Entry<String, Object> e : originals.entrySet()) {
      HasMetadata object = existing.get(e.getKey());
      String uid = uids.get(e.getKey());
      if (object != null
          && uid != null
          && !uid.equals(object.getMetadata().getUid())
          && !Workloads.drainedBy(object, window)) {
        object = null; // re-created during the window: the recorded object is gone
      }
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
          failed.add(e.getKey() + ": " + ApiServerAnswer.of(ex));
        }
      }
    }
    drain.workloads.removeIf(r -> done.contains(Workloads.key(r.kind, r.name)));
    drain.cronJobs.removeIf(r -> done.contains(Workloads.key("CronJob", r.name)));
    return new Restored(patched, gone, failed);
  }

  private boolean restorePatch(HasMetadata object, Object original, String window) {
    if (Workloads.annotation(object, Workloads.DRAINED_BY) != null
        && !Workloads.drainedBy(object, window)) {
      return false; // another window drained it meanwhile; that window restores it
    }
    // A JSON patch, not a merge patch: removing the annotations must not depend on the server
    // treating null as "delete" (the mock API server stores the null).
    List<Map<String, Object>> ops = new ArrayList<>();
    for (String name :
        List.of(Workloads.DRAINED_BY, Workloads.ORIGINAL_REPLICAS, Workloads.ORIGINAL_SUSPEND)) {
      if (Workloads.annotation(object, name) != null) {
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
      int replicas = original == null ? Workloads.replicas(object) : (Integer) original;
      if (Workloads.replicas(object) != replicas) {
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
    PatchContext context =
        new PatchContext.Builder().withPatchType(type).withFieldManager(FIELD_MANAGER).build();
    client.resource(object).inNamespace(object.getMetadata().getNamespace()).patch(context, json);
  }

  private static boolean ownedByOther(HasMetadata object, String window) {
    String owner = Workloads.annotation(object, Workloads.DRAINED_BY);
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

  private static Integer parseInt(String text) {
    try {
      return text == null ? null : Integer.valueOf(text.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
