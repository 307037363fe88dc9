package dev.pitstop.migration.impact;

import dev.pitstop.migration.MigrationInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A lock-impact plan: what {@code migrate} would apply, each statement's measured impact, and the
 * findings.
 *
 * @param info applied and pending migrations, as a dry run shows them
 * @param scripts each pending migration's measured impact, in order
 * @param findings every finding, allowed ones included, in script and statement order
 * @param scratch where the schema copy was made, for messages (e.g. {@code user@host:5432})
 * @param notCopied objects of the target's schema the copy could not reproduce (kind and name), and
 *     the target database's encoding, locale or settings it could not take; statements using them
 *     may fail on the copy (PS100)
 */
public record ImpactPlan(
    MigrationInfo info,
    List<ScriptImpact> scripts,
    List<Finding> findings,
    String scratch,
    List<String> notCopied) {

  public ImpactPlan {
    scripts = List.copyOf(scripts);
    findings = List.copyOf(findings);
    notCopied = List.copyOf(notCopied);
  }

  /** Findings not allowed by a comment and at least {@code threshold}. */
  public List<Finding> gating(Severity threshold) {
    return findings.stream().filter(f -> f.gates(threshold)).toList();
  }

  /** The highest severity among findings not allowed by a comment. */
  public Optional<Severity> highest() {
    return findings.stream()
        .filter(f -> !f.allowed())
        .map(Finding::severity)
        .max(Comparator.naturalOrder());
  }
}
