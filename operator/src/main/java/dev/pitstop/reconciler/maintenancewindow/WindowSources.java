package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.reconciler.maintenancewindow.model.LabelSelectors;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a MaintenanceWindow watches through informers (no polling): its workloads, CronJobs, Jobs
 * and their Pods, and the three kinds that reference it, each event mapped back to the windows it
 * concerns. The reconciler reads all of them from these caches.
 */
final class WindowSources {
  private static final String DEPLOYMENTS = "window-deployments";
  private static final String STATEFUL_SETS = "window-statefulsets";
  private static final String CRON_JOBS = "window-cronjobs";
  private static final String JOBS = "window-jobs";
  private static final String PODS = "window-pods";
  private static final String MIGRATIONS = "window-databasemigrations";
  private static final String RESETS = "window-sandboxresets";
  private static final String CLEANUPS = "window-cleanupschedules";

  private WindowSources() {}

  /** The objects a window acts on, from the caches. */
  record Selection(
      List<HasMetadata> workloads,
      List<CronJob> cronJobs,
      List<HasMetadata> recordedWorkloads,
      List<CronJob> recordedCronJobs,
      List<HasMetadata> annotatedByWindow,
      List<Job> jobs) {}

  static List<EventSource<?, MaintenanceWindow>> eventSources(
      EventSourceContext<MaintenanceWindow> context) {
    var windows = context.getPrimaryCache();
    Function<HasMetadata, Stream<MaintenanceWindow>> inNamespace =
        o -> windows.list(o.getMetadata().getNamespace());
    List<EventSource<?, MaintenanceWindow>> sources = new ArrayList<>();
    sources.add(
        informer(
            context,
            Deployment.class,
            DEPLOYMENTS,
            inNamespace,
            (w, d) -> concerns(w, Workloads.DEPLOYMENT, d)));
    sources.add(
        informer(
            context,
            StatefulSet.class,
            STATEFUL_SETS,
            inNamespace,
            (w, s) -> concerns(w, Workloads.STATEFUL_SET, s)));
    sources.add(
        informer(
            context,
            CronJob.class,
            CRON_JOBS,
            inNamespace,
            (w, c) ->
                Workloads.selectsCronJob(w, c)
                    || Workloads.drainedBy(c, w.getMetadata().getName())
                    || recorded(w).cronJobs.stream()
                        .anyMatch(r -> r.name.equals(c.getMetadata().getName()))));
    sources.add(
        informer(
            context,
            Job.class,
            JOBS,
            inNamespace,
            (w, j) -> {
              Drain drain = w.getSpec() == null ? null : w.getSpec().drain;
              return drain != null
                  && drain.jobs != null
                  && LabelSelectors.matches(drain.jobs.selector, j.getMetadata().getLabels());
            }));
    // Pods matter only while a window waits for them to go away.
    sources.add(
        informer(
            context,
            Pod.class,
            PODS,
            inNamespace,
            (w, p) -> phase(w) == WindowPhase.Draining && !recorded(w).workloads.isEmpty()));
    sources.add(
        referencing(
            context,
            DatabaseMigration.class,
            MIGRATIONS,
            d -> d.getSpec() == null ? null : d.getSpec().maintenanceWindowRef));
    sources.add(
        referencing(
            context,
            SandboxReset.class,
            RESETS,
            r -> r.getSpec() == null ? null : r.getSpec().maintenanceWindowRef));
    sources.add(
        referencing(
            context,
            CleanupSchedule.class,
            CLEANUPS,
            c -> c.getSpec() == null ? null : c.getSpec().maintenanceWindowRef));
    return sources;
  }

  /** The objects {@code window} selects or recorded, from the caches. */
  static Selection select(Context<MaintenanceWindow> context, MaintenanceWindow window) {
    String namespace = window.getMetadata().getNamespace();
    String name = window.getMetadata().getName();
    MaintenanceWindowStatus.DrainStatus drain = recorded(window);
    List<HasMetadata> workloads = new ArrayList<>();
    List<HasMetadata> recordedWorkloads = new ArrayList<>();
    List<HasMetadata> annotated = new ArrayList<>();
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(list(context, Deployment.class, DEPLOYMENTS, namespace, o -> true));
    all.addAll(list(context, StatefulSet.class, STATEFUL_SETS, namespace, o -> true));
    for (HasMetadata w : all) {
      String kind = Workloads.kindOf(w);
      String n = w.getMetadata().getName();
      if (Workloads.selects(window, kind, w)) {
        workloads.add(w);
      }
      if (drain.workloads.stream().anyMatch(r -> kind.equals(r.kind) && n.equals(r.name))) {
        recordedWorkloads.add(w);
      }
      if (Workloads.drainedBy(w, name)) {
        annotated.add(w);
      }
    }
    List<CronJob> cronJobs = new ArrayList<>();
    List<CronJob> recordedCronJobs = new ArrayList<>();
    for (CronJob c : list(context, CronJob.class, CRON_JOBS, namespace, o -> true)) {
      if (Workloads.selectsCronJob(window, c)) {
        cronJobs.add(c);
      }
      if (drain.cronJobs.stream().anyMatch(r -> r.name.equals(c.getMetadata().getName()))) {
        recordedCronJobs.add(c);
      }
      if (Workloads.drainedBy(c, name)) {
        annotated.add(c);
      }
    }
    Drain spec = window.getSpec() == null ? null : window.getSpec().drain;
    List<Job> jobs =
        spec == null || spec.jobs == null
            ? List.of()
            : list(
                context,
                Job.class,
                JOBS,
                namespace,
                j -> LabelSelectors.matches(spec.jobs.selector, j.getMetadata().getLabels()));
    return new Selection(workloads, cronJobs, recordedWorkloads, recordedCronJobs, annotated, jobs);
  }

