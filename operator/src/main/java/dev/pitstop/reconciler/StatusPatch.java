package dev.pitstop.reconciler;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.Objects;

/** Patches a resource's status only when it differs from what the reconcile started with. */
public final class StatusPatch {
  private StatusPatch() {}

  /** The status as JSON, to compare after the reconcile changed it. */
  public static String snapshot(CustomResource<?, ?> resource) {
    return resource.getStatus() == null ? "null" : Serialization.asJson(resource.getStatus());
  }

  /** {@code patchStatus} if the status changed since {@code before}, else {@code noUpdate}. */
  public static <R extends CustomResource<?, ?>> UpdateControl<R> ifChanged(
      R resource, String before) {
    return Objects.equals(before, snapshot(resource))
        ? UpdateControl.noUpdate()
        : UpdateControl.patchStatus(resource);
  }

  /**
   * Writes the status now, during the reconcile, if it changed since {@code before}: for state that
   * must be stored before the operator acts on it (e.g. original replicas before scaling). The
   * write uses optimistic locking and is cached, so the next reconcile sees it even before the
   * informer does. Return {@code noUpdate} from such a reconcile.
   *
   * @return the snapshot after the write, for the next comparison
   */
  public static <S, R extends CustomResource<?, S>> String writeNow(
      R resource, Context<R> context, String before) {
    String now = snapshot(resource);
    if (Objects.equals(before, now)) {
      return before;
    }
    S status = resource.getStatus();
    R updated =
        PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
            resource,
            context,
            r -> {
              r.setStatus(status);
              return r;
            });
    resource.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
    return now;
  }
}
