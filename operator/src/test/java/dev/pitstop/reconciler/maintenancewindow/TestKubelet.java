package dev.pitstop.reconciler.maintenancewindow;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The mock API server runs no controllers, so this stands in for the Deployment and StatefulSet
 * controllers and the kubelet: it keeps as many Pods (with the workload's selector labels) as the
 * workload's spec.replicas, creating and deleting them as replicas change. While paused it leaves
 * Pods alone, like a kubelet waiting for slow shutdowns.
 */
public final class TestKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private volatile boolean paused;

  public TestKubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    informers.add(
        client.apps().deployments().inNamespace(namespace).inform(handler(Deployment.class)));
    informers.add(
        client.apps().statefulSets().inNamespace(namespace).inform(handler(StatefulSet.class)));
  }

  /** Stops deleting and creating Pods until {@link #resume()}. */
  void pause() {
    paused = true;
  }

  /** Matches every workload's Pods to its replicas again. */
  void resume() {
    paused = false;
    client.apps().deployments().inNamespace(namespace).list().getItems().forEach(this::sync);
    client.apps().statefulSets().inNamespace(namespace).list().getItems().forEach(this::sync);
  }

  /** The Pods of a workload. */
  public List<Pod> pods(String workload) {
    return client.pods().inNamespace(namespace).withLabel("app", workload).list().getItems();
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler(Class<T> type) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        sync(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        sync(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        if (!paused) {
          pods(obj.getMetadata().getName()).forEach(p -> client.resource(p).delete());
        }
      }
    };
  }

  private synchronized void sync(HasMetadata workload) {
    if (paused) {
      return;
    }
    String name = workload.getMetadata().getName();
    int replicas;
    LabelSelector selector;
    if (workload instanceof Deployment d) {
      replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      selector = d.getSpec().getSelector();
    } else {
      StatefulSet s = (StatefulSet) workload;
      replicas = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
      selector = s.getSpec().getSelector();
    }
    Map<String, String> labels = selector.getMatchLabels();
    List<Pod> pods =
        new ArrayList<>(client.pods().inNamespace(namespace).withLabels(labels).list().getItems());
    pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    for (int i = pods.size(); i < replicas; i++) {
      client
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(name + "-" + i)
                  .withNamespace(namespace)
                  .withLabels(labels)
                  .endMetadata()
                  .withNewStatus()
                  .withPhase("Running")
                  .endStatus()
                  .build())
          .createOr(r -> r.update());
    }
    for (int i = pods.size() - 1; i >= replicas; i--) {
      client.resource(pods.get(i)).delete();
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
