package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.time.Duration;
import java.util.Objects;

/**
 * One kind of row to delete: rows of {@code table} that match {@code criterion}. Build with {@link
 * #olderThan}, {@link #orphanedBy} or {@link #where}; names are checked against the catalog before
 * a run.
 *
 * @param name the rule's name, used in results, progress and the advisory lock
 * @param table the table to delete from; its schema is {@code null} when search_path decides
 * @param criterion which rows match
 */
public record DeletionRule(String name, QualifiedName table, Criterion criterion) {

  public DeletionRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(criterion, "criterion");
  }

  /** Which rows of the table a rule deletes. */
  public sealed interface Criterion permits OlderThan, OrphanedBy, Where {}

  /** Rows whose timestamp, timestamptz or date {@code column} is before {@code now() - age}. */
  public record OlderThan(String column, Duration age) implements Criterion {}

  /** Rows whose non-null {@code column} has no matching {@code parentColumn} in the parent. */
  public record OrphanedBy(String column, QualifiedName parentTable, String parentColumn)
      implements Criterion {}

  /** Rows matching one boolean SQL expression, checked by the server before use. */
  public record Where(WhereExpression expression) implements Criterion {}

  /** Rows older than {@code age} by {@code column}. */
  public static DeletionRule olderThan(String name, String table, String column, Duration age) {
    return new DeletionRule(name, table(name, table, "table"), new OlderThan(column, age));
  }

  /** Rows whose parent in {@code parentTable} no longer exists. */
  public static DeletionRule orphanedBy(
      String name, String table, String column, String parentTable, String parentColumn) {
    return new DeletionRule(
        name,
        table(name, table, "table"),
        new OrphanedBy(column, table(name, parentTable, "orphanedBy.parentTable"), parentColumn));
  }

  /** Rows matching a boolean SQL expression such as {@code expires_at < now() OR invalid}. */
  public static DeletionRule where(String name, String table, String expression) {
    return new DeletionRule(
        name,
        table(name, table, "table"),
        new Where(WhereExpression.parse(expression, field(name, "where"))));
  }

  /** The request path of one of this rule's fields, e.g. {@code rules[old-logs].table}. */
  public String field(String part) {
    return field(name, part);
  }

  static String field(String ruleName, String part) {
    return "rules[" + ruleName + "]" + (part.isEmpty() ? "" : "." + part);
  }

  private static QualifiedName table(String rule, String text, String part) {
    QualifiedName name;
    try {
      name = SqlIdentifiers.qualified(text);
    } catch (IllegalArgumentException e) {
      throw new CleanupException(
          CleanupErrorCode.INVALID_REQUEST, field(rule, part), e.getMessage());
    }
    if (part.equals("table") && SqlIdentifiers.isSystemSchema(name.schema())) {
      throw new CleanupException(
          CleanupErrorCode.INVALID_REQUEST, field(rule, part), systemSchema(name) + ".");
    }
    return name;
  }

  /** Why a rule may not delete from {@code table}, a table of a system schema. */
  static String systemSchema(QualifiedName table) {
    return table
        + " is in the system schema "
        + table.schema()
        + "; cleanup never deletes from PostgreSQL's own schemas";
  }
}
