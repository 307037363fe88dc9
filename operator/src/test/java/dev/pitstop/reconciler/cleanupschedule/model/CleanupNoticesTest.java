package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec.NotifyOn;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.RuleResult;
import dev.pitstop.api.v1alpha1.RunResult;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupNoticesTest {
  private static final KubernetesSerialization Serialization = new KubernetesSerialization();

  @Test
  void notifiesOnlyOnTheListedResults() {
    CleanupScheduleSpec.Notify notify = new CleanupScheduleSpec.Notify();
    assertThat(CleanupNotices.wanted(notify, RunResult.Failed)).as("default: Failure").isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Succeeded)).isFalse();
    notify.results = List.of(NotifyOn.Success, NotifyOn.Incomplete);
    assertThat(CleanupNotices.wanted(notify, RunResult.Succeeded)).isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Incomplete)).isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Failed)).isFalse();
    assertThat(CleanupNotices.wanted(notify, RunResult.Skipped)).isFalse();
    assertThat(CleanupNotices.wanted(null, RunResult.Failed)).isFalse();
    notify.results = List.of();
    assertThat(CleanupNotices.results(notify))
        .as("empty: the default")
        .containsExactly(NotifyOn.Failure);
  }

  @Test
  @SuppressWarnings("deprecation")
  void theDeprecatedOnIsUsedWhenResultsIsNotSetAndWarnedAbout() {
    CleanupScheduleSpec.Notify notify = new CleanupScheduleSpec.Notify();
    assertThat(CleanupNotices.deprecation(notify)).isNull();
    assertThat(CleanupNotices.deprecation(null)).isNull();
    notify.on = List.of(NotifyOn.Success);
    assertThat(CleanupNotices.results(notify)).containsExactly(NotifyOn.Success);
    assertThat(CleanupNotices.wanted(notify, RunResult.Succeeded)).isTrue();
    assertThat(CleanupNotices.wanted(notify, RunResult.Failed)).isFalse();
    assertThat(CleanupNotices.conflict(notify)).isNull();
    assertThat(CleanupNotices.deprecation(notify))
        .startsWith("spec.notify.on is deprecated; use spec.notify.results instead");

    notify.results = List.of(NotifyOn.Success);
    assertThat(CleanupNotices.conflict(notify)).as("the same results").isNull();
    assertThat(CleanupNotices.deprecation(notify)).as("on is still set").isNotNull();
    notify.on = List.of(NotifyOn.Incomplete, NotifyOn.Failure);
    notify.results = List.of(NotifyOn.Failure, NotifyOn.Incomplete);
    assertThat(CleanupNotices.conflict(notify)).as("the same results in another order").isNull();
    notify.results = List.of(NotifyOn.Failure);
    assertThat(CleanupNotices.conflict(notify))
        .isEqualTo(
            "spec.notify.on and spec.notify.results list different results; set only"
                + " spec.notify.results (spec.notify.on is deprecated)");
  }

  @Test
  void onAsEarlierCrdsStoredItUnderTrueIsHonouredAndWarnedAbout() {
    // kubectl read the unquoted key on: of the earlier example as true and stored "true".
    CleanupScheduleSpec.Notify notify =
        Serialization.unmarshal(
            "{\"webhookSecretRef\":{\"name\":\"hook\"},\"true\":[\"Success\",\"Incomplete\"]}",
            CleanupScheduleSpec.Notify.class);
    assertThat(CleanupNotices.results(notify))
        .containsExactlyInAnyOrder(NotifyOn.Success, NotifyOn.Incomplete);
    assertThat(CleanupNotices.deprecation(notify)).startsWith("spec.notify.on is deprecated");
    notify.results = List.of(NotifyOn.Failure);
    assertThat(CleanupNotices.conflict(notify))
        .startsWith("spec.notify.on and spec.notify.results");
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
