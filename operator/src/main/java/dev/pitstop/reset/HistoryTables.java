package dev.pitstop.reset;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tables a reset keeps by default: the history and lock tables of known migration tools, and
 * Pitstop's own bookkeeping. Emptying them would make the tool run every migration again on a
 * schema that already has them. A name is matched exactly (as stored in the catalog), in any of the
 * reset's schemas; a generic name ({@code migrations}) only with the tool's exact columns.
 */
final class HistoryTables {

  /** Table name to what it is. */
  static final Map<String, String> BY_NAME =
      Map.ofEntries(
          Map.entry("pitstop_schema_history", "Pitstop schema history"),
          Map.entry("pitstop_maintenance_mode", "Pitstop maintenance mode"),
          Map.entry("pitstop_maintenance_mode_holders", "Pitstop maintenance mode holders"),
          Map.entry("pitstop_blocked_roles", "Pitstop blocked roles (a window's blocks)"),
          Map.entry("flyway_schema_history", "Flyway schema history"),
          Map.entry("databasechangelog", "Liquibase changelog"),
          Map.entry("databasechangeloglock", "Liquibase changelog lock"),
          Map.entry("atlas_schema_revisions", "Atlas schema revisions"),
          Map.entry("schema_migrations", "schema_migrations history (Rails, golang-migrate, ...)"),
          Map.entry("ar_internal_metadata", "Rails internal metadata"),
          Map.entry("django_migrations", "Django migrations"),
          Map.entry("alembic_version", "Alembic version"),
          Map.entry("_prisma_migrations", "Prisma migrations"),
          Map.entry("knex_migrations", "Knex migrations"),
          Map.entry("knex_migrations_lock", "Knex migrations lock"),
          Map.entry("SequelizeMeta", "Sequelize migrations"),
          Map.entry("typeorm_metadata", "TypeORM metadata"),
          Map.entry("payload_migrations", "Payload migrations"),
          Map.entry("goose_db_version", "goose version history"),
          Map.entry("__diesel_schema_migrations", "Diesel migrations"),
          Map.entry("__EFMigrationsHistory", "Entity Framework migrations history"));

  /** Generic names kept only with exactly these columns (sorted): name to columns and reason. */
  private static final Map<String, List<Map.Entry<List<String>, String>>> BY_SHAPE =
      Map.of(
          "migrations",
          List.of(
              Map.entry(List.of("id", "name", "timestamp"), "TypeORM migrations"),
              Map.entry(List.of("batch", "id", "migration"), "Laravel migrations")));

  /** Columns of a Flyway-style history table (any name, e.g. a custom {@code historyTable}). */
  static final Set<String> FLYWAY_COLUMNS =
      Set.of(
          "installed_rank",
          "version",
          "description",
          "type",
          "script",
          "checksum",
          "installed_by",
          "installed_on",
          "execution_time",
          "success");

  /** Schema of Sqitch's registry; its tables are kept when the reset covers that schema. */
  static final String SQITCH_SCHEMA = "sqitch";

  private HistoryTables() {}

  /**
   * Why a table is kept by default, or {@code null}.
   *
   * @param columns the table's column names, sorted
   */
  static String reason(String schema, String name, List<String> columns) {
    return reason(schema, name, columns, true);
  }

  /**
   * Why a table is kept as a history table, or null; with {@code otherTools} false only Pitstop's
   * own tables are ({@code keepHistoryTables: false}).
   */
  static String reason(String schema, String name, List<String> columns, boolean otherTools) {
    if (!otherTools) {
      return name.startsWith("pitstop_") ? BY_NAME.get(name) : null;
    }
    String byName = BY_NAME.get(name);
    if (byName != null) {
      return byName;
    }
    for (Map.Entry<List<String>, String> shape : BY_SHAPE.getOrDefault(name, List.of())) {
      if (shape.getKey().equals(columns)) {
        return shape.getValue() + " (by its columns)";
      }
    }
    if (columns.containsAll(FLYWAY_COLUMNS)) {
      return "schema history (Flyway columns)";
    }
    if (SQITCH_SCHEMA.equals(schema)) {
      return "Sqitch registry";
    }
    return null;
  }
}
