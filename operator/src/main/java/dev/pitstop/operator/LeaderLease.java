package dev.pitstop.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader-election Lease this operator process competes for, and its release on a graceful stop.
 *
 * <p>JOSDK 5.2 builds fabric8's leader elector with {@code releaseOnCancel} off (it needs the
 * stop-leading callback in every case) and has no setting for it, so stopping the operator leaves
 * the Lease held until it expires, and a standby waits a full lease duration (15 s) to take over.
 * {@link #release} gives it up the way client-go's {@code ReleaseOnCancel} does.
 *
 * @param namespace the Lease's namespace
 * @param name the Lease's name
 * @param identity who this process is in the Lease's {@code holderIdentity}: the pod's host name
 *     and a random part, so two processes (a restarted container, two operators in one JVM) never
 *     take each other for the holder
 */
record LeaderLease(String namespace, String name, String identity) {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderLease.class);

  /** The Lease of {@code settings}, in {@code fallbackNamespace} if the settings name none. */
  static Optional<LeaderLease> of(OperatorSettings settings, String fallbackNamespace) {
    if (!settings.leaderElection()) {
      return Optional.empty();
    }
    String host = System.getenv("HOSTNAME");
    String identity = (host == null || host.isBlank() ? "pitstop" : host) + "_" + UUID.randomUUID();
    return Optional.of(
        new LeaderLease(
            settings.leaseNamespace().orElse(fallbackNamespace), settings.leaseName(), identity));
  }

  /** How often a release is tried again after a conflict with this process's own last write. */
  static final int RELEASE_ATTEMPTS = 3;

  /**
   * Releases the Lease if this process still holds it: no holder, a lease duration of 1 s, renewed
   * and acquired now, the same count of transitions. The write is an update at the resource version
   * just read, so it fails (and changes nothing) if another replica took the Lease meanwhile. A
   * conflict while the Lease still names this process is this process's own renewal, sent just
   * before stopping and applied after the read (its client was interrupted, not the server): the
   * release reads again and tries again. Call it only once this process has stopped reconciling and
   * renewing.
   *
   * @return whether the Lease was released
   */
  boolean release(KubernetesClient client) {
    return release(client, () -> {});
  }

  /**
   * {@link #release(KubernetesClient)}, with {@code afterRead} run between each read and its write
   * (tests: a renewal that lands there).
   */
  boolean release(KubernetesClient client, Runnable afterRead) {
    if (namespace == null) {
      return false; // JOSDK refused to start leader election without one
    }
    try {
      for (int attempt = 1; ; attempt++) {
        Lease lease = client.leases().inNamespace(namespace).withName(name).get();
        if (lease == null
            || lease.getSpec() == null
            || !identity.equals(lease.getSpec().getHolderIdentity())) {
          return false;
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        lease.getSpec().setHolderIdentity(null);
        lease.getSpec().setLeaseDurationSeconds(1);
        lease.getSpec().setAcquireTime(now);
        lease.getSpec().setRenewTime(now);
        afterRead.run();
        try {
          client.resource(lease).update();
        } catch (KubernetesClientException e) {
          if (e.getCode() == HttpURLConnection.HTTP_CONFLICT && attempt < RELEASE_ATTEMPTS) {
            continue; // changed since the read: read again; it is released if still ours
          }
          throw e;
        }
        LOG.info("Released the leader-election Lease {}/{}", namespace, name);
        return true;
      }
    } catch (KubernetesClientException e) {
      // Another replica took it, or the API server is unreachable: the Lease expires by itself.
      LOG.warn(
          "Could not release the leader-election Lease {}/{}: {}", namespace, name, e.getMessage());
      return false;
    }
  }
}
