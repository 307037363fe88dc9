package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;

/**
 * A script whose name was parsed and whose statements were split.
 *
 * @param version the version, {@code null} for a repeatable script
 * @param description the description from the name, underscores turned into spaces
 * @param script the script name as given
 * @param checksum Flyway's checksum: of the file for a versioned script, of the text after
 *     placeholder replacement for a repeatable one
 * @param fileChecksum the checksum of the file as it is (Flyway's equivalent checksum)
 * @param statements the statements, in order
 * @param executeInTransaction the script configuration's override of whether the script runs in a
 *     transaction, or null to decide from its statements
 * @param baseline whether it is a baseline migration ({@code B<version>__<description>.sql})
 * @param problem why the script cannot run (a transaction-control statement, {@code COPY ... FROM
 *     STDIN} without its data, a placeholder without a value), or null: refused only when it is to
 *     be applied, so a script already applied (by Flyway, say) does not stop the others
 */
record ResolvedMigration(
    MigrationVersion version,
    String description,
    String script,
    int checksum,
    int fileChecksum,
    List<SqlStatement> statements,
    Boolean executeInTransaction,
    boolean baseline,
    MigrationException problem) {

  /**
   * Whether the script runs in one transaction: as its configuration says, else unless one of its
   * statements cannot run in a transaction on this server.
   */
  boolean transactional(int serverVersionNum) {
    if (executeInTransaction != null) {
      return executeInTransaction;
    }
    return !NonTransactionalStatements.anyRequiresAutocommit(statements, serverVersionNum);
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
