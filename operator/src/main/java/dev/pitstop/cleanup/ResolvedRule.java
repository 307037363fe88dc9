package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A rule checked against the catalog, with the SQL it runs. Names reach the SQL only through {@link
 * SqlIdentifiers}; the age cutoff and the batch size are bind parameters.
 *
 * @param rule the rule as requested
 * @param table the table, schema-qualified as the catalog resolved it
 * @param key primary key columns the batches delete by; empty: by ctid
 * @param condition the rule's condition as SQL, with one parameter (the cutoff) for olderThan
 * @param verified whether the server accepted the batch statement; false while the table was too
 *     busy (locked) to check it, in which case nothing may be deleted until it is checked
 */
record ResolvedRule(
    DeletionRule rule, QualifiedName table, List<String> key, String condition, boolean verified) {

  ResolvedRule {
    key = List.copyOf(key);
  }

  /** This rule, checked or not. */
  ResolvedRule withVerified(boolean value) {
    return new ResolvedRule(rule, table, key, condition, value);
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
    return key.isEmpty() ? "ctid (no primary key)" : "primary key (" + String.join(", ", key) + ")";
  }

  /** {@code SELECT count(*)} of the matching rows; parameter: the cutoff if any. */
  String countSql() {
    return "SELECT count(*) FROM " + table.sql() + " WHERE " + condition;
  }

  /**
   * Deletes up to N matching rows that no other session has locked; parameters: the cutoff if any,
   * then N. Rows locked by the application are skipped, never waited for.
   */
  String batchSql() {
    // ONLY: ctids repeat across inheritance children, so a ctid batch must stay in this table.
    String from = key.isEmpty() ? " ONLY " + table.sql() : " " + table.sql();
    String pick = " FROM" + from + " WHERE " + condition + " LIMIT ? FOR UPDATE SKIP LOCKED";
    if (key.isEmpty()) {
      return "DELETE FROM" + from + " WHERE ctid = ANY (ARRAY(SELECT ctid" + pick + "))";
    }
    String columns = key.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
    if (key.size() == 1) {
      return "DELETE FROM "
          + table.sql()
          + " WHERE "
          + columns
          + " = ANY (ARRAY(SELECT "
          + columns
          + pick
          + "))";
    }
    return "DELETE FROM "
        + table.sql()
        + " WHERE ("
        + columns
        + ") IN (SELECT "
        + columns
        + pick
        + ")";
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
