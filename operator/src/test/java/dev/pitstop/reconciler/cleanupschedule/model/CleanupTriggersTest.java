package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.cleanup.CleanupRequest;
import dev.pitstop.cleanup.DeletionRule;
import dev.pitstop.time.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CleanupTriggersTest {
  private static final Instant CREATED = Instant.parse("2026-03-01T10:00:00Z");
  private static final CleanupRequest REQUEST =
      CleanupRequest.builder()
          .rule(DeletionRule.olderThan("old", "logs", "created_at", Duration.ZERO))
          .build();

  private static CleanupRequests nightly(boolean suspended, String runRequestId) {
    return new CleanupRequests(
        CronSchedule.parse("0 2 * * *", "UTC", "spec.schedule", "spec.timeZone"),
        Duration.ofHours(1),
        suspended,
        10,
        REQUEST,
        runRequestId);
  }

  /** A status that has seen {@code runRequestId} as spec.runRequestId. */
  private static CleanupScheduleStatus seen(String runRequestId) {
    CleanupScheduleStatus status = new CleanupScheduleStatus();
    CleanupStatuses.firstSeen(status, null, runRequestId);
    status.observedGeneration = 1L;
    return status;
  }

  @Test
  void nothingRunsAtCreationAndTheNextFireTimeIsKnown() {
    CleanupScheduleStatus status = new CleanupScheduleStatus();
    CleanupStatuses.firstSeen(status, "2026-01-01T00:00:00Z", "a");
    CleanupTriggers due =
        CleanupTriggers.decide(
            nightly(false, "a"), status, "2026-01-01T00:00:00Z", CREATED, CREATED);
    assertThat(due.trigger())
        .as("the runRequestId and run-requested-at a resource is created with")
        .isNull();
    assertThat(due.next()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
    assertThat(
            CleanupTriggers.decide(
                    nightly(false, "a"), status, "2026-12-06T10:00:00Z", CREATED, CREATED)
                .trigger())
        .as("a new value later")
        .isEqualTo(CleanupTriggers.Trigger.RUN_REQUESTED);
  }

  @Test
  void aFireTimeRunsWhenItComes() {
    Instant now = Instant.parse("2026-03-02T02:00:00.500Z");
    CleanupTriggers due =
        CleanupTriggers.decide(nightly(false, "a"), seen("a"), null, CREATED, now);
    assertThat(due.trigger()).isEqualTo(CleanupTriggers.Trigger.SCHEDULE);
    assertThat(due.fire()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
    assertThat(due.next()).isEqualTo(Instant.parse("2026-03-03T02:00:00Z"));
  }

  @Test
  void aHandledFireTimeDoesNotRunAgain() {
    CleanupScheduleStatus status = seen("a");
    status.lastScheduleTime = "2026-03-02T02:00:00Z";
    CleanupTriggers due =
        CleanupTriggers.decide(
            nightly(false, "a"), status, null, CREATED, Instant.parse("2026-03-02T02:30:00Z"));
    assertThat(due.trigger()).isNull();
    assertThat(due.missed()).isNull();
  }

  @Test
  void aFireTimeMissedWhileTheOperatorWasDownRunsWithinTheStartingDeadline() {
    CleanupScheduleStatus status = seen("a");
    status.lastScheduleTime = "2026-03-01T02:00:00Z";
    CleanupTriggers due =
        CleanupTriggers.decide(
            nightly(false, "a"), status, null, CREATED, Instant.parse("2026-03-02T02:59:00Z"));
    assertThat(due.trigger()).isEqualTo(CleanupTriggers.Trigger.SCHEDULE);
    assertThat(due.fire()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
  }

  @Test
  void aFireTimeOlderThanTheStartingDeadlineIsMissed() {
    CleanupScheduleStatus status = seen("a");
    status.lastScheduleTime = "2026-03-01T02:00:00Z";
    CleanupTriggers due =
        CleanupTriggers.decide(
            nightly(false, "a"), status, null, CREATED, Instant.parse("2026-03-02T03:01:00Z"));
    assertThat(due.trigger()).isNull();
    assertThat(due.missed()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
  }

  @Test
  void aNewRunRequestRunsNowAndAnOldOneDoesNot() {
    CleanupScheduleStatus status = seen("a");
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(CleanupTriggers.decide(nightly(false, "a"), status, "r1", CREATED, now).trigger())
        .isEqualTo(CleanupTriggers.Trigger.RUN_REQUESTED);
    status.observedRunRequest = "r1";
    assertThat(CleanupTriggers.decide(nightly(false, "a"), status, "r1", CREATED, now).trigger())
        .isNull();
  }

  @Test
  void onlyANewRunRequestIdRunsOutsideTheSchedule() {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(CleanupTriggers.decide(nightly(false, "b"), seen("a"), null, CREATED, now).trigger())
        .isEqualTo(CleanupTriggers.Trigger.RUN_REQUEST_ID);
    assertThat(
            CleanupTriggers.decide(nightly(false, "b"), seen(null), null, CREATED, now).trigger())
        .isEqualTo(CleanupTriggers.Trigger.RUN_REQUEST_ID);
    assertThat(CleanupTriggers.decide(nightly(false, "a"), seen("a"), null, CREATED, now).trigger())
        .as("any other edit (rules, batch size, dry run, ...) leaves runRequestId as it was")
        .isNull();
    assertThat(
            CleanupTriggers.decide(nightly(false, null), seen("a"), null, CREATED, now).trigger())
        .as("removing runRequestId asks for nothing")
        .isNull();
  }

  @Test
  void anOperatorThatRanOnSpecChangesLeftADigestWhichIsAdoptedWithoutARun() {
    CleanupScheduleStatus old = new CleanupScheduleStatus();
    old.observedGeneration = 4L;
    old.observedSpecDigest = "0f3a";
    CleanupStatuses.firstSeen(old, null, "release-41");
    assertThat(old.observedSpecDigest).isNull();
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    assertThat(
            CleanupTriggers.decide(nightly(false, "release-41"), old, null, CREATED, now).trigger())
        .isNull();
  }

  @Test
  void whileSuspendedFireTimesPassSilentlyButARequestStillRuns() {
    Instant now = Instant.parse("2026-03-02T02:00:30Z");
    CleanupTriggers due = CleanupTriggers.decide(nightly(true, "a"), seen("a"), null, CREATED, now);
    assertThat(due.trigger()).isNull();
    assertThat(due.fire()).isNull();
    assertThat(due.passed()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
    assertThat(due.next()).isNull();
    assertThat(CleanupTriggers.decide(nightly(true, "a"), seen("a"), "r1", CREATED, now).trigger())
        .isEqualTo(CleanupTriggers.Trigger.RUN_REQUESTED);
  }

  @Test
  void aRequestAtAFireTimeServesBoth() {
    Instant now = Instant.parse("2026-03-02T02:00:01Z");
    CleanupTriggers due =
        CleanupTriggers.decide(nightly(false, "a"), seen("a"), "r1", CREATED, now);
    assertThat(due.trigger()).isEqualTo(CleanupTriggers.Trigger.RUN_REQUESTED);
    assertThat(due.fire()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
  }

  @Test
  void theTimeZoneDecidesTheFireTime() {
    CleanupRequests berlin =
        new CleanupRequests(
            CronSchedule.parse("0 2 * * *", "Europe/Berlin", "spec.schedule", "spec.timeZone"),
            Duration.ofHours(1),
            false,
            10,
            REQUEST,
            "a");
    assertThat(
            CleanupTriggers.decide(berlin, seen("a"), null, CREATED, CREATED.plusSeconds(60))
                .next())
        .isEqualTo(Instant.parse("2026-03-02T01:00:00Z"));
  }
}
