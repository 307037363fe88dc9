package dev.pitstop.migration;

/**
 * Where a running migrate is, reported before each statement.
 *
 * @param script the script being applied
 * @param version its version, {@code null} for a repeatable script
 * @param index 1-based position of the script among those applied in this run
 * @param total how many scripts this run applies
 * @param statement 1-based index of the statement about to run
 * @param statements how many statements the script has
 * @param migrationElapsedMs time spent on this script so far
 * @param elapsedMs time since the run started (including waiting for the lock)
 */
public record MigrationProgress(
    String script,
    String version,
    int index,
    int total,
    int statement,
    int statements,
    long migrationElapsedMs,
    long elapsedMs) {}
