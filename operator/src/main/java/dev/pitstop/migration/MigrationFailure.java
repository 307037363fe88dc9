package dev.pitstop.migration;

import java.util.List;

/**
 * Where and why a script failed.
 *
 * @param version the script's version, {@code null} for a repeatable script
 * @param script the script name
 * @param sqlState the SQLSTATE reported by the server, {@code null} if none
 * @param message the server's message
 * @param line the 1-based line in the file where the failing statement starts
 * @param statement the 1-based index of the failing statement in the script
 * @param transactional whether the script ran in a transaction (so nothing of it remains)
 * @param invalidIndexes indexes left INVALID by a failed concurrent build ({@code schema.name});
 *     they are dropped before the script runs again
 */
public record MigrationFailure(
    String version,
    String script,
    String sqlState,
    String message,
    int line,
    int statement,
    boolean transactional,
    List<String> invalidIndexes) {

  public MigrationFailure {
    invalidIndexes = List.copyOf(invalidIndexes);
  }

  /**
   * What is left of the script, as the end of a sentence: rolled back, or the statements before the
   * failing one applied outside a transaction; either way not recorded.
   */
  public String outcome() {
    return transactional
        ? "it was rolled back, nothing of " + script + " was applied or recorded"
        : "it ran outside a transaction: statements before statement "
            + statement
            + " stay applied, and it is not recorded";
  }
}
