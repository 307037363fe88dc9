package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.Pitstop;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Lets an update reach the reconciler when the spec changed (generation), a run was requested,
 * cancelled or a plan approved by annotation, or deletion began. Status writes, including the
 * operator's own, change none of these, so they do not cause reconcile loops.
 */
public final class RunTriggerFilter<R extends HasMetadata> implements OnUpdateFilter<R> {
  @Override
  public boolean accept(R newResource, R oldResource) {
    if (!Objects.equals(
        newResource.getMetadata().getGeneration(), oldResource.getMetadata().getGeneration())) {
      return true;
    }
    if (newResource.getMetadata().getDeletionTimestamp() != null
        || !Objects.equals(
            newResource.getMetadata().getFinalizers(), oldResource.getMetadata().getFinalizers())) {
      return true;
    }
    Map<String, String> now = annotations(newResource);
    Map<String, String> before = annotations(oldResource);
    return !Objects.equals(now.get(Pitstop.RUN_REQUESTED_AT), before.get(Pitstop.RUN_REQUESTED_AT))
        || !Objects.equals(now.get(Pitstop.APPROVE), before.get(Pitstop.APPROVE))
        || !Objects.equals(now.get(Pitstop.CANCEL), before.get(Pitstop.CANCEL));
  }

  private static Map<String, String> annotations(HasMetadata resource) {
    Map<String, String> a = resource.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }
}
