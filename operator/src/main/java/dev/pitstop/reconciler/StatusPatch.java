package dev.pitstop.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.Objects;

/**
 * Writes a resource's status only when it differs from what the reconcile started with.
 *
 * <p>The whole status is sent (server-side apply, or a status update with optimistic locking),
 * never a diff against the informer cache: a diff computed from a cached copy that lags behind a
 * previous write would silently keep fields this reconcile cleared. The written resource goes into
 * the controller's cache so the next reconcile starts from it.
 */
public final class StatusPatch {
  private StatusPatch() {}

  /** The status as JSON, to compare after the reconcile changed it. */
  public static String snapshot(CustomResource<?, ?> resource) {
    return resource.getStatus() == null ? "null" : Serialization.asJson(resource.getStatus());
  }

  /**
   * Writes the status if it changed since {@code before}; returns {@code noUpdate} for the caller
   * to add a reschedule to.
   */
  public static <R extends CustomResource<?, ?>> UpdateControl<R> ifChanged(
      R resource, String before, Context<R> context) {
    if (!Objects.equals(before, snapshot(resource))) {
      write(resource, context);
    }
    return UpdateControl.noUpdate();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <R extends CustomResource<?, ?>> R write(R resource, Context<R> context) {
    boolean ssa =
        context
            .getControllerConfiguration()
            .getConfigurationService()
            .useSSAToPatchPrimaryResource();
    Object status = resource.getStatus();
    if (ssa) {
      // The client's own serialization: it keeps what the resource was read with.
      R fresh = context.getClient().getKubernetesSerialization().clone(resource);
      fresh.setMetadata(
          new ObjectMetaBuilder()
              .withName(resource.getMetadata().getName())
              .withNamespace(resource.getMetadata().getNamespace())
              .build());
      ((CustomResource) fresh).setSpec(null);
      return PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(resource, fresh, context);
    } else {
      return PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          resource,
          context,
          r -> {
            ((CustomResource) r).setStatus(status);
            return r;
          });
    }
  }

  /**
   * Writes the status now, during the reconcile, if it changed since {@code before}: for state that
   * must be stored before the operator acts on it (e.g. original replicas before scaling). The
   * write uses optimistic locking and is cached, so the next reconcile sees it even before the
   * informer does. Return {@code noUpdate} from such a reconcile.
   *
   * @return the snapshot after the write, for the next comparison
   */
  public static <R extends CustomResource<?, ?>> String writeNow(
      R resource, Context<R> context, String before) {
    String now = snapshot(resource);
    if (Objects.equals(before, now)) {
      return before;
    }
    R updated = write(resource, context);
    resource.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
    return now;
  }
}
