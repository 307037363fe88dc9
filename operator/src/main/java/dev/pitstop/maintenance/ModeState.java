package dev.pitstop.maintenance;

import java.time.Instant;

/**
 * The mode row as stored.
 *
 * @param mode the mode; {@code null} if the row holds a value Pitstop does not know
 * @param rawMode the stored text
 * @param pendingTasksCount the latest value of the tasks query Pitstop wrote
 * @param runningTasksCount the sessions of drained roles still open when Pitstop last wrote
 * @param modeChangedAt when the mode last changed
 */
public record ModeState(
    Mode mode,
    String rawMode,
    long pendingTasksCount,
    long runningTasksCount,
    Instant modeChangedAt) {}
