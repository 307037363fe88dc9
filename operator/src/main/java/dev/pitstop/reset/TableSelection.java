package dev.pitstop.reset;

import dev.pitstop.reset.ResetPlan.PreservedTable;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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

  static TableSelection select(ForeignKeyGraph graph, ResetRequest request) {
    List<CatalogTable> emptied = new ArrayList<>();
    List<PreservedTable> preserved = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<List<CatalogTable>> matched = matches(graph, request);
    for (CatalogTable table : graph.tables()) {
      if (!table.inSchemas()) {
        continue;
      }
      Optional<String> reason = reasonToKeep(table, request, matched);
      if (reason.isPresent()) {
        preserved.add(new PreservedTable(table.name().toString(), reason.get()));
      } else {
        emptied.add(table);
      }
    }
    partitions(graph, request, emptied, preserved, warnings);
    for (int i = 0; i < matched.size(); i++) {
      if (matched.get(i).isEmpty()) {
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

  /**
   * A partition is emptied or kept with the partitioned table at the root of its tree, whatever its
   * own schema (its rows are that table's rows): lists a partition in the schemas whose root is
   * kept as preserved, warns of partitions outside the schemas that are emptied with their root,
   * and refuses a {@code preserveTables} pattern that would keep only partitions of an emptied
   * table.
   */
  private static void partitions(
      ForeignKeyGraph graph,
      ResetRequest request,
      List<CatalogTable> emptied,
      List<PreservedTable> preserved,
      List<String> warnings) {
    Set<Long> emptiedOids = new LinkedHashSet<>();
    emptied.forEach(t -> emptiedOids.add(t.oid()));
    Map<QualifiedName, List<String>> outside = new LinkedHashMap<>();
    for (ForeignKeyGraph.Partition partition : graph.partitions()) {
      boolean rootEmptied = emptiedOids.contains(partition.rootOid());
      if (partition.inSchemas() && rootEmptied) {
        List<TablePattern> patterns = request.preserveTables();
        for (int i = 0; i < patterns.size(); i++) {
          if (patterns.get(i).matches(partition.name())) {
            throw request.invalid(
                "preserveTables[" + i + "]",
                "("
                    + patterns.get(i)
                    + ") matches "
                    + partition.name()
                    + ", a partition of "
                    + partition.root()
                    + ", which this reset empties with all its partitions; preserve "
                    + partition.root()
                    + " to keep its rows, or narrow the pattern");
          }
        }
      } else if (partition.inSchemas()) {
        preserved.add(
            new PreservedTable(
                partition.name().toString(),
                "a partition of "
                    + partition.root()
                    + ", which this reset keeps (a partition is emptied or kept with its"
                    + " partitioned table)"));
      } else if (rootEmptied) {
        outside
            .computeIfAbsent(partition.root(), k -> new ArrayList<>())
            .add(partition.name().toString());
      }
    }
    outside.forEach(
        (root, names) ->
            warnings.add(
                root
                    + " is emptied with all its partitions, including "
                    + String.join(", ", names)
                    + (names.size() == 1 ? ", which lies" : ", which lie")
                    + " outside the reset's schemas: a partition's rows are its partitioned"
                    + " table's."));
  }

  /**
   * The tables of the schemas each {@code preserveTables} pattern matches.
   *
   * @throws ResetException when a pattern matching in any case matches two tables whose names
   *     differ only in case
   */
  private static List<List<CatalogTable>> matches(ForeignKeyGraph graph, ResetRequest request) {
    List<TablePattern> patterns = request.preserveTables();
    List<List<CatalogTable>> matched = new ArrayList<>();
    for (int i = 0; i < patterns.size(); i++) {
      TablePattern pattern = patterns.get(i);
      List<CatalogTable> tables =
          graph.tables().stream().filter(t -> t.inSchemas() && pattern.matches(t.name())).toList();
      String field = "preserveTables[" + i + "]";
      if (pattern.ignoresCase()) {
        Map<String, List<CatalogTable>> byFoldedName = new LinkedHashMap<>();
        for (CatalogTable table : tables) {
          String folded =
              (table.name().schema() + "." + table.name().name()).toLowerCase(Locale.ROOT);
          byFoldedName.computeIfAbsent(folded, k -> new ArrayList<>()).add(table);
        }
        for (List<CatalogTable> same : byFoldedName.values()) {
          if (same.size() > 1) {
            throw request.invalid(
                field,
                "("
                    + pattern
                    + ") matches "
                    + same.stream()
                        .map(t -> t.name().toString())
                        .collect(Collectors.joining(" and "))
                    + ", whose names differ only in case; double-quote the name to match its exact"
                    + " case, e.g. "
                    + SqlIdentifiers.quote(same.get(same.size() - 1).name().name()));
          }
        }
      }
      matched.add(tables);
    }
    return matched;
  }

  private static Optional<String> reasonToKeep(
      CatalogTable table, ResetRequest request, List<List<CatalogTable>> matched) {
    if (table.history() != null) {
      return Optional.of(table.history());
    }
    for (int i = 0; i < matched.size(); i++) {
      if (matched.get(i).contains(table)) {
        return Optional.of(
            request.field("preserveTables[" + i + "]")
                + " ("
                + request.preserveTables().get(i)
                + ")");
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
        if (table.inSchemas() && isIn(table.name(), schema, rows.table())) {
          return table;
        }
      }
    }
    for (String schema : schemas) {
      for (ForeignKeyGraph.Partition partition : graph.partitions()) {
        if (partition.inSchemas() && isIn(partition.name(), schema, rows.table())) {
          throw request.invalid(
              ResetErrorCode.TABLE_NOT_FOUND,
              rows.field() + ".table",
              "names "
                  + partition.name()
                  + ", a partition of "
                  + partition.root()
                  + "; name "
                  + partition.root()
                  + " (its condition is applied to every partition)");
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

  /** Tells whether {@code name} is {@code wanted}'s table name in {@code schema}. */
  private static boolean isIn(QualifiedName name, String schema, QualifiedName wanted) {
    return name.schema().equals(schema) && name.name().equals(wanted.name());
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
