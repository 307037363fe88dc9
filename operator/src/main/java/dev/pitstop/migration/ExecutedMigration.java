package dev.pitstop.migration;

/**
 * A script applied by this run.
 *
 * @param version its version, {@code null} for a repeatable script
 * @param description its description
 * @param script its name
 * @param checksum the recorded checksum
 * @param executionTimeMs how long it took
 */
public record ExecutedMigration(
    String version, String description, String script, int checksum, long executionTimeMs) {}
