package dev.pitstop.migration.impact;

import dev.pitstop.migration.NonTransactionalStatements;
import dev.pitstop.sql.SqlStatement;
import java.util.List;

/** What the probe needs to know of a statement from its leading tokens. */
final class Statements {
  private Statements() {}

  private static final int DISPLAY_LENGTH = 200;

  /**
   * Statements PostgreSQL refuses inside a transaction block, as {@code migrate} decides it (plans
   * run on PostgreSQL 12 or later, where {@code ALTER TYPE ... ADD VALUE} runs in one).
   */
  static boolean refusesTransaction(SqlStatement s) {
    return NonTransactionalStatements.requiresAutocommit(s, Integer.MAX_VALUE);
  }

  /** {@code CREATE [UNIQUE] INDEX CONCURRENTLY ...}. */
  static boolean isConcurrentIndexBuild(SqlStatement s) {
    return NonTransactionalStatements.isConcurrentIndexBuild(s);
  }

  /** A statement with CONCURRENTLY that must run outside a transaction. */
  static boolean isConcurrently(SqlStatement s) {
    return refusesTransaction(s) && s.hasLeadingWord("CONCURRENTLY");
  }

  /**
   * Whether a statement may change the session's settings (SET, RESET, set_config in a query,
   * DO...): anything but DDL, GRANT/REVOKE, COMMENT and INSERT/UPDATE/DELETE.
   */
  static boolean mayChangeSession(SqlStatement s) {
    for (String word :
        List.of(
            "CREATE",
            "ALTER",
            "DROP",
            "COMMENT",
            "GRANT",
            "REVOKE",
            "TRUNCATE",
            "INSERT",
            "UPDATE",
            "DELETE")) {
      if (s.startsWith(word)) {
        return false;
      }
    }
    return true;
  }

  /** {@code SET}, {@code RESET}: settings only. */
  static boolean isSetting(SqlStatement s) {
    return s.startsWith("SET") || s.startsWith("RESET");
  }

  /**
   * A statement that changes existing rows or copies rows from a query: UPDATE, DELETE, MERGE,
   * INSERT ... SELECT. INSERT ... VALUES is not.
   */
  static boolean isDataUpdate(SqlStatement s) {
    return s.startsWith("UPDATE")
        || s.startsWith("DELETE")
        || s.startsWith("MERGE")
        || (s.startsWith("INSERT") && s.hasLeadingWord("SELECT") && !s.hasLeadingWord("VALUES"));
  }

  /**
   * A statement that only reads or writes rows: INSERT, UPDATE, DELETE, MERGE, COPY. It changes no
   * relation's catalog state unless a trigger or function it runs does DDL, which then takes a lock
   * of its own.
   */
  static boolean isRowStatement(SqlStatement s) {
    return s.startsWith("INSERT")
        || s.startsWith("UPDATE")
        || s.startsWith("DELETE")
        || s.startsWith("MERGE")
        || s.startsWith("COPY");
  }

  /** The table a data update writes, as written in the statement, or null. */
  static String dataTargetName(SqlStatement s) {
    List<String> t = s.leadingTokens();
    int i = 1;
    if (i < t.size() && (t.get(i).equalsIgnoreCase("FROM") || t.get(i).equalsIgnoreCase("INTO"))) {
      i++;
    }
    if (i < t.size() && t.get(i).equalsIgnoreCase("ONLY")) {
      i++;
    }
    StringBuilder name = new StringBuilder();
    while (i < t.size() && isIdentifier(t.get(i))) {
      name.append(t.get(i));
      if (i + 1 < t.size() && t.get(i + 1).equals(".")) {
        name.append('.');
        i += 2;
      } else {
        break;
      }
    }
    return name.length() == 0 ? null : name.toString();
  }

  private static boolean isIdentifier(String token) {
    return token.startsWith("\"") || Character.isLetter(token.charAt(0)) || token.charAt(0) == '_';
  }

  /** The statement on one line, cut for display. */
  static String display(String sql) {
    String one = sql.replaceAll("\\s+", " ").strip();
    return one.length() <= DISPLAY_LENGTH ? one : one.substring(0, DISPLAY_LENGTH - 3) + "...";
  }
}
