package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CascadeResult;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.CleanupRun;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus.RuleResult;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.cleanup.CascadeCount;
import dev.pitstop.cleanup.CleanupOutcome;
import dev.pitstop.cleanup.CleanupProgress;
import dev.pitstop.cleanup.CleanupResult;
import dev.pitstop.cleanup.RuleOutcome;
import dev.pitstop.cleanup.RuleState;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.reconciler.model.Sentences;
import dev.pitstop.time.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Turns what the cleanup engine reports into the status' run entries ({@code lastRun}, {@code
 * history}, {@code progress}), each with a one-sentence message. Used by the reconciler and the CLI
 * alike.
 */
public final class CleanupRuns {
  /** Tables listed per rule in {@code rules[].cascades}, those with the most rows first. */
  static final int MAX_CASCADES = 20;

  private CleanupRuns() {}

  /** A finished run. */
  public static CleanupRun of(CleanupResult result, String trigger, Instant fire) {
    CleanupRun run = base(result.startTime(), trigger, fire, result.dryRun());
    finish(run, result.startTime(), result.completionTime());
    run.result =
        switch (result.outcome()) {
          case SUCCEEDED -> RunResult.Succeeded;
          case INCOMPLETE -> RunResult.Incomplete;
          case FAILED -> RunResult.Failed;
        };
    run.rules = rules(result.rules(), null);
    run.rowsDeleted = result.rowsDeleted();
    run.vacuumed = new ArrayList<>(result.vacuumed());
    run.message = summary(result);
    return run;
  }

  /** A run that failed as a whole, e.g. a refused rule or a lost database. */
  public static CleanupRun failed(
      String message,
      CleanupResult partial,
      Instant start,
      Instant end,
      String trigger,
      Instant fire,
      boolean dryRun) {
    CleanupRun run = base(start, trigger, fire, dryRun);
    finish(run, start, end);
    run.result = RunResult.Failed;
    if (partial != null) {
      run.rules = rules(partial.rules(), null);
      run.rowsDeleted = partial.rowsDeleted();
    } else {
      run.rowsDeleted = 0L;
    }
    String clean = Sentences.clause(KnownSecrets.redact(message));
    run.message =
        clean
            + (run.rowsDeleted > 0
                ? " (" + count(run.rowsDeleted) + " row(s) deleted before that stay deleted)"
                : "; nothing was deleted");
    return run;
  }

  /** A run still going: finished rules plus the current one. */
  public static CleanupRun progress(
      CleanupProgress progress, Instant start, String trigger, Instant fire, boolean dryRun) {
    CleanupRun run = base(start, trigger, fire, dryRun);
    run.rules = rules(progress.finished(), progress);
    run.rowsDeleted = run.rules.stream().mapToLong(r -> r.deleted == null ? 0 : r.deleted).sum();
    run.message = activity(progress);
    return run;
  }

  /** A fire time that did not run: Missed or Skipped. */
  public static CleanupRun marker(RunResult result, Instant fire, String message) {
    CleanupRun run = new CleanupRun();
    run.result = result;
    run.scheduledTime = time(fire);
    run.trigger = "Schedule";
    run.message = message;
    return run;
  }

  /** The sentence for a live progress snapshot. */
  static String activity(CleanupProgress p) {
    String rule =
        p.rule() == null
            ? ""
            : "rule " + p.ruleIndex() + " of " + p.rulesTotal() + " (" + p.rule() + ")";
    String text =
        switch (p.activity()) {
          case VALIDATING -> "checking " + p.rulesTotal() + " rule(s) against the database";
          case COUNTING -> rule + ": counting matching rows";
          case DELETING ->
              rule
                  + ": deleted "
                  + count(p.deleted())
                  + estimate(p.deleted(), p.matched())
                  + " in "
                  + p.batches()
                  + " batch(es)";
          case BUSY -> rule + ": busy, " + p.detail();
          case WAITING_FOR_LOCK -> rule + ": " + p.detail();
          case VACUUMING -> p.detail();
        };
    return KnownSecrets.redact(text);
  }

  private static CleanupRun base(Instant start, String trigger, Instant fire, boolean dryRun) {
    CleanupRun run = new CleanupRun();
    run.startTime = time(start);
    run.trigger = trigger;
    run.scheduledTime = fire == null ? null : time(fire);
    run.dryRun = dryRun;
    return run;
  }

  private static void finish(CleanupRun run, Instant start, Instant end) {
    run.completionTime = time(end);
    run.durationMs = Duration.between(start, end).toMillis();
  }

