package dev.pitstop.migration;

/**
 * A statement of a script run outside a transaction that found what an interrupted earlier run left
 * behind, and what was done about it (an INVALID index dropped and built again, an index already
 * built or already dropped skipped).
 *
 * @param script the script
 * @param statement 1-based index of the statement in the script
 * @param line the line on which the statement starts
 * @param note what was found and done, one sentence
 */
public record RecoveredStatement(String script, int statement, int line, String note) {}
