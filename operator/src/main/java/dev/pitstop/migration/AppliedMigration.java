package dev.pitstop.migration;

import java.time.LocalDateTime;

/**
 * One row of the (Flyway-compatible) history table.
 *
 * @param installedRank the order in which rows were written
 * @param version the version, {@code null} for repeatable scripts and Flyway's schema marker
 * @param description the description
 * @param type {@code SQL} for scripts; Flyway also writes {@code BASELINE}, {@code SCHEMA}, {@code
 *     JDBC} and others
 * @param script the script name
 * @param checksum the recorded checksum, {@code null} if none
 * @param installedBy the role that applied it
 * @param installedOn when it was applied, in the server's local time
 * @param executionTimeMs how long it took
 * @param success {@code false} for a failed migration that Flyway recorded
 */
public record AppliedMigration(
    int installedRank,
    String version,
    String description,
    String type,
    String script,
    Integer checksum,
    String installedBy,
    LocalDateTime installedOn,
    int executionTimeMs,
    boolean success) {

  boolean isBaseline() {
    return type.endsWith("BASELINE");
  }

  /** A row that {@code baseline} writes (not a {@code B} script's {@code SQL_BASELINE} row). */
  boolean isBaselineMarker() {
    return type.equals("BASELINE");
  }

  boolean isSchemaMarker() {
    return type.equals("SCHEMA");
  }

  /**
   * A row by which Flyway takes its migration back: {@code DELETE} (its {@code repair} marking an
   * applied migration whose script is gone) or an undo ({@code UNDO_SQL}, ...): from it on, the
   * version, or the repeatable of that description, counts as not applied.
   */
  boolean takesBack() {
    return type.equals("DELETE") || type.startsWith("UNDO_");
  }

  boolean isSqlScript() {
    return type.equals("SQL");
  }

  /** The row of an applied baseline migration ({@code B<version>__<description>.sql}). */
  boolean isSqlBaseline() {
    return type.equals("SQL_BASELINE");
  }
}
