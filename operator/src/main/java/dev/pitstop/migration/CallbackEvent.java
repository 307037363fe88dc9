package dev.pitstop.migration;

import java.util.Set;

/**
 * The points of a {@code migrate} run at which SQL callbacks run, named as Flyway names them: a
 * file {@code <id>.sql} or {@code <id>__<description>.sql} is a callback for that event.
 */
enum CallbackEvent {
  /** Before the first migration, in its own transaction, also when nothing is pending. */
  BEFORE_MIGRATE("beforeMigrate"),
  /** Before each migration, in that migration's transaction. */
  BEFORE_EACH_MIGRATE("beforeEachMigrate"),
  /** After each migration, in that migration's transaction, before it is recorded. */
  AFTER_EACH_MIGRATE("afterEachMigrate"),
  /** After the last migration when at least one was applied, before {@link #AFTER_MIGRATE}. */
  AFTER_MIGRATE_APPLIED("afterMigrateApplied"),
  /** After the last migration, in its own transaction, also when nothing was pending. */
  AFTER_MIGRATE("afterMigrate"),
  /** After a migration or an each-migration callback failed and was rolled back. */
  AFTER_MIGRATE_ERROR("afterMigrateError");

  /**
   * Flyway's other callback events: files named after them are not migrations, and Pitstop does not
   * run them (they are ignored with a warning).
   */
  static final Set<String> NOT_RUN =
      Set.of(
          "beforeClean",
          "afterClean",
          "afterCleanError",
          "beforeEachMigrateStatement",
          "afterEachMigrateStatement",
          "afterEachMigrateStatementError",
          "afterEachMigrateError",
          "beforeRepeatables",
          "afterVersioned",
          "beforeUndo",
          "beforeEachUndo",
          "beforeEachUndoStatement",
          "afterEachUndoStatement",
          "afterEachUndoStatementError",
          "afterEachUndo",
          "afterEachUndoError",
          "afterUndo",
          "afterUndoError",
          "beforeValidate",
          "afterValidate",
          "afterValidateError",
          "beforeBaseline",
          "afterBaseline",
          "afterBaselineError",
          "beforeRepair",
          "afterRepair",
          "afterRepairError",
          "beforeInfo",
          "afterInfo",
          "afterInfoError",
          "createSchema",
          "beforeCreateSchema",
          "beforeConnect",
          "afterConnect");

  private final String id;

  CallbackEvent(String id) {
    this.id = id;
  }

  /** The event's name in file names, e.g. {@code beforeMigrate}. */
  String id() {
    return id;
  }

  /** The event with this exact (case-sensitive) name, or {@code null}. */
  static CallbackEvent fromId(String id) {
    for (CallbackEvent event : values()) {
      if (event.id.equals(id)) {
        return event;
      }
    }
    return null;
  }
}
