package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;

/**
 * A pending migration as a plan needs it: what the run would execute, statement by statement, with
 * placeholders replaced.
 *
 * @param version the version, {@code null} for a repeatable script
 * @param description the description from the file name
 * @param script the file name
 * @param transactional whether the run executes it in one transaction
 * @param statements its statements in order
 */
public record PendingScript(
    String version,
    String description,
    String script,
    boolean transactional,
    List<SqlStatement> statements) {

  public PendingScript {
    statements = List.copyOf(statements);
  }
}
