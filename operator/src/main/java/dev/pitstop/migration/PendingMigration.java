package dev.pitstop.migration;

/**
 * A script that {@code migrate} would apply.
 *
 * @param version its version, {@code null} for a repeatable script
 * @param description its description
 * @param script its name
 * @param checksum its checksum
 * @param statements how many statements it has
 * @param transactional {@code false} if it must run statement by statement outside a transaction
 * @param outOfOrder {@code true} if its version is lower than the current one
 */
public record PendingMigration(
    String version,
    String description,
    String script,
    int checksum,
    int statements,
    boolean transactional,
    boolean outOfOrder) {}
