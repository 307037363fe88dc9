package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UnmarkedRunsTest {
  private static final Duration GRACE = Duration.ofSeconds(3);
  private static final Duration START_GRACE = Duration.ofSeconds(15);
  private final AtomicLong nanos = new AtomicLong();
  private final UnmarkedRuns runs = new UnmarkedRuns(GRACE, START_GRACE, nanos::get);

  private void at(double seconds) {
    nanos.set((long) (seconds * 1_000_000_000L));
  }

  @Test
  void aRunUnmarkedForTheGraceWithTheSameProgressCountsAsStopped() {
    at(0);
    assertThat(runs.noMark("uid", "batch 4", true)).isEqualTo(GRACE);
    at(1);
    assertThat(runs.noMark("uid", "batch 4", true)).isEqualTo(Duration.ofSeconds(2));
    at(3);
    assertThat(runs.noMark("uid", "batch 4", true)).isNull();
  }

  /**
   * One look just before the other operator's run took its mark, the next just after the run ended,
   * before its result was written: the run published progress in between, so it was going.
   */
  @Test
  void aRunWhoseProgressMovedBetweenTwoLooksWithoutAMarkWasGoing() {
    at(0);
    assertThat(runs.noMark("uid", "started", true)).isEqualTo(GRACE);
    at(3.1);
    assertThat(runs.noMark("uid", "batch 10 of 10", true)).isEqualTo(GRACE);
    at(6.2);
    assertThat(runs.noMark("uid", "batch 10 of 10", true)).isNull();
  }

  @Test
  void aMarkSeenStartsTheCountAgain() {
    at(0);
    runs.noMark("uid", "p", true);
    at(2);
    runs.forget("uid");
    at(4);
    assertThat(runs.noMark("uid", "p", true)).isEqualTo(GRACE);
    at(7);
    assertThat(runs.noMark("uid", "p", true)).isNull();
  }

  @Test
  void eachResourceIsCountedOnItsOwn() {
    at(0);
    runs.noMark("a", "p", true);
    at(3);
    assertThat(runs.noMark("b", "p", true)).isEqualTo(GRACE);
    assertThat(runs.noMark("a", "p", true)).isNull();
  }

  /**
   * Another operator wrote Running, but its job is still starting (a login on a new pool, a busy
   * machine): a run that shows no work yet gets the longer start grace.
   */
  @Test
  void aRunThatShowsNoWorkYetGetsTheStartGrace() {
    at(0);
    assertThat(runs.noMark("uid", "started", false)).isEqualTo(START_GRACE);
    at(8);
    assertThat(runs.noMark("uid", "started", false)).isEqualTo(Duration.ofSeconds(7));
    at(15);
    assertThat(runs.noMark("uid", "started", false)).isNull();
  }
}
