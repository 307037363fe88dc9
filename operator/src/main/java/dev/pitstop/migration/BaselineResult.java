package dev.pitstop.migration;

/**
 * What {@code baseline} did.
 *
 * @param historyTable the history table, schema-qualified
 * @param version the baseline version recorded
 * @param description the baseline description recorded
 * @param created {@code false} when the history already recorded this baseline and nothing changed
 */
public record BaselineResult(
    String historyTable, String version, String description, boolean created) {}
