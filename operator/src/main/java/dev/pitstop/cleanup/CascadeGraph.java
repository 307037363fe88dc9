package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The foreign keys through which deleting a rule's rows deletes or changes rows of other tables:
 * {@code ON DELETE CASCADE} (followed on, transitively), {@code SET NULL} and {@code SET DEFAULT}.
 * Node 0 is the rule's table; each table appears once, however many keys reach it.
 *
 * @param nodes the tables, the rule's first
 * @param edges the foreign keys between them
 */
record CascadeGraph(List<Node> nodes, List<Edge> edges) {
  static final CascadeGraph NONE = new CascadeGraph(List.of(), List.of());

  CascadeGraph {
    nodes = List.copyOf(nodes);
    edges = List.copyOf(edges);
  }

  /**
   * A table the deletes may reach.
   *
   * @param table the table
   * @param relations the relations whose rows it stands for (a partitioned table's partitions, the
   *     rule's table's inheritance children when its batches include them), as oids
   * @param target how SQL names its rows ({@code ONLY} where its children are not meant)
   */
  record Node(QualifiedName table, List<Long> relations, String target) {
    Node {
      relations = List.copyOf(relations);
    }
  }

  /**
   * A foreign key of table {@code to} referencing table {@code from}.
   *
   * @param from the referenced table's node
   * @param to the referencing table's node
   * @param action c (cascade: deletes), n (set null) or d (set default): changes
   * @param columns the referencing columns
   * @param referenced the referenced columns, in the same order
   * @param referencedTypes their types as SQL
   */
  record Edge(
      int from,
      int to,
      char action,
      List<String> columns,
      List<String> referenced,
      List<String> referencedTypes) {
    Edge {
      columns = List.copyOf(columns);
      referenced = List.copyOf(referenced);
      referencedTypes = List.copyOf(referencedTypes);
    }

    boolean deletes() {
      return action == 'c';
    }
  }

  boolean isEmpty() {
    return edges.isEmpty();
  }

  /**
   * A query counting, without deleting, what deleting the rule's matching rows would do: one row
   * per table, (node, rows deleted, rows changed), node 0's deleted including the matching rows
   * themselves. Deleted rows are followed through CASCADE keys in a recursive query (which ends on
   * cycles, as each row is reached once); changed rows are those referencing a deleted row through
   * a SET NULL or SET DEFAULT key. Parameters: the rule's (the cutoff, if any).
   *
   * @param rootRows the rule's rows, as {@code FROM ... WHERE ...} of the rule's table
   */
  String countSql(String rootRows) {
    StringBuilder sql =
        new StringBuilder("WITH RECURSIVE pitstop_cascade(node, rel, tid, keys) AS (");
    sql.append("SELECT 0, tableoid::oid, ctid::text, ")
        .append(keys(0, null))
        .append(" ")
        .append(rootRows);
    List<Edge> deleting = edges.stream().filter(Edge::deletes).toList();
    if (!deleting.isEmpty()) {
      sql.append(" UNION SELECT x.node, x.rel, x.tid, x.keys FROM pitstop_cascade d CROSS JOIN")
          .append(" LATERAL (");
      sql.append(
          deleting.stream()
              .map(
                  e ->
                      "SELECT "
                          + e.to()
                          + " AS node, c.tableoid::oid AS rel, c.ctid::text AS tid, "
                          + keys(e.to(), "c")
                          + " AS keys FROM "
                          + nodes.get(e.to()).target()
                          + " AS c WHERE d.node = "
                          + e.from()
                          + " AND "
                          + match(e))
              .collect(Collectors.joining(" UNION ALL ")));
      sql.append(") AS x");
    }
    sql.append(") SELECT n.node, (SELECT count(*) FROM pitstop_cascade d WHERE d.node = n.node), ");
    StringBuilder changed = new StringBuilder("CASE n.node");
    for (int i = 0; i < nodes.size(); i++) {
      int node = i;
      List<Edge> changing = edges.stream().filter(e -> !e.deletes() && e.to() == node).toList();
      if (changing.isEmpty()) {
        continue;
      }
      changed
          .append(" WHEN ")
          .append(i)
          .append(" THEN (SELECT count(*) FROM ")
          .append(nodes.get(i).target())
          .append(" AS c WHERE ")
          .append(
              changing.stream()
                  .map(
                      e ->
                          "EXISTS (SELECT 1 FROM pitstop_cascade d WHERE d.node = "
                              + e.from()
                              + " AND "
                              + match(e)
                              + ")")
                  .collect(Collectors.joining(" OR ")))
          .append(")");
    }
    changed.append(" ELSE 0 END");
    if (edges.stream().allMatch(Edge::deletes)) {
      changed.setLength(0);
      changed.append("0");
    }
    sql.append(changed)
        .append(" FROM generate_series(0, ")
        .append(nodes.size() - 1)
        .append(") AS n(node)");
    return sql.toString();
  }

  /**
   * The referenced columns of the keys leaving {@code node}, in the order {@link #keys} has them.
   */
  private List<String> keyColumns(int node) {
    return edges.stream()
        .filter(e -> e.from() == node)
        .flatMap(e -> e.referenced().stream())
        .distinct()
        .toList();
  }

  /** The values of {@link #keyColumns} of a row, as a JSON array of text. */
  private String keys(int node, String alias) {
    String prefix = alias == null ? "" : alias + ".";
    return "jsonb_build_array("
        + keyColumns(node).stream()
            .map(c -> prefix + SqlIdentifiers.quote(c) + "::text")
            .collect(Collectors.joining(", "))
        + ")";
  }

  /** The referencing row {@code c} points at the deleted row {@code d} through key {@code e}. */
  private String match(Edge e) {
    List<String> keyColumns = keyColumns(e.from());
    StringBuilder match = new StringBuilder();
    for (int i = 0; i < e.columns().size(); i++) {
      if (i > 0) {
        match.append(" AND ");
      }
      match
          .append("c.")
          .append(SqlIdentifiers.quote(e.columns().get(i)))
          .append(" = CAST(d.keys ->> ")
          .append(keyColumns.indexOf(e.referenced().get(i)))
          .append(" AS ")
          .append(e.referencedTypes().get(i))
          .append(")");
    }
    return match.toString();
  }
}
