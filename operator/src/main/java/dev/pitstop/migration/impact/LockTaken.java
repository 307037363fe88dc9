package dev.pitstop.migration.impact;

/**
 * A relation lock the work session held, from {@code pg_locks}.
 *
 * @param relation schema-qualified name, as named on the target when the relation exists there
 * @param mode the lock mode as PostgreSQL names it, e.g. {@code AccessExclusiveLock}; followed by
 *     {@code " (stated)"} when it is the documented lock of a statement that runs outside a
 *     transaction ({@code CONCURRENTLY}, {@code VACUUM FULL}), whose locks cannot be read
 */
public record LockTaken(String relation, String mode) {}
