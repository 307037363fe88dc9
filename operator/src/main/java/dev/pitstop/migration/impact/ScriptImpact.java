package dev.pitstop.migration.impact;

import java.util.List;

/**
 * What one pending migration did on the scratch copy.
 *
 * @param version the version, null for a repeatable script
 * @param script the file name
 * @param transactional whether it runs in one transaction
 * @param statements each statement's measured impact, in order (stops after a failed one)
 */
public record ScriptImpact(
    String version, String script, boolean transactional, List<StatementImpact> statements) {
  public ScriptImpact {
    statements = List.copyOf(statements);
  }
}
