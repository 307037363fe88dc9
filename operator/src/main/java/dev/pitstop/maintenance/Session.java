package dev.pitstop.maintenance;

import java.time.Instant;

/**
 * A database session of a drained role, from {@code pg_stat_activity}.
 *
 * @param pid the backend process id
 * @param role the role it logged in as
 * @param applicationName its {@code application_name}
 * @param state {@code active}, {@code idle}, {@code idle in transaction}, ...
 * @param backendStart when it connected
 */
public record Session(
    int pid, String role, String applicationName, String state, Instant backendStart) {}
