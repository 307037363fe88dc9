package dev.pitstop.reconciler.maintenancewindow;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;

/** Builds the MaintenanceWindows and workloads the window tests apply. */
public final class WindowFixtures {
  private WindowFixtures() {}

  /** An on-demand window ({@code active: true}) on the database in Secret {@code app-db}. */
  public static MaintenanceWindow window(String name) {
    MaintenanceWindow window = new MaintenanceWindow();
    window.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    MaintenanceWindowSpec spec = new MaintenanceWindowSpec();
    spec.database = new DatabaseRef("app-db");
    spec.active = true;
    spec.pollInterval = "100ms";
    spec.drain = new Drain();
    spec.drain.timeout = "2m";
    window.setSpec(spec);
    return window;
  }

  public static Drain.WorkloadSelector named(Drain.WorkloadKind kind, String name) {
    Drain.WorkloadSelector s = new Drain.WorkloadSelector();
    s.kind = kind;
    s.name = name;
    return s;
  }

  public static Drain.WorkloadSelector labelled(Drain.WorkloadKind kind, String key, String value) {
    Drain.WorkloadSelector s = new Drain.WorkloadSelector();
    s.kind = kind;
    s.selector = labels(key, value);
    return s;
  }

  public static Drain.Selection selection(String key, String value) {
    Drain.Selection s = new Drain.Selection();
    s.selector = labels(key, value);
    return s;
  }

  public static Drain.Tasks tasks(String query) {
    Drain.Tasks t = new Drain.Tasks();
    t.query = query;
    return t;
  }

  public static Drain.Connections connections(
      String role, String grace, boolean terminate, boolean blockNew) {
    Drain.Connections c = new Drain.Connections();
    c.roles = List.of(role);
    c.gracePeriod = grace;
    c.terminate = terminate;
    c.blockNew = blockNew;
    return c;
  }

  public static LabelSelector labels(String key, String value) {
    return new LabelSelectorBuilder().withMatchLabels(Map.of(key, value)).build();
  }

  public static Deployment deployment(String name, int replicas, Map<String, String> labels) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withTemplate(appPods(name, "example/app:1"))
        .endSpec()
        .build();
  }

  /** Pods labelled {@code app: name}, one container running {@code image}. */
  private static PodTemplateSpec appPods(String name, String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Map.of("app", name))
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }

  /** A job's pods: one container that runs to completion. */
  private static PodTemplateSpec jobPods() {
    return new PodTemplateSpecBuilder()
        .withNewSpec()
        .addNewContainer()
        .withName("job")
        .withImage("example/job:1")
        .endContainer()
        .withRestartPolicy("Never")
        .endSpec()
        .build();
  }

  public static StatefulSet statefulSet(String name, int replicas, Map<String, String> labels) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(name)
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withTemplate(appPods(name, "example/worker:1"))
        .endSpec()
        .build();
  }

  public static CronJob cronJob(String name, boolean suspend, Map<String, String> labels) {
    return new CronJobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withSchedule("*/5 * * * *")
        .withSuspend(suspend)
        .withNewJobTemplate()
        .withNewSpec()
        .withTemplate(jobPods())
        .endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
  }

  public static Job job(String name, int active, Map<String, String> labels) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withTemplate(jobPods())
        .endSpec()
        .withNewStatus()
        .withActive(active)
        .endStatus()
        .build();
  }
}
