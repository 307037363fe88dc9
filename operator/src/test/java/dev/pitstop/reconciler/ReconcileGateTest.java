package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reconciles pass until the gate closes; closing waits (bounded) for the ones under way. */
class ReconcileGateTest {
  private final ReconcileGate gate = new ReconcileGate();

  @Test
  void reconcilesEnterUntilTheGateIsClosedThenNoneDoes() {
    assertThat(gate.enter()).isTrue();
    assertThat(gate.enter()).as("reconciles of other resources at the same time").isTrue();
    gate.leave();
    gate.leave();

    assertThat(gate.close(Duration.ZERO)).as("none running").isTrue();
    assertThat(gate.enter()).isFalse();
    assertThat(gate.close(Duration.ZERO)).as("closing again").isTrue();
  }

  @Test
  void closingWaitsForTheReconcileUnderWayAndRefusesNewOnesMeanwhile() throws Exception {
    assertThat(gate.enter()).isTrue();

    CompletableFuture<Boolean> closed =
        CompletableFuture.supplyAsync(() -> gate.close(Duration.ofSeconds(30)));
    await("the gate to refuse reconciles")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              if (gate.enter()) {
                gate.leave(); // not closed yet
                return false;
              }
              return true;
            });
    assertThat(closed).as("still waiting for the running reconcile").isNotDone();

    gate.leave();
    assertThat(closed.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(gate.enter()).isFalse();
  }

  @Test
  void closingGivesUpAfterTheWaitWhenAReconcileIsStillRunning() {
    assertThat(gate.enter()).isTrue();

    long started = System.nanoTime();
    assertThat(gate.close(Duration.ofMillis(200))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(gate.enter()).as("closed all the same").isFalse();

    gate.leave();
    assertThat(gate.close(Duration.ZERO)).isTrue();
  }

  @Test
  void leavingWithoutEnteringIsABug() {
    assertThatThrownBy(gate::leave).isInstanceOf(IllegalStateException.class);
  }
}
