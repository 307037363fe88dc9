package dev.pitstop.reset;

/**
 * Where a reset failed while it ran; everything it did was rolled back.
 *
 * @param table the table being emptied, or {@code null}
 * @param seed the seed script being run, or {@code null}
 * @param line the line of the failing seed statement in its script, 0 if not in a seed
 * @param constraint the constraint the server named, or {@code null}
 * @param sqlState the SQLSTATE, or {@code null}
 * @param serverMessage the server's message
 */
public record ResetFailure(
    String table,
    String seed,
    int line,
    String constraint,
    String sqlState,
    String serverMessage) {}
