package dev.pitstop.reconciler;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
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
}
