package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.KubernetesApiExtension;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Releasing the Lease on a graceful stop, also when this process's own last renewal races it. */
class LeaderLeaseTest {
  private static final String ME = "pitstop-0_me";

  @RegisterExtension final KubernetesApiExtension kube = new KubernetesApiExtension();

  private final LeaderLease lease = new LeaderLease("default", "pitstop-leader", ME);

  private Lease held(String holder) {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    return kube.client()
        .resource(
            new LeaseBuilder()
                .withNewMetadata()
                .withName("pitstop-leader")
                .withNamespace("default")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(holder)
                .withLeaseDurationSeconds(15)
                .withAcquireTime(now)
                .withRenewTime(now)
                .withLeaseTransitions(3)
                .endSpec()
                .build())
        .create();
  }

  private Lease read() {
    return kube.client().leases().inNamespace("default").withName("pitstop-leader").get();
  }

  /** What a renewal does: the same holder, renewed now. */
  private void renew(KubernetesClient client) {
    client
        .leases()
        .inNamespace("default")
        .withName("pitstop-leader")
        .edit(
            l -> {
              l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
              return l;
            });
  }

  @Test
  void aHeldLeaseIsReleased() {
    held(ME);
    assertThat(lease.release(kube.client())).isTrue();
    Lease released = read();
    assertThat(released.getSpec().getHolderIdentity()).isNull();
    assertThat(released.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
    assertThat(released.getSpec().getLeaseTransitions()).isEqualTo(3);
  }

  /**
   * SIGTERM right after a renewal was sent: the renewal lands between the release's read and its
   * write (seen in the end-to-end suite: the Lease stayed held for its 15 s).
   */
  @Test
  void ourOwnRenewalLandingBetweenReadAndWriteDoesNotKeepTheLeaseHeld() {
    held(ME);
    AtomicInteger renewals = new AtomicInteger();
    boolean released =
        lease.release(
            kube.client(),
            () -> {
              if (renewals.getAndIncrement() == 0) {
                renew(kube.client());
              }
            });
    assertThat(released).isTrue();
    assertThat(read().getSpec().getHolderIdentity()).isNull();
  }

  @Test
  void aLeaseAnotherReplicaTookIsLeftAlone() {
    held("pitstop-1_other");
    assertThat(lease.release(kube.client())).isFalse();
    assertThat(read().getSpec().getHolderIdentity()).isEqualTo("pitstop-1_other");
  }

  @Test
  void aLeaseAnotherReplicaTakesBetweenReadAndWriteIsLeftToIt() {
    held(ME);
    boolean released =
        lease.release(
            kube.client(),
            () ->
                kube.client()
                    .leases()
                    .inNamespace("default")
                    .withName("pitstop-leader")
                    .edit(
                        l -> {
                          l.getSpec().setHolderIdentity("pitstop-1_other");
                          return l;
                        }));
    assertThat(released).isFalse();
    assertThat(read().getSpec().getHolderIdentity()).isEqualTo("pitstop-1_other");
  }
}
