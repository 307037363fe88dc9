package dev.pitstop.database;

/**
 * How busy one target's pool is at a moment, for metrics and diagnostics.
 *
 * @param key the target
 * @param active connections lent out
 * @param idle connections waiting in the pool
 * @param total active plus idle
 * @param waiting callers waiting for a connection
 * @param maximum the most connections the pool may open
 */
public record PoolUsage(TargetKey key, int active, int idle, int total, int waiting, int maximum) {}
