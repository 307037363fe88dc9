package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;

/**
 * A script whose name was parsed and whose statements were split.
 *
 * @param version the version, {@code null} for a repeatable script
 * @param description the description from the name, underscores turned into spaces
 * @param script the script name as given
 * @param checksum Flyway's checksum of the content
 * @param statements the statements, in order
 * @param baseline whether it is a baseline migration ({@code B<version>__<description>.sql})
 */
record ResolvedMigration(
    MigrationVersion version,
    String description,
    String script,
    int checksum,
    List<SqlStatement> statements,
    boolean baseline) {

  ResolvedMigration(
      MigrationVersion version,
      String description,
      String script,
      int checksum,
      List<SqlStatement> statements) {
    this(version, description, script, checksum, statements, false);
  }

  /** The type its history row gets: {@code SQL_BASELINE} for a baseline migration, as Flyway's. */
  String type() {
    return baseline ? "SQL_BASELINE" : "SQL";
  }

  boolean repeatable() {
    return version == null;
  }

  String versionText() {
    return version == null ? null : version.toString();
  }
}
