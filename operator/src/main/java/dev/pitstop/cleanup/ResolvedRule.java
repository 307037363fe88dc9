package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A rule checked against the catalog, with the SQL it runs. Names reach the SQL only through {@link
 * SqlIdentifiers}; the cutoff, the keyset position and the batch size are bind parameters.
 *
 * <p>A batch picks up to N matching rows that nobody else has locked ({@code FOR UPDATE SKIP
 * LOCKED}) and deletes them in the same statement, by ctid: the row locks keep every picked row
 * where it is until the statement ends, and it spares one index lookup per row. Where ctids are not
 * unique (partitioned tables, tables with inheritance children) the primary key is used.
 *
 * @param rule the rule as requested
 * @param table the table, schema-qualified as the catalog resolved it
 * @param primaryKey primary key columns; batches delete by them when {@code byCtid} is false
 * @param byCtid whether batches delete by ctid
 * @param keyset the column batches walk in order, so no batch re-reads rows an earlier one deleted;
 *     null when no index supports one
 * @param condition the rule's condition as SQL, with one parameter (the cutoff) for olderThan
 * @param verified whether the server accepted the batch statement; false while the table was too
 *     busy (locked) to check it, in which case nothing may be deleted until it is checked
 * @param cascades the foreign keys through which deleting the rows deletes or changes other rows
 * @param mayKeepRows whether a DELETE may leave a matching row in place (a BEFORE DELETE trigger, a
 *     DELETE rule or row-level security on the table), so what is left must be counted
 */
