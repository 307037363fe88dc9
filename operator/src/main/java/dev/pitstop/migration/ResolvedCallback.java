package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;

/**
 * A SQL callback script: run at its event, never recorded in the history table.
 *
 * @param event when it runs
 * @param description the description from the name ({@code beforeMigrate__<description>.sql}),
 *     underscores turned into spaces, {@code null} for a plain {@code beforeMigrate.sql}
 * @param script the script name as given
 * @param statements the statements, in order
 */
record ResolvedCallback(
    CallbackEvent event, String description, String script, List<SqlStatement> statements) {}
