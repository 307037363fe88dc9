package dev.pitstop.reconciler.sandboxreset.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.sandboxreset.model.ResetTriggers.Decision;
import dev.pitstop.reconciler.sandboxreset.model.ResetTriggers.Trigger;
import dev.pitstop.time.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Each rule of when a SandboxReset runs, on a fixed clock. */
class ResetTriggersTest {
  private static final CronSchedule NIGHTLY = CronSchedule.parse("0 3 * * *", "UTC", "s", "z");
  private static final Instant CREATED = Instant.parse("2026-11-01T12:00:00Z");
  private static final Instant FIRE = Instant.parse("2026-11-22T03:00:00Z");

  private final SandboxResetStatus status = new SandboxResetStatus();

  private static ResetTriggers.Resource oneShot(long generation, String runRequest) {
    return oneShot(generation, runRequest, "digest-1");
  }

  private static ResetTriggers.Resource oneShot(
      long generation, String runRequest, String runDigest) {
    return new ResetTriggers.Resource(
        generation, runRequest, null, null, false, Duration.ofHours(1), CREATED, false, runDigest);
  }

  private static ResetTriggers.Resource nightly(String runRequest, String id, boolean suspended) {
    return new ResetTriggers.Resource(
        3, runRequest, id, NIGHTLY, suspended, Duration.ofHours(1), CREATED, false, "digest-1");
  }

  @Test
  void oneShotRunsWhenWhatItDoesChangesAndThenSettles() {
    Decision first = ResetTriggers.decide(oneShot(1, null), status, FIRE);
    assertThat(first.newRequest()).isTrue();
    assertThat(first.run().trigger()).isEqualTo(Trigger.REQUEST);
    assertThat(first.next()).isNull();

    ResetStatuses.newRequest(status, first.run());
    assertThat(ResetTriggers.decide(oneShot(1, null), status, FIRE).run())
        .as("still Pending: the run has not happened yet")
        .isNotNull();

    status.phase = ResetPhase.Succeeded;
    assertThat(ResetTriggers.decide(oneShot(1, null), status, FIRE).run()).isNull();
    status.phase = ResetPhase.Failed;
    assertThat(ResetTriggers.decide(oneShot(1, null), status, FIRE).run()).isNull();

    assertThat(ResetTriggers.decide(oneShot(2, null), status, FIRE).run())
        .as("a new generation that changes only a setting (lockTimeout) runs nothing")
        .isNull();

    Decision edited = ResetTriggers.decide(oneShot(2, null, "digest-2"), status, FIRE);
    assertThat(edited.newRequest()).isTrue();
    assertThat(edited.run().generation()).isEqualTo(2);
    assertThat(edited.run().runDigest()).isEqualTo("digest-2");
  }

  @Test
  void aStatusWrittenBeforeRunDigestsIsAdoptedWithoutARun() {
    status.observedGeneration = 4L;
    status.phase = ResetPhase.Succeeded;
    ResetTriggers.adopt(oneShot(4, null), status);
    assertThat(status.observedRunDigest).isEqualTo("digest-1");
    assertThat(ResetTriggers.decide(oneShot(4, null), status, FIRE).run()).isNull();
  }

  @Test
  void oneShotRunsAgainForANewRunRequestAnnotation() {
    ResetStatuses.newRequest(status, ResetTriggers.decide(oneShot(1, null), status, FIRE).run());
    status.phase = ResetPhase.Succeeded;

    Decision again = ResetTriggers.decide(oneShot(1, "2026-11-22T10:00:00Z"), status, FIRE);

    assertThat(again.newRequest()).isTrue();
    assertThat(again.run().runRequest()).isEqualTo("2026-11-22T10:00:00Z");
  }

