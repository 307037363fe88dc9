package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.cleanup.CleanupOutcome;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.cleanup.RuleOutcome;
import dev.pitstop.cleanup.RuleState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The largest status the operator can write for the largest spec the CRD admits stays far below the
 * API server's object size limit (about 1.5 MiB per object in etcd, 1 MiB for a request body in
 * many setups).
 */
class CleanupStatusSizeTest {
  private static final int MAX_RULES = 100; // spec.rules maxItems
  private static final int MAX_HISTORY = 100; // spec.historyLimit maximum

  @Test
  void largestStatusIsFarBelowOneMebibyte() throws Exception {
    CleanupScheduleStatus status = new CleanupScheduleStatus();
    Instant start = Instant.parse("2026-03-01T02:00:00Z");
    for (int i = 0; i < MAX_HISTORY + 5; i++) {
      Instant runStart = start.plus(Duration.ofDays(i));
      CleanupStatuses.finished(
          status,
          CleanupRuns.of(largestResult(runStart), "Schedule", runStart),
          true,
          null,
          MAX_HISTORY,
          i + 1,
          runStart.plusSeconds(1800));
    }
    assertThat(status.history).hasSize(MAX_HISTORY);
    assertThat(status.lastRun.rules).as("lastRun keeps every rule's result").hasSize(MAX_RULES);
    assertThat(status.history.get(0).rules).as("history entries are summaries").isEmpty();
    assertThat(status.history.get(0).message).hasSizeLessThanOrEqualTo(512);

    byte[] json = new ObjectMapper().writeValueAsBytes(status);
    assertThat(json.length).isLessThan(256 * 1024);
  }

  private static CleanupResult largestResult(Instant start) {
    List<RuleOutcome> rules = new ArrayList<>();
    List<String> vacuumed = new ArrayList<>();
    for (int i = 0; i < MAX_RULES; i++) {
      String name = String.format("r%03d-", i) + "x".repeat(58);
      String table =
          "\"" + "s".repeat(63) + "\".\"" + String.format("%03d", i) + "t".repeat(60) + "\"";
      rules.add(
          new RuleOutcome(
              name,
              table,
              RuleState.LOCK_HELD,
              Long.MAX_VALUE,
              Long.MAX_VALUE / 2,
              Long.MAX_VALUE / 2,
              Integer.MAX_VALUE,
              Duration.ofMinutes(30),
              Duration.ofSeconds(30),
              "rows locked by other transactions were skipped; they are left for the next run"));
      vacuumed.add(table);
    }
    return new CleanupResult(
        CleanupOutcome.INCOMPLETE,
        false,
        start,
        start.plusSeconds(1800),
        rules,
        vacuumed,
        List.of());
  }
}
