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
 * @param otherVersion when the copy's server runs another major version of PostgreSQL than the
 *     target's, what that means (also first in {@code notCopied}); null when they match
 */
public record ImpactPlan(
    MigrationInfo info,
    List<ScriptImpact> scripts,
    List<Finding> findings,
    String scratch,
    List<String> notCopied,
    String otherVersion) {

  public ImpactPlan {
    scripts = List.copyOf(scripts);
    findings = List.copyOf(findings);
    notCopied = List.copyOf(notCopied);
  }

  /** A plan measured on a server of the target's major version. */
  public ImpactPlan(
      MigrationInfo info,
      List<ScriptImpact> scripts,
      List<Finding> findings,
      String scratch,
      List<String> notCopied) {
    this(info, scripts, findings, scratch, notCopied, null);
  }

  /**
   * Why the findings cannot be trusted to be complete, when the copy ran on another major version
   * of PostgreSQL than the target (syntax, functions and some locks differ): a risk not known,
   * which a gate treats like a finding at any threshold while there is something to apply.
   */
  public Optional<String> untrusted() {
    return otherVersion == null || scripts.isEmpty() ? Optional.empty() : Optional.of(otherVersion);
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
