package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.Condition;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.notify.Delivery;
import dev.pitstop.reconciler.model.Conditions;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Each transition of {@link CleanupPhase}, as its Javadoc lists them. */
class CleanupStatusesTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant NEXT = Instant.parse("2026-03-02T02:00:00Z");

  private final CleanupScheduleStatus status = new CleanupScheduleStatus();

  private static CleanupRun run(RunResult result, boolean dryRun) {
    CleanupRun run = new CleanupRun();
    run.result = result;
    run.dryRun = dryRun;
    run.startTime = "2026-03-01T10:00:00Z";
    run.completionTime = "2026-03-01T10:00:05Z";
    run.rowsDeleted = 5L;
    run.message = "deleted 5 row(s)";
    return run;
  }

  private String condition(String type) {
    return Conditions.find(status, type).map(c -> c.status + "/" + c.reason).orElse(null);
  }

  @Test
  void newToScheduled() {
    CleanupStatuses.firstSeen(status, null, "digest");
    CleanupStatuses.idle(status, NEXT, false, 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Scheduled);
    assertThat(status.nextRunTime).isEqualTo("2026-03-02T02:00:00Z");
    assertThat(status.message).isEqualTo("next run at 2026-03-02T02:00:00Z");
    assertThat(condition(Condition.READY)).isEqualTo("True/Scheduled");
  }

  @Test
  void scheduledToWaitingForWindowToRunning() {
    CleanupStatuses.idle(status, NEXT, false, 1, T0);
    CleanupStatuses.waitingForWindow(status, "MaintenanceWindow 'nightly' to be Active", 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.WaitingForWindow);
    assertThat(condition(Condition.READY)).isEqualTo("False/WaitingForWindow");

    CleanupStatuses.started(
        status, CleanupTriggers.Trigger.SCHEDULE, NEXT, "d", null, false, "app@db:5432/app", 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Running);
    assertThat(status.lastScheduleTime).isEqualTo("2026-03-02T02:00:00Z");
    assertThat(status.progress.trigger).isEqualTo("Schedule");
    assertThat(condition(Condition.PROGRESSING)).isEqualTo("True/Running");
  }

  /** Like the other kinds' runs: the conditions follow the phase, not the last run's outcome. */
  @Test
  void aRunAfterAFailedOneIsNotFailedWhileItRuns() {
    CleanupStatuses.finished(status, run(RunResult.Failed, false), true, null, 10, 1, T0);
    assertThat(condition(Condition.FAILED)).startsWith("True/");

    CleanupStatuses.started(
        status, CleanupTriggers.Trigger.SCHEDULE, NEXT, "d", null, false, "app@db:5432/app", 1, T0);

    assertThat(status.phase).isEqualTo(CleanupPhase.Running);
    assertThat(condition(Condition.FAILED)).isEqualTo("False/Running");
    assertThat(condition(Condition.READY)).isEqualTo("False/Running");
    assertThat(condition(Condition.PROGRESSING)).isEqualTo("True/Running");
  }

  @Test
  void waitingForWindowBackToThePhaseBeforeWhenTheFireTimeIsMissed() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, false), true, null, 10, 1, T0);
    CleanupStatuses.waitingForWindow(status, "the window", 1, T0);
    CleanupStatuses.missed(status, NEXT, Duration.ofHours(1), 10);
    CleanupStatuses.idle(status, NEXT.plus(Duration.ofDays(1)), false, 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(status.history)
        .extracting(r -> r.result)
        .containsExactly(RunResult.Missed, RunResult.Succeeded);
    assertThat(status.lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(condition(Condition.READY)).isEqualTo("True/Succeeded");
  }

  @Test
  void runningToSucceededForSucceededAndIncompleteRuns() {
    CleanupStatuses.started(
        status, CleanupTriggers.Trigger.RUN_REQUESTED, null, "d", "r1", false, "db", 1, T0);
    assertThat(status.observedRunRequest).isEqualTo("r1");
    CleanupStatuses.finished(status, run(RunResult.Incomplete, false), true, null, 10, 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(status.progress).isNull();
    assertThat(status.lastSuccessfulTime).isEqualTo("2026-03-01T10:00:05Z");
    assertThat(condition(Condition.READY)).isEqualTo("True/Incomplete");
    assertThat(condition(Condition.FAILED)).isEqualTo("False/Incomplete");
    assertThat(condition(Condition.DATABASE_REACHABLE)).isEqualTo("True/Connected");
  }

  @Test
  void runningToFailedAndBackToRunning() {
    CleanupStatuses.finished(
        status, run(RunResult.Failed, false), false, "DatabaseError", 10, 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Failed);
    assertThat(status.lastSuccessfulTime).isNull();
    assertThat(condition(Condition.READY)).isEqualTo("False/DatabaseError");
    assertThat(condition(Condition.FAILED)).isEqualTo("True/DatabaseError");
    assertThat(condition(Condition.DATABASE_REACHABLE)).isEqualTo("False/DatabaseError");

    CleanupStatuses.idle(status, NEXT, false, 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Failed);
    assertThat(condition(Condition.READY))
        .as("the run's own reason stays")
        .isEqualTo("False/DatabaseError");

    CleanupStatuses.started(
        status, CleanupTriggers.Trigger.SCHEDULE, NEXT, "d", null, false, "db", 1, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Running);
  }

  @Test
  void anInvalidSpecIsFailedAndFixingItGoesBackToTheLastRunsPhase() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, false), true, null, 10, 1, T0);
    CleanupStatuses.refused(
        status, SpecException.invalid("spec.schedule must have 5 fields"), 2, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Failed);
    assertThat(status.nextRunTime).isNull();
    assertThat(condition(Condition.READY)).isEqualTo("False/InvalidSpec");

    CleanupStatuses.idle(status, NEXT, false, 3, T0);
    assertThat(status.phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(condition(Condition.READY)).isEqualTo("True/Succeeded");
    assertThat(condition(Condition.FAILED)).isEqualTo("False/Succeeded");
  }

  @Test
  void aDryRunIsReadyWithReasonDryRunAndIsNotALastSuccess() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, true), true, null, 10, 1, T0);
    assertThat(condition(Condition.READY)).isEqualTo("True/DryRun");
    assertThat(status.lastSuccessfulTime).isNull();
  }

  @Test
  void historyKeepsTheNewestRunsUpToTheLimitWithSkippedAndMissedMarkers() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, false), true, null, 3, 1, T0);
    CleanupStatuses.skipped(status, NEXT, 3);
    CleanupStatuses.missed(status, NEXT.plus(Duration.ofDays(1)), Duration.ofHours(1), 3);
    CleanupStatuses.finished(status, run(RunResult.Failed, false), true, "RuleFailed", 3, 1, T0);
    assertThat(status.history)
        .extracting(r -> r.result)
        .containsExactly(RunResult.Failed, RunResult.Missed, RunResult.Skipped);
    assertThat(status.history.get(2).scheduledTime).isEqualTo("2026-03-02T02:00:00Z");
    assertThat(status.history.get(1).message).contains("startingDeadline (1h)");
    assertThat(status.lastScheduleTime).isEqualTo("2026-03-03T02:00:00Z");
    assertThat(status.lastRun.result).isEqualTo(RunResult.Failed);
  }

  @Test
  void runningWithoutAWorkerAfterARestartEndsAsIncomplete() {
    CleanupStatuses.started(
        status, CleanupTriggers.Trigger.SCHEDULE, NEXT, "d", null, false, "db", 1, T0);
    CleanupStatuses.interrupted(status, 10, 1, T0.plusSeconds(30));
    assertThat(status.phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(status.lastRun.result).isEqualTo(RunResult.Incomplete);
    assertThat(status.lastRun.message).contains("operator stopped during the run");
  }

  @Test
  void suspendedSaysSoAndHasNoNextRun() {
    CleanupStatuses.idle(status, null, true, 1, T0);
    assertThat(status.nextRunTime).isNull();
    assertThat(status.message).startsWith("suspended");
    assertThat(condition(Condition.PROGRESSING)).isEqualTo("False/Suspended");
  }

  @Test
  void conditionsKeepTheirTransitionTimeWhileTheirStatusStays() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, false), true, null, 10, 1, T0);
    String first = Conditions.find(status, Condition.READY).orElseThrow().lastTransitionTime;
    CleanupStatuses.idle(status, NEXT, false, 1, T0.plusSeconds(3600));
    assertThat(Conditions.find(status, Condition.READY).orElseThrow().lastTransitionTime)
        .isEqualTo(first);
  }

  @Test
  void notificationFailuresAreAConditionNotAFailedRun() {
    CleanupStatuses.finished(status, run(RunResult.Succeeded, false), true, null, 10, 1, T0);
    CleanupStatuses.notification(
        status, new Delivery(false, 3, "the webhook answered HTTP 500 (3 attempts)"), 1, T0);
    assertThat(condition(CleanupStatuses.NOTIFICATION_DELIVERED)).isEqualTo("False/DeliveryFailed");
    assertThat(status.phase).isEqualTo(CleanupPhase.Succeeded);
    assertThat(condition(Condition.READY)).isEqualTo("True/Succeeded");
  }
}
