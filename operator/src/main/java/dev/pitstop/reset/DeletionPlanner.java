package dev.pitstop.reset;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Orders tables for DELETE, children before parents, from the foreign keys between them. Cycles are
 * broken without deleting anything first: keys whose ON DELETE action detaches referencing rows
 * anyway (CASCADE, SET NULL) are ignored; then DEFERRABLE keys are deferred to commit; then a key
 * with a nullable column is detached by setting that column to NULL before the deletes. A cycle
 * left after that is refused. Self-references need none of this: one DELETE statement removes a
 * table's rows before its keys are checked.
 */
final class DeletionPlanner {

  private DeletionPlanner() {}

  /**
   * The plan's answer.
   *
   * @param order tables in deletion order
   * @param deferred keys to SET CONSTRAINTS ... DEFERRED
   * @param nulled keys whose nullable columns are set to NULL before any delete
   */
  record Order(List<CatalogTable> order, List<ForeignKey> deferred, List<ForeignKey> nulled) {}

  /**
   * Orders {@code tables}.
   *
   * @param keys foreign keys; those not between two of {@code tables} are ignored
   * @throws ResetException with {@link ResetErrorCode#UNBREAKABLE_CYCLE} naming the constraints
   */
  static Order order(List<CatalogTable> tables, List<ForeignKey> keys) {
    Map<Long, CatalogTable> byOid = new LinkedHashMap<>();
    tables.forEach(t -> byOid.put(t.oid(), t));
    List<ForeignKey> active =
        keys.stream()
            .filter(k -> !k.isSelfReference())
            .filter(k -> byOid.containsKey(k.child()) && byOid.containsKey(k.parent()))
            .sorted(Comparator.comparing(k -> k.name().toString()))
            .collect(Collectors.toCollection(ArrayList::new));
    List<ForeignKey> deferred = new ArrayList<>();
    List<ForeignKey> nulled = new ArrayList<>();
    while (true) {
      List<Set<Long>> cycles =
          stronglyConnected(byOid.keySet(), active).stream().filter(c -> c.size() > 1).toList();
      if (cycles.isEmpty()) {
        break;
      }
      for (Set<Long> cycle : cycles) {
        List<ForeignKey> inner =
            active.stream()
                .filter(k -> cycle.contains(k.child()) && cycle.contains(k.parent()))
                .toList();
        List<ForeignKey> acting = inner.stream().filter(ForeignKey::actsOnDelete).toList();
        List<ForeignKey> deferrable = inner.stream().filter(ForeignKey::canDefer).toList();
        if (!acting.isEmpty()) {
          active.removeAll(acting);
        } else if (!deferrable.isEmpty()) {
          active.removeAll(deferrable);
          deferred.addAll(deferrable);
        } else {
          ForeignKey detachable =
              inner.stream()
                  .filter(ForeignKey::canBeNulled)
                  .findFirst()
                  .orElseThrow(() -> unbreakable(cycle, inner, byOid));
          active.remove(detachable);
          nulled.add(detachable);
        }
      }
    }
    return new Order(topological(byOid, active), List.copyOf(deferred), List.copyOf(nulled));
  }

  /**
   * Orders tables children first as far as the keys allow, without breaking cycles: tables left in
   * a cycle follow by name. For TRUNCATE, where the order does not matter to the server.
   */
  static List<CatalogTable> childrenFirst(List<CatalogTable> tables, List<ForeignKey> keys) {
    Map<Long, CatalogTable> byOid = new LinkedHashMap<>();
    tables.forEach(t -> byOid.put(t.oid(), t));
    List<ForeignKey> edges =
        keys.stream()
            .filter(k -> !k.isSelfReference())
            .filter(k -> byOid.containsKey(k.child()) && byOid.containsKey(k.parent()))
            .toList();
    List<CatalogTable> order = new ArrayList<>(topological(byOid, edges));
    tables.stream()
        .filter(t -> !order.contains(t))
        .sorted(Comparator.comparing((CatalogTable t) -> t.name().toString()))
        .forEach(order::add);
    return order;
  }

