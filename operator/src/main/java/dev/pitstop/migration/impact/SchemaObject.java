package dev.pitstop.migration.impact;

import java.util.List;

/**
 * One object of the target's schema as the statements that create it on the scratch copy.
 *
 * @param kind e.g. {@code table}, {@code index}, as named in the plan's list of objects not copied
 * @param name schema-qualified name, as on the target
 * @param table the qualified name of the table it belongs to (for constraints, indexes, triggers),
 *     or null: when that table could not be copied, the object is not listed separately
 * @param statements run in order, all or none
 * @param fallback the same object in parts, tried when it cannot be created whole (a table without
 *     the defaults the scratch server refuses), or empty
 */
record SchemaObject(
    String kind, String name, String table, List<String> statements, List<SchemaObject> fallback) {
  SchemaObject {
    statements = List.copyOf(statements);
    fallback = List.copyOf(fallback);
  }

  SchemaObject(String kind, String name, String table, List<String> statements) {
    this(kind, name, table, statements, List.of());
  }

  SchemaObject(String kind, String name, String table, String statement) {
    this(kind, name, table, List.of(statement));
  }

  /** "kind name", as the plan lists it. */
  String label() {
    return kind + " " + name;
  }
}
