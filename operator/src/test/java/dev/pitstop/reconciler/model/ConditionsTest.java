package dev.pitstop.reconciler.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.Condition;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/** Every condition written has what metav1.Condition (and so the CRD schema) requires. */
class ConditionsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123Z");

  @Test
  void writtenConditionHasEveryRequiredField() {
    CleanupScheduleStatus status = new CleanupScheduleStatus();

    Conditions.set(status, Condition.READY, true, "Scheduled", "next run at 02:00", 3, NOW);

    Condition ready = Conditions.find(status, Condition.READY).orElseThrow();
    assertThat(ready.type).isEqualTo("Ready");
    assertThat(ready.status).isEqualTo("True");
    assertThat(ready.reason).isEqualTo("Scheduled").matches(Condition.REASON_PATTERN);
    assertThat(ready.message).isEqualTo("next run at 02:00");
    assertThat(ready.observedGeneration).isEqualTo(3L);
    assertThat(OffsetDateTime.parse(ready.lastTransitionTime).toInstant())
        .isEqualTo(Instant.parse("2026-03-01T10:15:30Z"));
  }

  @Test
  void missingMessageAndMalformedReasonStillSatisfyTheSchema() {
    CleanupScheduleStatus status = new CleanupScheduleStatus();

    Conditions.set(status, Condition.FAILED, false, null, null, 1, NOW);
    Conditions.set(
        status, Condition.PROGRESSING, false, "not camel case", "x".repeat(40_000), 1, NOW);

    Condition failed = Conditions.find(status, Condition.FAILED).orElseThrow();
    assertThat(failed.message).isEmpty();
    assertThat(failed.reason).matches(Condition.REASON_PATTERN);
    Condition progressing = Conditions.find(status, Condition.PROGRESSING).orElseThrow();
    assertThat(progressing.reason).matches(Condition.REASON_PATTERN);
    assertThat(progressing.message).hasSizeLessThanOrEqualTo(Condition.MESSAGE_MAX_LENGTH);
  }
}