  private static List<RuleResult> rules(List<RuleOutcome> outcomes, CleanupProgress current) {
    List<RuleResult> rules = new ArrayList<>();
    for (RuleOutcome o : outcomes) {
      RuleResult r = new RuleResult();
      r.name = o.name();
      r.table = o.table();
      r.state = state(o.state());
      r.matched = o.matched();
      r.deleted = o.deleted();
      r.remaining = o.remaining() == null || o.remaining() == 0 ? null : o.remaining();
      r.batches = o.batches();
      r.durationMs = o.duration().toMillis();
      r.longestBatchMs = o.longestBatch().toMillis();
      if (!o.cascades().isEmpty()) {
        r.cascades = new ArrayList<>();
        for (CascadeCount c : most(o.cascades())) {
          CascadeResult cascade = new CascadeResult();
          cascade.table = c.table();
          cascade.deleted = c.deleted() == 0 ? null : c.deleted();
          cascade.nulled = c.nulled() == 0 ? null : c.nulled();
          r.cascades.add(cascade);
        }
      }
      if (o.state() == RuleState.FAILED) {
        r.error = KnownSecrets.redact(o.message());
      } else {
        r.message = KnownSecrets.redact(o.message());
      }
      rules.add(r);
    }
    if (current != null && current.rule() != null) {
      RuleResult r = new RuleResult();
      r.name = current.rule();
      r.state = "Running";
      r.matched = current.matched();
      r.deleted = current.deleted();
      r.batches = current.batches();
      rules.add(r);
    }
    return rules;
  }

  private static String state(RuleState state) {
    return switch (state) {
      case COUNTED -> "Counted";
      case DONE -> "Done";
      case MAX_DURATION -> "MaxDuration";
      case BUSY -> "Busy";
      case LOCK_HELD -> "LockHeld";
      case INTERRUPTED -> "Interrupted";
      case FAILED -> "Failed";
    };
  }

  private static String summary(CleanupResult result) {
    String took = " in " + Durations.format(result.duration().truncatedTo(ChronoUnit.MILLIS));
    String perRule =
        result.rules().stream()
            .map(
                r ->
                    r.name()
                        + " "
                        + count(result.dryRun() ? nz(r.matched()) : r.deleted())
                        + cascades(r, result.dryRun()))
            .collect(Collectors.joining(", "));
    if (result.dryRun()) {
      long matched = result.rules().stream().mapToLong(r -> nz(r.matched())).sum();
      // each rule is counted on the rows as they are, before any rule deletes
      String each =
          result.rules().size() > 1
              ? ", each rule counted on its own (a row two rules match counts twice)"
              : "";
      return "dry run: "
          + count(matched)
          + " row(s) match"
          + each
          + " ("
          + perRule
          + "); nothing deleted";
    }
    String deleted = "deleted " + count(result.rowsDeleted()) + " row(s) (" + perRule + ")" + took;
    // Rules with the same note share it: "b, c: maxDuration reached before it started".
    java.util.Map<String, List<String>> byNote = new java.util.LinkedHashMap<>();
    for (RuleOutcome r : result.rules()) {
      if (r.message() != null) {
        byNote.computeIfAbsent(r.message(), k -> new ArrayList<>()).add(r.name());
      }
    }
    List<String> notes = new ArrayList<>();
    byNote.forEach(
        (note, names) -> notes.add(String.join(", ", names) + ": " + Sentences.clause(note)));
    result.warnings().forEach(w -> notes.add(Sentences.clause(w)));
    if (result.outcome() == CleanupOutcome.SUCCEEDED && notes.isEmpty()) {
      return deleted;
    }
    String prefix =
        result.outcome() == CleanupOutcome.INCOMPLETE
            ? "incomplete, " + left(result.rules()) + ": "
            : result.outcome() == CleanupOutcome.FAILED ? "failed: " : "";
    return KnownSecrets.redact(prefix + deleted + "; " + String.join("; ", notes));
  }

  /**
   * What is left of an incomplete run: "1,200 matching row(s) left", or which rules' remaining rows
   * were not counted (a rule stopped by a cancel or a shutdown ends without a count).
   */
  private static String left(List<RuleOutcome> rules) {
    long remaining = rules.stream().mapToLong(r -> nz(r.remaining())).sum();
    List<String> uncounted =
        rules.stream()
            .filter(r -> r.remaining() == null && r.state() != RuleState.COUNTED)
            .map(RuleOutcome::name)
            .toList();
    if (uncounted.isEmpty()) {
      return count(remaining) + " matching row(s) left";
    }
    return (remaining > 0 ? count(remaining) + " matching row(s) left and " : "")
        + "rows left not counted for "
        + String.join(", ", uncounted);
  }

  /** " of about 5,000" while the planner's estimate holds, else "" (it was too low). */
  private static String estimate(long deleted, Long matched) {
    return matched == null || matched < deleted ? "" : " of about " + count(matched);
  }

  /** " (cascades deleted 640 row(s) in public.child)", or nothing. */
  private static String cascades(RuleOutcome rule, boolean dryRun) {
    String cascades = CascadeCount.describe(most(rule.cascades()), dryRun);
    int more = rule.cascades().size() - MAX_CASCADES;
    return cascades.isEmpty()
        ? ""
        : " (" + cascades + (more > 0 ? ", and " + more + " more table(s)" : "") + ")";
  }

  /** The tables with the most rows, at most {@link #MAX_CASCADES}. */
  private static List<CascadeCount> most(List<CascadeCount> cascades) {
    return cascades.stream()
        .sorted(
            java.util.Comparator.comparingLong((CascadeCount c) -> c.deleted() + c.nulled())
                .reversed())
        .limit(MAX_CASCADES)
        .toList();
  }

  private static long nz(Long value) {
    return value == null ? 0 : value;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  public static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
