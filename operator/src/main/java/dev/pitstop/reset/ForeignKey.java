package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A foreign key constraint from the catalog.
 *
 * @param name the constraint, qualified with its table's schema (as SET CONSTRAINTS wants it)
 * @param child oid of the referencing table
 * @param parent oid of the referenced table
 * @param childColumns referencing columns
 * @param parentColumns referenced columns, in the same order
 * @param nullable whether each referencing column may be NULL
 * @param deferrable whether the constraint is DEFERRABLE
 * @param onDelete the catalog's {@code confdeltype}: a no action, r restrict, c cascade, n set
 *     null, d set default
 * @param matchFull whether it is MATCH FULL (all columns must be NULL to not reference anything)
 */
record ForeignKey(
    QualifiedName name,
    long child,
    long parent,
    List<String> childColumns,
    List<String> parentColumns,
    List<Boolean> nullable,
    boolean deferrable,
    char onDelete,
    boolean matchFull) {

  ForeignKey {
    childColumns = List.copyOf(childColumns);
    parentColumns = List.copyOf(parentColumns);
    nullable = List.copyOf(nullable);
  }

  boolean isSelfReference() {
    return child == parent;
  }

  /**
   * Whether deleting parent rows first is harmless: the server itself removes or detaches the
   * referencing rows (CASCADE, or SET NULL on nullable columns).
   */
  boolean actsOnDelete() {
    return onDelete == 'c' || (onDelete == 'n' && nullable.stream().allMatch(n -> n));
  }

  /** Whether SET CONSTRAINTS ... DEFERRED moves its check to commit (RESTRICT never defers). */
  boolean canDefer() {
    return deferrable && onDelete == 'a';
  }

  /** Whether setting its nullable columns to NULL makes a row reference nothing. */
  boolean canBeNulled() {
    return matchFull ? nullable.stream().allMatch(n -> n) : nullable.stream().anyMatch(n -> n);
  }

  /** The columns set to NULL to detach a row. */
  List<String> nullableColumns() {
    return IntStream.range(0, childColumns.size())
        .filter(nullable::get)
        .mapToObj(childColumns::get)
        .toList();
  }

  /** Whether deleting a referenced row fails while a referencing row exists. */
  boolean blocksDelete() {
    return onDelete == 'a' || onDelete == 'r';
  }

  /** The ON DELETE action as SQL writes it. */
  String onDeleteText() {
    return switch (onDelete) {
      case 'r' -> "RESTRICT";
      case 'c' -> "CASCADE";
      case 'n' -> "SET NULL";
      case 'd' -> "SET DEFAULT";
      default -> "NO ACTION";
    };
  }
}
