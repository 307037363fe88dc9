package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec.NotifyOn;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.RuleResult;
import dev.pitstop.api.v1alpha1.RunResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupNoticesTest {
  @Test
  void notifiesOnlyOnTheListedResults() {
    CleanupScheduleSpec.Notify notify = new CleanupScheduleSpec.Notify();
    assertThat(CleanupNotices.wanted(notify, RunResult.Failed)).as("default: Failure").isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Succeeded)).isFalse();
    notify.on = List.of(NotifyOn.Success, NotifyOn.Incomplete);
    assertThat(CleanupNotices.wanted(notify, RunResult.Succeeded)).isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Incomplete)).isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Failed)).isFalse();
    assertThat(CleanupNotices.wanted(notify, RunResult.Skipped)).isFalse();
    assertThat(CleanupNotices.wanted(null, RunResult.Failed)).isFalse();
  }

  @Test
  void summarisesTheRunAndEachRule() {
    CleanupRun run = new CleanupRun();
    run.result = RunResult.Incomplete;
    run.rowsDeleted = 12000L;
    run.durationMs = 61_500L;
    RuleResult tokens = new RuleResult();
    tokens.name = "expired-tokens";
    tokens.deleted = 12000L;
    RuleResult logs = new RuleResult();
    logs.name = "old-logs";
    logs.deleted = 0L;
    logs.remaining = 800L;
    logs.message = "maxDuration (1m) reached";
    run.rules = List.of(tokens, logs);

    assertThat(CleanupNotices.text("school", "nightly", run))
        .isEqualTo(
            "CleanupSchedule school/nightly: Incomplete, 12,000 row(s) deleted in 1m1s500ms\n"
                + "• expired-tokens: deleted 12,000\n"
                + "• old-logs: deleted 0, 800 left — maxDuration (1m) reached");
  }
}
