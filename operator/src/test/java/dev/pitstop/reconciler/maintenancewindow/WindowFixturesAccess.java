package dev.pitstop.reconciler.maintenancewindow;

import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Map;

/** {@link WindowFixtures} for tests in other packages. */
public final class WindowFixturesAccess {
  private WindowFixturesAccess() {}

  /**
   * An on-demand window draining Deployment {@code api}, StatefulSets labelled {@code tier=worker},
   * CronJobs and Jobs labelled {@code app=shop}, with a tasks query and a mode table.
   */
  public static MaintenanceWindow fullWindow(String name, String tasksQuery) {
    MaintenanceWindow window = WindowFixtures.window(name);
    Drain drain = window.getSpec().drain;
    drain.workloads.add(WindowFixtures.named(Drain.WorkloadKind.Deployment, "api"));
    drain.workloads.add(WindowFixtures.labelled(Drain.WorkloadKind.StatefulSet, "tier", "worker"));
    drain.cronJobs = WindowFixtures.selection("app", "shop");
    drain.jobs = WindowFixtures.selection("app", "shop");
    drain.tasks = WindowFixtures.tasks(tasksQuery);
    window.getSpec().modeTable = "app_mode";
    return window;
  }

  public static Deployment deployment(String name, int replicas, Map<String, String> labels) {
    return WindowFixtures.deployment(name, replicas, labels);
  }

  public static StatefulSet statefulSet(String name, int replicas, Map<String, String> labels) {
    return WindowFixtures.statefulSet(name, replicas, labels);
  }

  public static CronJob cronJob(String name, boolean suspend, Map<String, String> labels) {
    return WindowFixtures.cronJob(name, suspend, labels);
  }

  public static Job job(String name, int active, Map<String, String> labels) {
    return WindowFixtures.job(name, active, labels);
  }
}
