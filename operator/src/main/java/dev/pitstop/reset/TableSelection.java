package dev.pitstop.reset;

import dev.pitstop.reset.ResetPlan.PreservedTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Splits the tables of the schemas into emptied and preserved ones, and finds the tables of {@code
 * preserveRows}.
 *
 * @param emptied tables to empty, in catalog order
 * @param preserved tables of the schemas that are kept, with the reason
 * @param keep each {@code preserveRows} entry with its table (entries on preserved tables are
 *     dropped with a warning)
 * @param keeping emptied tables that may keep rows: those of {@code preserveRows} and every table
 *     they reference, directly or not
 * @param warnings things the plan should say
 */
record TableSelection(
    List<CatalogTable> emptied,
    List<PreservedTable> preserved,
    Map<KeepRows, CatalogTable> keep,
    Set<Long> keeping,
    List<String> warnings) {

  /** Tables always kept, in any schema: schema history and Pitstop's own bookkeeping. */
  static final Map<String, String> ALWAYS_KEPT =
      Map.of(
          "pitstop_schema_history", "Pitstop schema history",
          "flyway_schema_history", "Flyway schema history",
          "databasechangelog", "Liquibase changelog",
          "databasechangeloglock", "Liquibase changelog lock",
          "atlas_schema_revisions", "Atlas schema revisions",
          "schema_migrations", "schema_migrations history",
          "pitstop_maintenance_mode", "Pitstop maintenance mode",
          "pitstop_maintenance_mode_holders", "Pitstop maintenance mode holders");

  static TableSelection select(ForeignKeyGraph graph, ResetRequest request) {
    List<CatalogTable> emptied = new ArrayList<>();
    List<PreservedTable> preserved = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    boolean[] patternUsed = new boolean[request.preserveTables().size()];
    for (CatalogTable table : graph.tables()) {
      if (!table.inSchemas()) {
        continue;
      }
      Optional<String> reason = reasonToKeep(table, request, patternUsed);
      if (reason.isPresent()) {
        preserved.add(new PreservedTable(table.name().toString(), reason.get()));
      } else {
        emptied.add(table);
      }
    }
    for (int i = 0; i < patternUsed.length; i++) {
      if (!patternUsed[i]) {
        warnings.add(
            request.field("preserveTables[" + i + "]")
                + " ("
                + request.preserveTables().get(i)
                + ") matches no table.");
      }
    }
    Map<KeepRows, CatalogTable> keep = new LinkedHashMap<>();
    for (KeepRows rows : request.preserveRows()) {
      CatalogTable table = find(graph, request, rows);
      if (!emptied.contains(table)) {
        warnings.add(
            request.field(rows.field())
                + " names "
                + table.name()
                + ", which is preserved: all its rows are kept.");
      } else {
        keep.put(rows, table);
      }
    }
    return new TableSelection(
        List.copyOf(emptied),
        List.copyOf(preserved),
        keep,
        referencedClosure(graph, emptied, keep),
        List.copyOf(warnings));
  }

  private static Optional<String> reasonToKeep(
      CatalogTable table, ResetRequest request, boolean[] patternUsed) {
    String fixed = ALWAYS_KEPT.get(table.name().name());
    if (fixed != null) {
      return Optional.of(fixed);
    }
    if (table.historyShaped()) {
      return Optional.of("schema history (Flyway columns)");
    }
    List<TablePattern> patterns = request.preserveTables();
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matches(table.name())) {
        patternUsed[i] = true;
        return Optional.of(
            request.field("preserveTables[" + i + "]") + " (" + patterns.get(i) + ")");
      }
    }
    return Optional.empty();
  }

  /** The table of a preserveRows entry: qualified, or the first schema of the request having it. */
  private static CatalogTable find(ForeignKeyGraph graph, ResetRequest request, KeepRows rows) {
    List<String> schemas =
        rows.table().schema() != null ? List.of(rows.table().schema()) : request.schemas();
    for (String schema : schemas) {
      for (CatalogTable table : graph.tables()) {
        if (table.inSchemas()
            && table.name().schema().equals(schema)
            && table.name().name().equals(rows.table().name())) {
          return table;
        }
      }
    }
    throw request.invalid(
        ResetErrorCode.TABLE_NOT_FOUND,
        rows.field() + ".table",
        "names "
            + rows.table()
            + ", which is not a table in "
            + (rows.table().schema() != null
                ? "the reset's schemas"
                : "schemas " + String.join(", ", request.schemas())));
  }

  /** Emptied tables reachable from the preserveRows tables by following foreign keys upwards. */
  private static Set<Long> referencedClosure(
      ForeignKeyGraph graph, List<CatalogTable> emptied, Map<KeepRows, CatalogTable> keep) {
    Set<Long> emptiedOids = new LinkedHashSet<>();
    emptied.forEach(t -> emptiedOids.add(t.oid()));
    Set<Long> closure = new LinkedHashSet<>();
    Deque<Long> todo = new ArrayDeque<>();
    keep.values().forEach(t -> todo.add(t.oid()));
    while (!todo.isEmpty()) {
      long oid = todo.pop();
      if (!closure.add(oid)) {
        continue;
      }
      for (ForeignKey key : graph.foreignKeys()) {
        if (key.child() == oid && emptiedOids.contains(key.parent())) {
          todo.add(key.parent());
        }
      }
    }
    return closure;
  }
}