  /** Git drops the annotation or spec.runRequestId once it has served: that requests nothing. */
  @Test
  void takingARunRequestOutRequestsNothing() {
    ResetTriggers.Resource requested =
        new ResetTriggers.Resource(
            1, "r1", "x1", null, false, Duration.ofHours(1), CREATED, false, "digest-1");
    ResetStatuses.newRequest(status, ResetTriggers.decide(requested, status, FIRE).run());
    status.phase = ResetPhase.Succeeded;

    assertThat(ResetTriggers.decide(oneShot(1, null), status, FIRE).run())
        .as("both taken out of a one-shot reset")
        .isNull();
    assertThat(
            ResetTriggers.decide(
                    new ResetTriggers.Resource(
                        1,
                        "r1",
                        "x2",
                        null,
                        false,
                        Duration.ofHours(1),
                        CREATED,
                        false,
                        "digest-1"),
                    status,
                    FIRE)
                .run())
        .as("a new runRequestId still runs")
        .isNotNull();

    SandboxResetStatus scheduled = new SandboxResetStatus();
    ResetTriggers.adopt(nightly("r1", "x1"), scheduled);
    scheduled.observedGeneration = 3L;
    Instant beforeTheFireTime = FIRE.minusSeconds(60);
    assertThat(ResetTriggers.decide(nightly(null, "x1"), scheduled, beforeTheFireTime).run())
        .as("the annotation taken out of a scheduled reset")
        .isNull();
    assertThat(ResetTriggers.decide(nightly("r1", null), scheduled, beforeTheFireTime).run())
        .as("spec.runRequestId taken out of a scheduled reset")
        .isNull();
    assertThat(ResetTriggers.decide(nightly("r2", "x1"), scheduled, beforeTheFireTime).run())
        .as("a new annotation value")
        .isNotNull();
  }

  @Test
  void aRunDigestAnEarlierVersionRecordedForTheSameSpecIsAdoptedWithoutARun() {
    status.observedRunDigest = "earlier";
    status.observedGeneration = 1L;
    status.phase = ResetPhase.Succeeded;

    ResetTriggers.adoptDigest(status, "earlier", "digest-1");

    assertThat(status.observedRunDigest).isEqualTo("digest-1");
    assertThat(ResetTriggers.decide(oneShot(1, null), status, FIRE).run()).isNull();
    ResetTriggers.adoptDigest(status, "other", "digest-2");
    assertThat(status.observedRunDigest).as("another spec's digest stays").isEqualTo("digest-1");
  }

  @Test
  void oneShotInterruptedByARestartRunsAgain() {
    ResetStatuses.newRequest(status, ResetTriggers.decide(oneShot(1, null), status, FIRE).run());
    status.phase = ResetPhase.Resetting;

    Decision decision = ResetTriggers.decide(oneShot(1, null), status, FIRE);

    assertThat(decision.newRequest()).isFalse();
    assertThat(decision.run()).isNotNull();
  }

  @Test
  void scheduledResourceWaitsForItsFireTimeAndShowsIt() {
    ResetTriggers.adopt(nightly(null, null), status);
    status.observedGeneration = 3L;

    Decision decision =
        ResetTriggers.decide(nightly(null, null), status, Instant.parse("2026-11-22T02:59:00Z"));

    assertThat(decision.run()).isNull();
    assertThat(decision.next()).isEqualTo(FIRE);
  }

  @Test
  void fireTimeRunsAndIsThenHandled() {
    status.observedGeneration = 3L;
    Decision decision = ResetTriggers.decide(nightly(null, null), status, FIRE.plusSeconds(1));

    assertThat(decision.run().trigger()).isEqualTo(Trigger.SCHEDULE);
    assertThat(decision.run().fireTime()).isEqualTo(FIRE);
    assertThat(decision.next()).isEqualTo(FIRE.plus(Duration.ofDays(1)));

    ResetStatuses.handled(status, decision.run());
    assertThat(status.lastScheduleTime).isEqualTo("2026-11-22T03:00:00Z");
    assertThat(ResetTriggers.decide(nightly(null, null), status, FIRE.plusSeconds(5)).run())
        .isNull();
  }

  @Test
  void fireTimeMissedWhileDownRunsOnceIfYoungerThanTheDeadline() {
    status.observedGeneration = 3L;
    status.lastScheduleTime = "2026-11-21T03:00:00Z";

    Decision late = ResetTriggers.decide(nightly(null, null), status, FIRE.plusSeconds(50 * 60));
    assertThat(late.run().fireTime()).isEqualTo(FIRE);
    assertThat(late.missed()).isNull();

    Decision tooLate =
        ResetTriggers.decide(nightly(null, null), status, FIRE.plus(Duration.ofMinutes(61)));
    assertThat(tooLate.run()).isNull();
    assertThat(tooLate.missed()).isEqualTo(FIRE);
  }