  /**
   * Kahn's algorithm: a table is ready when every table referencing it is done; ties by name.
   * Tables in a cycle are never ready and are left out.
   */
  private static List<CatalogTable> topological(
      Map<Long, CatalogTable> byOid, List<ForeignKey> edges) {
    Map<Long, Integer> referencedBy = new HashMap<>();
    Map<Long, List<ForeignKey>> outgoing = new HashMap<>();
    byOid.keySet().forEach(oid -> referencedBy.put(oid, 0));
    Set<String> counted = new HashSet<>();
    for (ForeignKey key : edges) {
      if (counted.add(key.child() + ">" + key.parent())) {
        referencedBy.merge(key.parent(), 1, Integer::sum);
        outgoing.computeIfAbsent(key.child(), c -> new ArrayList<>()).add(key);
      }
    }
    TreeSet<CatalogTable> ready =
        new TreeSet<>(Comparator.comparing((CatalogTable t) -> t.name().toString()));
    referencedBy.forEach(
        (oid, count) -> {
          if (count == 0) {
            ready.add(byOid.get(oid));
          }
        });
    List<CatalogTable> order = new ArrayList<>();
    while (!ready.isEmpty()) {
      CatalogTable next = ready.pollFirst();
      order.add(next);
      for (ForeignKey key : outgoing.getOrDefault(next.oid(), List.of())) {
        if (referencedBy.merge(key.parent(), -1, Integer::sum) == 0) {
          ready.add(byOid.get(key.parent()));
        }
      }
    }
    return order;
  }

  /** Tarjan's algorithm, iterative; returns every strongly connected component. */
  static List<Set<Long>> stronglyConnected(Set<Long> nodes, List<ForeignKey> edges) {
    Map<Long, List<Long>> next = new HashMap<>();
    for (ForeignKey key : edges) {
      next.computeIfAbsent(key.child(), c -> new ArrayList<>()).add(key.parent());
    }
    Map<Long, Integer> index = new HashMap<>();
    Map<Long, Integer> low = new HashMap<>();
    Deque<Long> stack = new ArrayDeque<>();
    Set<Long> onStack = new HashSet<>();
    List<Set<Long>> components = new ArrayList<>();
    int counter = 0;
    for (Long root : nodes) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<long[]> work = new ArrayDeque<>(); // {node, position in its successor list}
      work.push(new long[] {root, 0});
      index.put(root, counter);
      low.put(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (!work.isEmpty()) {
        long[] frame = work.peek();
        long node = frame[0];
        List<Long> successors = next.getOrDefault(node, List.of());
        if (frame[1] < successors.size()) {
          long successor = successors.get((int) frame[1]++);
          if (!index.containsKey(successor)) {
            index.put(successor, counter);
            low.put(successor, counter++);
            stack.push(successor);
            onStack.add(successor);
            work.push(new long[] {successor, 0});
          } else if (onStack.contains(successor)) {
            low.put(node, Math.min(low.get(node), index.get(successor)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          long parent = work.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(node)));
        }
        if (low.get(node).equals(index.get(node))) {
          Set<Long> component = new HashSet<>();
          long member;
          do {
            member = stack.pop();
            onStack.remove(member);
            component.add(member);
          } while (member != node);
          components.add(component);
        }
      }
    }
    return components;
  }

  private static ResetException unbreakable(
      Set<Long> cycle, List<ForeignKey> keys, Map<Long, CatalogTable> byOid) {
    String tables =
        cycle.stream()
            .map(oid -> byOid.get(oid).name().toString())
            .sorted()
            .collect(Collectors.joining(", "));
    String constraints =
        keys.stream().map(k -> k.name().toString()).collect(Collectors.joining(", "));
    return new ResetException(
        ResetErrorCode.UNBREAKABLE_CYCLE,
        constraints,
        "Tables "
            + tables
            + " reference each other through foreign keys "
            + constraints
            + ", none of which is DEFERRABLE or has a nullable column, so no delete order"
            + " works; make one of them DEFERRABLE or preserve one of the tables. Nothing was"
            + " deleted.");
  }
}