  /** Pods in the window's namespace. */
  static List<Pod> pods(Context<MaintenanceWindow> context, MaintenanceWindow window) {
    return list(context, Pod.class, PODS, window.getMetadata().getNamespace(), p -> true);
  }

  /**
   * Operations referencing {@code window} that are running now, as {@code Kind/name}, sorted:
   * DatabaseMigrations in Migrating, SandboxResets in Resetting or Seeding, CleanupSchedules in
   * Running.
   */
  static List<String> holders(Context<MaintenanceWindow> context, MaintenanceWindow window) {
    String namespace = window.getMetadata().getNamespace();
    String name = window.getMetadata().getName();
    List<String> holders = new ArrayList<>();
    list(
            context,
            DatabaseMigration.class,
            MIGRATIONS,
            namespace,
            d ->
                refersTo(d.getSpec() == null ? null : d.getSpec().maintenanceWindowRef, name)
                    && d.getStatus() != null
                    && d.getStatus().phase == MigrationPhase.Migrating)
        .forEach(d -> holders.add("DatabaseMigration/" + d.getMetadata().getName()));
    list(
            context,
            SandboxReset.class,
            RESETS,
            namespace,
            r ->
                refersTo(r.getSpec() == null ? null : r.getSpec().maintenanceWindowRef, name)
                    && r.getStatus() != null
                    && Set.of(ResetPhase.Resetting, ResetPhase.Seeding)
                        .contains(r.getStatus().phase))
        .forEach(r -> holders.add("SandboxReset/" + r.getMetadata().getName()));
    list(
            context,
            CleanupSchedule.class,
            CLEANUPS,
            namespace,
            c ->
                refersTo(c.getSpec() == null ? null : c.getSpec().maintenanceWindowRef, name)
                    && c.getStatus() != null
                    && c.getStatus().phase == CleanupPhase.Running)
        .forEach(c -> holders.add("CleanupSchedule/" + c.getMetadata().getName()));
    holders.sort(null);
    return holders;
  }

  /** Whether any operation (of any phase) references {@code window}. */
  static boolean referenced(Context<MaintenanceWindow> context, MaintenanceWindow window) {
    String namespace = window.getMetadata().getNamespace();
    String name = window.getMetadata().getName();
    return !list(
                context,
                DatabaseMigration.class,
                MIGRATIONS,
                namespace,
                d -> refersTo(d.getSpec() == null ? null : d.getSpec().maintenanceWindowRef, name))
            .isEmpty()
        || !list(
                context,
                SandboxReset.class,
                RESETS,
                namespace,
                r -> refersTo(r.getSpec() == null ? null : r.getSpec().maintenanceWindowRef, name))
            .isEmpty()
        || !list(
                context,
                CleanupSchedule.class,
                CLEANUPS,
                namespace,
                c -> refersTo(c.getSpec() == null ? null : c.getSpec().maintenanceWindowRef, name))
            .isEmpty();
  }

  private static <T extends HasMetadata> List<T> list(
      Context<MaintenanceWindow> context,
      Class<T> type,
      String source,
      String namespace,
      Predicate<T> filter) {
    @SuppressWarnings("unchecked")
    InformerEventSource<T, MaintenanceWindow> informer =
        (InformerEventSource<T, MaintenanceWindow>)
            context.eventSourceRetriever().getEventSourceFor(type, source);
    return informer.list(namespace, filter).collect(Collectors.toList());
  }

  private static <T extends HasMetadata> EventSource<T, MaintenanceWindow> informer(
      EventSourceContext<MaintenanceWindow> context,
      Class<T> type,
      String name,
      Function<HasMetadata, Stream<MaintenanceWindow>> candidates,
      BiPredicate<MaintenanceWindow, T> concerns) {
    var config =
        InformerEventSourceConfiguration.from(type, MaintenanceWindow.class)
            .withName(name)
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(
                (T object) ->
                    candidates
                        .apply(object)
                        .filter(w -> concerns.test(w, object))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    return new InformerEventSource<>(config, context);
  }

  private static <T extends HasMetadata> EventSource<T, MaintenanceWindow> referencing(
      EventSourceContext<MaintenanceWindow> context,
      Class<T> type,
      String name,
      Function<T, LocalObjectRef> ref) {
    var config =
        InformerEventSourceConfiguration.from(type, MaintenanceWindow.class)
            .withName(name)
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(
                (T object) -> {
                  LocalObjectRef r = ref.apply(object);
                  return r == null || r.name == null
                      ? Set.of()
                      : Set.of(new ResourceID(r.name, object.getMetadata().getNamespace()));
                })
            .build();
    return new InformerEventSource<>(config, context);
  }

  private static boolean concerns(MaintenanceWindow window, String kind, HasMetadata workload) {
    String name = workload.getMetadata().getName();
    return Workloads.selects(window, kind, workload)
        || Workloads.drainedBy(workload, window.getMetadata().getName())
        || recorded(window).workloads.stream()
            .anyMatch(r -> kind.equals(r.kind) && name.equals(r.name));
  }

  private static boolean refersTo(LocalObjectRef ref, String window) {
    return ref != null && window.equals(ref.name);
  }

  private static WindowPhase phase(MaintenanceWindow window) {
    return window.getStatus() == null ? null : window.getStatus().phase;
  }

  static MaintenanceWindowStatus.DrainStatus recorded(MaintenanceWindow window) {
    MaintenanceWindowStatus status = window.getStatus();
    return status == null || status.drain == null
        ? new MaintenanceWindowStatus.DrainStatus()
        : status.drain;
  }
}