  @Test
  void fireTimeDuringARunningResetIsSkipped() {
    status.observedGeneration = 3L;
    ResetTriggers.Ticket running =
        ResetTriggers.decide(nightly(null, null), status, FIRE.plusSeconds(1)).run();
    Instant nextFire = FIRE.plus(Duration.ofDays(1));

    assertThat(ResetTriggers.skipped(nightly(null, null), status, running, FIRE.plusSeconds(30)))
        .as("the fire time being run is not skipped")
        .isNull();
    assertThat(ResetTriggers.skipped(nightly(null, null), status, running, nextFire.plusSeconds(1)))
        .isEqualTo(nextFire);
  }

  @Test
  void suspendStopsScheduledRunsButNotManualOnes() {
    status.observedGeneration = 3L;
    Decision suspended =
        ResetTriggers.decide(nightly(null, null, true), status, FIRE.plusSeconds(1));
    assertThat(suspended.run()).isNull();
    assertThat(suspended.missed()).isNull();
    assertThat(suspended.next()).isNull();

    Decision manual = ResetTriggers.decide(nightly("now", null, true), status, FIRE.plusSeconds(1));
    assertThat(manual.run().trigger()).isEqualTo(Trigger.MANUAL);
    assertThat(manual.run().fireTime()).isNull();
  }

  @Test
  void runRequestIdOrAnnotationStartsAManualRunThatAlsoServesADueFireTime() {
    ResetTriggers.adopt(nightly(null, "a"), status);
    status.observedGeneration = 3L;
    assertThat(
            ResetTriggers.decide(nightly(null, "a"), status, Instant.parse("2026-11-22T10:00:00Z"))
                .run())
        .as("values present at creation are adopted, not run")
        .isNull();

    Decision manual = ResetTriggers.decide(nightly(null, "b"), status, FIRE.plusSeconds(1));
    assertThat(manual.run().trigger()).isEqualTo(Trigger.MANUAL);
    assertThat(manual.run().fireTime()).isEqualTo(FIRE);

    ResetStatuses.handled(status, manual.run());
    assertThat(status.observedRunRequestId).isEqualTo("b");
    assertThat(ResetTriggers.decide(nightly(null, "b"), status, FIRE.plusSeconds(2)).run())
        .isNull();
  }

  @Test
  void aRunNamesWhatRequestedIt() {
    ResetStatuses.newRequest(
        status, ResetTriggers.decide(oneShot(1, "2026-11-22T10:00:00Z"), status, FIRE).run());
    status.phase = ResetPhase.Succeeded;

    assertThat(
            ResetTriggers.decide(oneShot(2, "2026-11-22T10:00:00Z", "digest-2"), status, FIRE)
                .run()
                .cause())
        .as("a spec change while the served annotation stays is not that request's run")
        .isEqualTo("generation 2");
    assertThat(ResetTriggers.decide(oneShot(1, "2026-11-23T10:00:00Z"), status, FIRE).run().cause())
        .isEqualTo("run request 2026-11-23T10:00:00Z");

    SandboxResetStatus scheduled = new SandboxResetStatus();
    ResetTriggers.adopt(nightly("2026-11-20T10:00:00Z", "a"), scheduled);
    scheduled.observedGeneration = 3L;
    assertThat(
            ResetTriggers.decide(
                    nightly("2026-11-20T10:00:00Z", "b"), scheduled, FIRE.plusSeconds(1))
                .run()
                .cause())
        .as("a new runRequestId beside an old annotation")
        .isEqualTo("run request b");
    assertThat(
            ResetTriggers.decide(
                    nightly("2026-11-20T10:00:00Z", "a"), scheduled, FIRE.plusSeconds(1))
                .run()
                .cause())
        .isEqualTo("scheduled for 2026-11-22T03:00:00Z");
  }

  @Test
  void fireTimesBeforeCreationNeverCount() {
    ResetTriggers.Resource createdAfterFire =
        new ResetTriggers.Resource(
            1,
            null,
            null,
            NIGHTLY,
            false,
            Duration.ofHours(1),
            FIRE.plusSeconds(10),
            false,
            "digest-1");
    status.observedGeneration = 1L;

    Decision decision = ResetTriggers.decide(createdAfterFire, status, FIRE.plusSeconds(20));

    assertThat(decision.run()).isNull();
    assertThat(decision.missed()).isNull();
  }

  private static ResetTriggers.Resource nightly(String runRequest, String id) {
    return nightly(runRequest, id, false);
  }
}
