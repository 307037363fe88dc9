package dev.pitstop.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;

/** The state of the example workloads a MaintenanceWindow drains, as the demo reports it. */
final class Workloads {
  static final Set<String> KINDS = Set.of("Deployment", "StatefulSet", "CronJob");

  private Workloads() {}

  /** E.g. "Deployment shop-worker: 2 replicas" or "CronJob shop-report: not suspended". */
  static String describe(KubernetesClient client, HasMetadata workload) {
    String namespace = workload.getMetadata().getNamespace();
    String name = workload.getMetadata().getName();
    String state =
        switch (workload.getKind()) {
          case "Deployment" -> {
            Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            yield d == null ? "missing" : replicas(d.getSpec().getReplicas());
          }
          case "StatefulSet" -> {
            StatefulSet s =
                client.apps().statefulSets().inNamespace(namespace).withName(name).get();
            yield s == null ? "missing" : replicas(s.getSpec().getReplicas());
          }
          default -> {
            CronJob c = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
            yield c == null
                ? "missing"
                : Boolean.TRUE.equals(c.getSpec().getSuspend()) ? "suspended" : "not suspended";
          }
        };
    return workload.getKind() + " " + name + ": " + state;
  }

  private static String replicas(Integer replicas) {
    int n = replicas == null ? 1 : replicas;
    return n + (n == 1 ? " replica" : " replicas");
  }
}
