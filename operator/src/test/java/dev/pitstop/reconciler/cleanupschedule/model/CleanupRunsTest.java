package dev.pitstop.reconciler.cleanupschedule.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.cleanup.CascadeCount;
import dev.pitstop.cleanup.CleanupOutcome;
import dev.pitstop.cleanup.CleanupProgress;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.cleanup.RuleOutcome;
import dev.pitstop.cleanup.RuleState;
import dev.pitstop.reconciler.model.Sentences;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run messages: one sentence each, whatever punctuation the engine's parts end with. */
class CleanupRunsTest {
  private static final Instant START = Instant.parse("2026-03-01T02:00:00Z");
  private static final Instant END = START.plusSeconds(2);

  @Test
  void aRefusedRunContinuesTheRefusalWithoutItsPeriod() {
    CleanupRun run =
        CleanupRuns.failed(
            "spec.rules[old-audit].table: table audit_log does not exist in the search_path.",
            null,
            START,
            END,
            "Manual",
            null,
            false);
    assertThat(run.result).isEqualTo(RunResult.Failed);
    assertThat(run.message)
        .isEqualTo(
            "spec.rules[old-audit].table: table audit_log does not exist in the search_path;"
                + " nothing was deleted");
  }

  @Test
  void aRunThatFailedAfterDeletingSaysSoInTheSameSentence() {
    CleanupResult partial =
        result(
            CleanupOutcome.FAILED,
            List.of(rule("old-logs", RuleState.DONE, 1500, null)),
            List.of());
    CleanupRun run =
        CleanupRuns.failed(
            "The database failed: terminating connection due to administrator command (SQLSTATE"
                + " 57P01); this may pass, retry later.",
            partial,
            START,
            END,
            "Schedule",
            START,
            false);
    assertThat(run.rowsDeleted).isEqualTo(1500L);
    assertThat(run.message)
        .isEqualTo(
            "The database failed: terminating connection due to administrator command (SQLSTATE"
                + " 57P01); this may pass, retry later (1,500 row(s) deleted before that stay"
                + " deleted)");
  }

  @Test
  void aRuleStoppedWithoutACountIsNotSaidToLeaveNoRows() {
    RuleOutcome cancelled =
        new RuleOutcome(
            "old-events",
            "public.events",
            RuleState.INTERRUPTED,
            null,
            5525,
            null,
            12,
            Duration.ofSeconds(4),
            Duration.ofMillis(50),
            "cancelled by the annotation");
    CleanupRun run =
        CleanupRuns.of(
            result(
                CleanupOutcome.INCOMPLETE,
                List.of(rule("old-logs", RuleState.DONE, 40, null), cancelled),
                List.of()),
            "Manual",
            null);

    assertThat(run.message)
        .startsWith("incomplete, rows left not counted for old-events: deleted 5,565 row(s)")
        .doesNotContain("0 matching row(s) left");
  }

  @Test
  void progressPastThePlannersEstimateDoesNotShowTheEstimate() {
    CleanupProgress below =
        new CleanupProgress(
            CleanupProgress.Activity.DELETING,
            "old-events",
            1,
            1,
            365L,
            300,
            3,
            100,
            Duration.ofSeconds(2),
            null,
            List.of());
    CleanupProgress past =
        new CleanupProgress(
            CleanupProgress.Activity.DELETING,
            "old-events",
            1,
            1,
            365L,
            1905,
            19,
            100,
            Duration.ofSeconds(4),
            null,
            List.of());

    assertThat(CleanupRuns.progress(below, START, "Manual", null, false).message)
        .isEqualTo("rule 1 of 1 (old-events): deleted 300 of about 365 in 3 batch(es)");
    assertThat(CleanupRuns.progress(past, START, "Manual", null, false).message)
        .isEqualTo("rule 1 of 1 (old-events): deleted 1,905 in 19 batch(es)");
  }

  @Test
  void notesAndWarningsEndingInAPeriodAreJoinedAsClauses() {
    CleanupResult result =
        result(
            CleanupOutcome.FAILED,
            List.of(
                rule("old-logs", RuleState.DONE, 40, null),
                rule(
                    "old-audit",
                    RuleState.FAILED,
                    0,
                    "spec.rules[old-audit].where: the server refused the rule's DELETE on"
                        + " public.audit_log: permission denied (SQLSTATE 42501).")),
            List.of("VACUUM (ANALYZE) public.api_logs failed: This connection has been closed."));
    CleanupRun run = CleanupRuns.of(result, "Manual", null);
    assertThat(run.message)
        .isEqualTo(
            "failed: deleted 40 row(s) (old-logs 40, old-audit 0) in 2s; old-audit:"
                + " spec.rules[old-audit].where: the server refused the rule's DELETE on"
                + " public.audit_log: permission denied (SQLSTATE 42501); VACUUM (ANALYZE)"
                + " public.api_logs failed: This connection has been closed");
    assertThat(run.rules.get(1).error)
        .as("the rule's own error stays a whole sentence")
        .endsWith("(SQLSTATE 42501).");
  }

