package dev.pitstop.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a resource's status only when it differs from what the reconcile started with.
 *
 * <p>The whole status is sent (server-side apply, or a status update with optimistic locking),
 * never a diff against the informer cache: a diff computed from a cached copy that lags behind a
 * previous write would silently keep fields this reconcile cleared. The written resource goes into
 * the controller's cache so the next reconcile starts from it.
 *
 * <p>{@link #ifChanged} writes only over the version the reconcile read: the update carries its
 * resourceVersion (server-side apply too), and a conflict drops the write instead of sending the
 * same status again over the newer version. Another writer of the status (a second operator without
 * leader election) may have written a result meanwhile that this reconcile never saw; the caller
 * reconciles again soon ({@link #AFTER_CONFLICT}) and decides from the newer version, since a
 * change of status alone brings no reconcile. {@link #writeNow}, for state stored before acting,
 * writes over a newer version whose status is still the one the reconcile read (the user edited the
 * resource) and stops the reconcile when another writer changed the status.
 */
public final class StatusPatch {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPatch.class);

  /** How soon to reconcile again after a write lost to a newer version. */
  public static final Duration AFTER_CONFLICT = Duration.ofMillis(200);

  private StatusPatch() {}

  /** The status as JSON, to compare after the reconcile changed it. */
  public static String snapshot(CustomResource<?, ?> resource) {
    return resource.getStatus() == null ? "null" : Serialization.asJson(resource.getStatus());
  }

  /**
   * Writes the status if it changed since {@code before}, over the version the reconcile read only.
   *
   * @return false if the resource had changed meanwhile and nothing was written: reconcile again
   *     soon (see {@link #AFTER_CONFLICT})
   */
  public static <R extends CustomResource<?, ?>> boolean ifChanged(
      R resource, String before, Context<R> context) {
    if (Objects.equals(before, snapshot(resource))) {
      return true;
    }
    try {
      write(resource, context);
      return true;
    } catch (OperatorException e) {
      if (!conflict(e)) {
        throw e;
      }
      LOG.debug(
          "Status of {}/{} not written: the resource changed since version {}",
          resource.getMetadata().getNamespace(),
          resource.getMetadata().getName(),
          resource.getMetadata().getResourceVersion());
      return false;
    }
  }

  /** Writes the status over the resource's version; a conflict is thrown, never retried. */
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
      // updateAndCacheResource puts the version read on what it sends: for this apply, as for the
      // update below, a precondition the API server checks.
      PatchContext apply =
          new PatchContext.Builder()
              .withForce(true)
              .withFieldManager(context.getControllerConfiguration().fieldManager())
              .withPatchType(PatchType.SERVER_SIDE_APPLY)
              .build();
      UnaryOperator<R> send =
          r -> context.getClient().resource(r).subresource("status").patch(apply);
      return updateAndCache(resource, context, r -> fresh, send);
    }
    return updateAndCache(
        resource,
        context,
        r -> {
          ((CustomResource) r).setStatus(status);
          return r;
        },
        r -> context.getClient().resource(r).updateStatus());
  }

  private static <R extends CustomResource<?, ?>> R updateAndCache(
      R resource, Context<R> context, UnaryOperator<R> change, UnaryOperator<R> send) {
    return PrimaryUpdateAndCacheUtils.updateAndCacheResource(
        resource,
        context,
        change,
        send,
        0,
        PrimaryUpdateAndCacheUtils.DEFAULT_RESOURCE_CACHE_TIMEOUT_MILLIS,
        PrimaryUpdateAndCacheUtils.DEFAULT_RESOURCE_CACHE_POLL_PERIOD_MILLIS);
  }

  /**
   * Writes the status now, during the reconcile, if it changed since {@code before}: for state that
   * must be stored before the operator acts on it (e.g. original replicas before scaling). The
   * written resource is cached, so the next reconcile sees it even before the informer does. Return
   * {@code noUpdate} from such a reconcile.
   *
   * <p>The write goes over the version the reconcile read. When the resource changed meanwhile, it
   * is read again: if its status is still {@code stored} (only the spec or metadata changed: the
   * user edited the resource), the status is written over the newer version; if another writer
   * changed the status (a second operator without leader election), nothing is written and {@link
   * Superseded} is thrown, so the reconcile stops before acting on a status that is no longer true.
   *
   * @param before the status last compared, as {@link #snapshot} gave it
   * @param stored the status the server holds at the resource's version: {@link #snapshot} of the
   *     resource as read, or {@link Written#stored()} of the last write
   * @throws Superseded if another writer changed the status since the reconcile read it
   */
  public static <R extends CustomResource<?, ?>> Written writeNow(
      R resource, Context<R> context, String before, String stored) {
    String now = snapshot(resource);
    if (Objects.equals(before, now)) {
      return new Written(before, stored);
    }
    for (int attempt = 1; ; attempt++) {
      try {
        R updated = write(resource, context);
        resource.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        return new Written(now, snapshot(updated));
      } catch (OperatorException e) {
        if (!conflict(e) || attempt == WRITE_NOW_ATTEMPTS) {
          throw e;
        }
      }
      R latest = context.getClient().resource(resource).get();
      if (latest == null) {
        throw new Superseded(resource, "it was deleted");
      }
      if (!Objects.equals(stored, snapshot(latest))) {
        throw new Superseded(resource, "another writer changed its status");
      }
      resource.getMetadata().setResourceVersion(latest.getMetadata().getResourceVersion());
    }
  }

  /**
   * After {@link #writeNow}: the status to compare the next change with, and the status the server
   * now holds, as {@link #snapshot} gives them.
   */
  public record Written(String status, String stored) {}

  /** How often {@link #writeNow} writes over a resource whose spec or metadata keep changing. */
  private static final int WRITE_NOW_ATTEMPTS = 3;

  private static boolean conflict(OperatorException e) {
    return e.getCause() instanceof KubernetesClientException k
        && k.getCode() == HttpURLConnection.HTTP_CONFLICT;
  }

  /**
   * The status the reconcile started from is no longer the resource's: nothing was written. Stop
   * the reconcile without acting and reconcile again soon (see {@link #AFTER_CONFLICT}).
   */
  public static final class Superseded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Superseded(CustomResource<?, ?> resource, String why) {
      super(
          "status of "
              + resource.getMetadata().getNamespace()
              + "/"
              + resource.getMetadata().getName()
              + " not written: "
              + why
              + " since version "
              + resource.getMetadata().getResourceVersion());
    }
  }
}