record ResolvedRule(
    DeletionRule rule,
    QualifiedName table,
    List<String> primaryKey,
    boolean byCtid,
    Keyset keyset,
    String condition,
    boolean verified,
    CascadeGraph cascades,
    boolean mayKeepRows) {

  /**
   * An indexed column to walk: each batch starts where the previous one ended.
   *
   * @param column the column
   * @param type its SQL type as the server formats it ({@code format_type}), for the bound's cast
   */
  record Keyset(String column, String type) {
    private static final java.util.Set<String> INTEGERS =
        java.util.Set.of("smallint", "integer", "bigint");
    private static final java.util.Set<String> TIMESTAMPS =
        java.util.Set.of("timestamp without time zone", "timestamp with time zone");

    /** Types with a built-in max(); others (e.g. uuid) find the last key by sorting. */
    private static final java.util.Set<String> WITH_MAX =
        java.util.stream.Stream.of(
                INTEGERS, TIMESTAMPS, java.util.Set.of("numeric", "text", "date"))
            .flatMap(java.util.Set::stream)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    boolean hasMax() {
      return WITH_MAX.contains(type);
    }

    /** Whether ranges of values make good batches; dates have too many rows per value. */
    boolean ranged() {
      return !type.equals("date");
    }

    /**
     * Whether keys map to whole numbers that keep their order (integers as themselves, timestamps
     * as microseconds since the epoch), so a batch's range can be sized from the key density
     * instead of searched for.
     */
    boolean interpolable() {
      return INTEGERS.contains(type) || TIMESTAMPS.contains(type);
    }

    /** SQL turning the key expression into its number; NULL for an infinite timestamp. */
    String toNumber(String expression) {
      if (INTEGERS.contains(type)) {
        return "CAST(" + expression + " AS bigint)";
      }
      return "CASE WHEN isfinite("
          + expression
          + ") THEN CAST(extract(epoch FROM "
          + expression
          + ") * 1000000 AS bigint) END";
    }

    /** SQL turning a bigint parameter back into a key to compare with. */
    String fromNumber() {
      if (INTEGERS.contains(type)) {
        return "CAST(? AS bigint)";
      }
      return "(CAST('epoch' AS " + type + ") + CAST(? AS bigint) * interval '1 microsecond')";
    }
  }

  ResolvedRule {
    primaryKey = List.copyOf(primaryKey);
  }

  /** This rule, checked or not. */
  ResolvedRule withVerified(boolean value) {
    return new ResolvedRule(
        rule, table, primaryKey, byCtid, keyset, condition, value, cascades, mayKeepRows);
  }

  String name() {
    return rule.name();
  }

  /** Whether the condition takes the cutoff parameter. */
  boolean needsCutoff() {
    return rule.criterion() instanceof DeletionRule.OlderThan;
  }

  /** How batches find their rows, for plans and messages. */
  String deleteBy() {
    String by = byCtid ? "ctid" : "primary key (" + String.join(", ", primaryKey) + ")";
    return by + (keyset == null ? "" : ", in " + keyset.column() + " order");
  }

  /**
   * Counts what deleting the matching rows would delete or change through foreign keys ({@link
   * CascadeGraph#countSql}); parameter: the cutoff if any.
   */
  String cascadeCountSql() {
    return cascades.countSql("FROM " + target() + " WHERE " + condition);
  }

  /** {@code SELECT count(*)} of the matching rows; parameter: the cutoff if any. */
  String countSql() {
    return "SELECT count(*) FROM " + table.sql() + " WHERE " + condition;
  }

  /**
   * One batch; it returns the rows deleted and, when ordered, the last key as text. Parameters: the
   * cutoff if any (twice when by primary key), the keyset bound if {@code bounded}, the batch size.
   *
   * @param ordered walk the keyset column in order (requires {@link #keyset()})
   * @param bounded start after the previous batch's last key
   */
  String batchSql(boolean ordered, boolean bounded) {
    // ONLY: a ctid names a row of this table, not of a child table.
    String target = byCtid ? "ONLY " + table.sql() : table.sql();
    String id =
        byCtid
            ? "ctid"
            : primaryKey.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
    StringBuilder pick = new StringBuilder("SELECT ").append(id).append(" FROM ").append(target);
    pick.append(" WHERE ").append(condition);
    String key = ordered ? SqlIdentifiers.quote(keyset.column()) : null;
    if (ordered && bounded) {
      pick.append(" AND ").append(key).append(" >= CAST(? AS ").append(keyset.type()).append(")");
    }
    if (ordered) {
      pick.append(" ORDER BY ").append(key);
    }
    pick.append(" LIMIT ? FOR UPDATE SKIP LOCKED");
    String match =
        byCtid || primaryKey.size() == 1
            ? id + " = ANY (ARRAY(" + pick + "))"
            : "(" + id + ") IN (" + pick + ")";
    String returning = ordered ? key + " AS pitstop_key" : "1 AS pitstop_key";
    String last = "NULL::text";
    if (ordered) {
      last =
          keyset.hasMax()
              ? "(SELECT max(pitstop_key)::text FROM deleted)"
              : "(SELECT deleted.pitstop_key::text AS last_key FROM deleted"
                  + " ORDER BY deleted.pitstop_key DESC LIMIT 1)";
    }
    // By primary key, the condition is checked again: in a table with inheritance children a key
    // is unique only per table, so a child's row with a picked key need not match.
    String recheck = byCtid ? "" : "(" + condition + ") AND ";
    return "WITH deleted AS (DELETE FROM "
        + target
        + " WHERE "
        + recheck
        + match
        + " RETURNING "
        + returning
        + ") SELECT (SELECT count(*) FROM deleted), "
        + last;
  }

  /**
   * The key that ends the next range batch: the key of the (N+1)-th matching row from {@code lo}
   * on, or no row when N or fewer are left. An index walk over N+1 entries, often index-only.
   * Parameters: the cutoff if any, {@code lo} if {@code bounded}, N.
   */
  String rangeEndSql(boolean bounded) {
    String key = SqlIdentifiers.quote(keyset.column());
    // Only the one key found is turned into text: a cast in the inner select list would run for
    // every entry the walk passes (for timestamps, most of the walk's cost).
    return "SELECT range_end::text FROM (SELECT "
        + key
        + " AS range_end FROM "
        + target()
        + " WHERE "
        + condition
        + (bounded ? " AND " + key + " >= CAST(? AS " + keyset.type() + ")" : "")
        + " ORDER BY "
        + key
        + " OFFSET ? LIMIT 1) AS pitstop_range";
  }

  /**
   * Deletes the matching rows with keys in [lo, end): one index range, no row locks taken first, so
   * it is as cheap as a plain DELETE; a row the application holds makes it wait (up to its lock
   * timeout). The condition is part of the DELETE, so a row changed meanwhile is re-checked.
   * Parameters: the cutoff if any, {@code lo} if {@code bounded}, {@code end} if {@code ended}.
   */
  String rangeDeleteSql(boolean bounded, boolean ended) {
    String key = SqlIdentifiers.quote(keyset.column());
    String cast = "CAST(? AS " + keyset.type() + ")";
    return "DELETE FROM "
        + target()
        + " WHERE "
        + condition
        + (bounded ? " AND " + key + " >= " + cast : "")
        + (ended ? " AND " + key + " < " + cast : "");
  }

  /** Binds a range statement's parameters: cutoff, then the given keys or number, in order. */
  void bindRange(PreparedStatement statement, OffsetDateTime cutoff, Object... values)
      throws SQLException {
    int next = bindCutoff(statement, cutoff);
    for (Object value : values) {
      if (value instanceof Integer n) {
        statement.setInt(next++, n);
      } else {
        statement.setString(next++, (String) value);
      }
    }
  }

  /**
   * One range batch and the search for where the next one ends, sent together so a batch costs one
   * round trip: the DELETE of [lo, end), then {@link #rangeEndSql} from {@code end}. The search
   * runs in the batch's transaction, which it lengthens by a short index walk only.
   */
  String rangeStepSql(boolean bounded) {
    return rangeDeleteSql(bounded, true) + ";\n" + rangeEndSql(true);
  }

  /** Binds {@link #rangeStepSql}: the delete's cutoff, lo and end, then the search's. */
  void bindRangeStep(
      PreparedStatement statement, OffsetDateTime cutoff, String lo, String end, int size)
      throws SQLException {
    int next = bindCutoff(statement, cutoff);
    if (lo != null) {
      statement.setString(next++, lo);
    }
    statement.setString(next++, end);
    if (needsCutoff()) {
      statement.setObject(next++, cutoff);
    }
    statement.setString(next++, end);
    statement.setInt(next, size);
  }

  /**
   * Where an interpolated walk starts and ends, as key numbers: the first matching key, and the
   * last key (the last matching one when the condition is on the key column, which is as cheap to
   * find). Either is NULL when there is none or it cannot be a number. Parameters: the cutoff(s).
   */
  String keyBoundsSql(boolean lastMatching) {
    String key = SqlIdentifiers.quote(keyset.column());
    return "SELECT (SELECT "
        + keyset.toNumber("min(" + key + ")")
        + " FROM "
        + target()
        + " WHERE "
        + condition
        + "), (SELECT "
        + keyset.toNumber("max(" + key + ")")
        + " FROM "
        + target()
        + (lastMatching ? " WHERE " + condition : "")
        + ")";
  }

  /** Whether the condition compares the keyset column itself (olderThan on an indexed column). */
  boolean conditionOnKey() {
    return rule.criterion() instanceof DeletionRule.OlderThan o
        && keyset != null
        && o.column().equals(keyset.column());
  }

  /**
   * The key number of the (N+1)-th matching row from key number {@code lo} on, or no row when N or
   * fewer are left. Parameters: the cutoff if any, {@code lo}, N.
   */
  String numberedRangeEndSql() {
    String key = SqlIdentifiers.quote(keyset.column());
    return "SELECT "
        + keyset.toNumber("range_end")
        + " FROM (SELECT "
        + key
        + " AS range_end FROM "
        + numberedFrom()
        + " ORDER BY "
        + key
        + " OFFSET ? LIMIT 1) AS pitstop_range";
  }

  /**
   * Deletes the matching rows with key numbers in [lo, end), or from {@code lo} on when not {@code
   * ended}. Parameters: the cutoff if any, {@code lo}, {@code end} if {@code ended}.
   */
  String numberedRangeDeleteSql(boolean ended) {
    String key = SqlIdentifiers.quote(keyset.column());
    return "DELETE FROM "
        + numberedFrom()
        + (ended ? " AND " + key + " < " + keyset.fromNumber() : "");
  }

  /** The table and the rows that match from key number {@code ?} on. */
  private String numberedFrom() {
    return target()
        + " WHERE "
        + condition
        + " AND "
        + SqlIdentifiers.quote(keyset.column())
        + " >= "
        + keyset.fromNumber();
  }

  /** The key, as text for a bound, that key number {@code ?} stands for. */
  String numberToKeyTextSql() {
    return "SELECT CAST(" + keyset.fromNumber() + " AS text)";
  }

  private String target() {
    return byCtid ? "ONLY " + table.sql() : table.sql();
  }

  /** Binds a batch's parameters in {@link #batchSql} order. */
  void bindBatch(
      PreparedStatement statement, OffsetDateTime cutoff, boolean bounded, String last, int size)
      throws SQLException {
    int next = bindCutoff(statement, cutoff);
    if (!byCtid && needsCutoff()) {
      statement.setObject(next++, cutoff); // the condition checked again by the DELETE
    }
    if (bounded) {
      if (last == null) {
        statement.setNull(next++, Types.VARCHAR);
      } else {
        statement.setString(next++, last);
      }
    }
    statement.setInt(next, size);
  }

  /** Binds the cutoff (when the condition has one); returns the next parameter index. */
  int bindCutoff(PreparedStatement statement, OffsetDateTime cutoff) throws SQLException {
    if (!needsCutoff()) {
      return 1;
    }
    statement.setObject(1, cutoff);
    return 2;
  }
}
