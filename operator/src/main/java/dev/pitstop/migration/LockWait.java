package dev.pitstop.migration;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Reported while another runner holds the migration lock.
 *
 * @param holderPid the backend pid of the session holding the lock, {@code null} if it could not be
 *     seen (e.g. no privilege to read {@code pg_stat_activity} of other roles)
 * @param holderApplication the holder's {@code application_name}, {@code null} if unknown
 * @param since when the holder started its current transaction or, for an idle session (as
 *     Pitstop's lock session is), when it last became idle, i.e. took the lock; {@code null} if
 *     unknown
 * @param waited how long this runner has been waiting
 */
public record LockWait(
    Integer holderPid, String holderApplication, OffsetDateTime since, Duration waited) {}
