package dev.pitstop.cleanup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The typed result of a run or dry run.
 *
 * @param outcome succeeded, incomplete or failed
 * @param dryRun whether rows were only counted
 * @param startTime when the run began
 * @param completionTime when it ended
 * @param rules one outcome per rule, in request order
 * @param vacuumed tables VACUUM (ANALYZE) ran on
 * @param warnings things worth knowing that did not fail the run (e.g. a VACUUM that failed)
 */
public record CleanupResult(
    CleanupOutcome outcome,
    boolean dryRun,
    Instant startTime,
    Instant completionTime,
    List<RuleOutcome> rules,
    List<String> vacuumed,
    List<String> warnings) {

  public CleanupResult {
    rules = List.copyOf(rules);
    vacuumed = List.copyOf(vacuumed);
    warnings = List.copyOf(warnings);
  }

  /** Rows deleted by all rules. */
  public long rowsDeleted() {
    return rules.stream().mapToLong(RuleOutcome::deleted).sum();
  }

  /** How long the run took. */
  public Duration duration() {
    return Duration.between(startTime, completionTime);
  }

  /** The outcome of the rule called {@code name}. */
  public Optional<RuleOutcome> rule(String name) {
    return rules.stream().filter(r -> r.name().equals(name)).findFirst();
  }
}
