package dev.pitstop.migration.impact;

import java.util.List;

/**
 * What one statement did on the scratch copy, as the server reported it.
 *
 * @param statement 1-based index in the file
 * @param line 1-based line where it starts
 * @param sql the statement on one line (see {@link dev.pitstop.sql.SqlLexer#oneLine}), cut for
 *     display
 * @param locks relation locks this statement took that its transaction did not hold before
 * @param rewritten relations (tables, indexes) whose {@code relfilenode} changed, or indexes the
 *     statement dropped and created again under the same name; "(concurrently)" when rebuilt so
 * @param indexesBuilt indexes that exist after it and not before, with "(concurrently)" when built
 *     so
 * @param constraintsValidated constraints that are validated after it and were not (or did not
 *     exist) before
 * @param error SQLSTATE and message when it failed on the copy, else null
 */
public record StatementImpact(
    int statement,
    int line,
    String sql,
    List<LockTaken> locks,
    List<String> rewritten,
    List<String> indexesBuilt,
    List<String> constraintsValidated,
    String error) {

  public StatementImpact {
    locks = List.copyOf(locks);
    rewritten = List.copyOf(rewritten);
    indexesBuilt = List.copyOf(indexesBuilt);
    constraintsValidated = List.copyOf(constraintsValidated);
  }

  /** The same, failed with {@code error}. */
  StatementImpact withError(String error) {
    return new StatementImpact(
        statement, line, sql, locks, rewritten, indexesBuilt, constraintsValidated, error);
  }
}
