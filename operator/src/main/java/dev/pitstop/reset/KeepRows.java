package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;

/**
 * A validated {@code preserveRows} entry: rows of {@code table} matching {@code where} survive the
 * reset, with every row they reference.
 *
 * @param table the table; its schema is {@code null} when the name was not qualified
 * @param where the boolean expression, shape-checked by {@link dev.pitstop.sql.SqlCondition}
 * @param field the request field it came from, e.g. {@code preserveRows[0]}
 */
public record KeepRows(QualifiedName table, String where, String field) {}
