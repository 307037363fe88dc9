package dev.pitstop.migration.impact;

/**
 * A relation lock the work session held, from {@code pg_locks}.
 *
 * @param relation schema-qualified name, as named on the target when the relation exists there
 * @param mode the lock mode as PostgreSQL names it, e.g. {@code AccessExclusiveLock}
 */
public record LockTaken(String relation, String mode) {}