  @Test
  void aDryRunOfSeveralRulesSaysEachWasCountedOnItsOwn() {
    CleanupResult one =
        new CleanupResult(
            CleanupOutcome.SUCCEEDED,
            true,
            START,
            END,
            List.of(rule("sessions", RuleState.COUNTED, 0, null)),
            List.of(),
            List.of());
    CleanupResult two =
        new CleanupResult(
            CleanupOutcome.SUCCEEDED,
            true,
            START,
            END,
            List.of(
                rule("sessions", RuleState.COUNTED, 0, null),
                rule("old-sessions", RuleState.COUNTED, 0, null)),
            List.of(),
            List.of());

    assertThat(CleanupRuns.of(one, "Manual", null).message)
        .isEqualTo("dry run: 0 row(s) match (sessions 0); nothing deleted");
    assertThat(CleanupRuns.of(two, "Manual", null).message)
        .isEqualTo(
            "dry run: 0 row(s) match, each rule counted on its own (a row two rules match counts"
                + " twice) (sessions 0, old-sessions 0); nothing deleted");
  }

  @Test
  void clausesLoseTrailingPeriodsAndSpacesOnly() {
    assertThat(Sentences.clause("Nothing was changed. ")).isEqualTo("Nothing was changed");
    assertThat(Sentences.clause("timed out after 5000ms..")).isEqualTo("timed out after 5000ms");
    assertThat(Sentences.clause("v1.2 of public.t")).isEqualTo("v1.2 of public.t");
    assertThat(Sentences.clause(".")).isEmpty();
    assertThat(Sentences.clause(null)).isNull();
  }

  @Test
  void cascadesListTheTablesWithTheMostRowsAndCountTheRest() {
    List<CascadeCount> cascades = new java.util.ArrayList<>();
    for (int i = 1; i <= 25; i++) {
      cascades.add(new CascadeCount("public.child_" + i, i, i % 2));
    }
    RuleOutcome customers =
        new RuleOutcome(
            "inactive",
            "public.customers",
            RuleState.DONE,
            64L,
            64,
            0L,
            1,
            Duration.ofMillis(5),
            Duration.ofMillis(5),
            null,
            cascades);
    CleanupRun run =
        CleanupRuns.of(
            result(CleanupOutcome.SUCCEEDED, List.of(customers), List.of()), "Manual", null);

    assertThat(run.rules.get(0).cascades).hasSize(CleanupRuns.MAX_CASCADES);
    assertThat(run.rules.get(0).cascades.get(0).table).isEqualTo("public.child_25");
    assertThat(run.rules.get(0).cascades.get(0).deleted).isEqualTo(25L);
    assertThat(run.rules.get(0).cascades.get(0).nulled).isEqualTo(1L);
    assertThat(run.rules.get(0).cascades)
        .filteredOn(c -> c.table.equals("public.child_24"))
        .singleElement()
        .satisfies(c -> assertThat(c.nulled).as("none nulled").isNull());
    assertThat(run.rules.get(0).cascades)
        .extracting(c -> c.table)
        .doesNotContain("public.child_1", "public.child_2");
    assertThat(run.message)
        .startsWith(
            "deleted 64 row(s) (inactive 64 (cascades deleted 25 row(s) in public.child_25,")
        .contains("nulled 1 reference(s) in public.child_25")
        .contains(", and 5 more table(s))");
  }

  private static CleanupResult result(
      CleanupOutcome outcome, List<RuleOutcome> rules, List<String> warnings) {
    return new CleanupResult(outcome, false, START, END, rules, List.of(), warnings);
  }

  private static RuleOutcome rule(String name, RuleState state, long deleted, String message) {
    return new RuleOutcome(
        name,
        "public." + name,
        state,
        deleted,
        deleted,
        0L,
        1,
        Duration.ofMillis(100),
        Duration.ofMillis(50),
        message);
  }
}
