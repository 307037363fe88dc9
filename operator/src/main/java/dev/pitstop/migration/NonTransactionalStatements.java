package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;

/**
 * Recognises statements PostgreSQL refuses to run inside a transaction block, from their leading
 * tokens (comments and literals never match). A script containing one runs statement by statement
 * in autocommit mode.
 *
 * <p>{@code ALTER TYPE ... ADD VALUE} is allowed in a transaction since PostgreSQL 12 (the new
 * value just cannot be used before commit), so it is treated as transactional there and as
 * non-transactional on older servers.
 */
public final class NonTransactionalStatements {

  /** PostgreSQL 12, from which {@code ALTER TYPE ... ADD VALUE} may run in a transaction. */
  static final int ADD_VALUE_IN_TRANSACTION_SINCE = 120000;

  private NonTransactionalStatements() {}

  /** Tells whether any statement of the script must run outside a transaction. */
  static boolean anyRequiresAutocommit(List<SqlStatement> statements, int serverVersionNum) {
    for (SqlStatement statement : statements) {
      if (requiresAutocommit(statement, serverVersionNum)) {
        return true;
      }
    }
    return false;
  }

  /** Whether PostgreSQL of this version refuses the statement inside a transaction block. */
  public static boolean requiresAutocommit(SqlStatement s, int serverVersionNum) {
    return isConcurrentIndexBuild(s)
        || s.startsWith("DROP", "INDEX", "CONCURRENTLY")
        || (s.startsWith("REINDEX")
            && (s.hasLeadingWord("CONCURRENTLY")
                || s.hasLeadingWord("SCHEMA")
                || s.hasLeadingWord("DATABASE")
                || s.hasLeadingWord("SYSTEM")))
        || s.startsWith("VACUUM")
        || s.startsWith("DISCARD", "ALL")
        || s.startsWith("CREATE", "DATABASE")
        || s.startsWith("DROP", "DATABASE")
        || s.startsWith("ALTER", "SYSTEM")
        || s.startsWith("CREATE", "TABLESPACE")
        || s.startsWith("DROP", "TABLESPACE")
        || s.startsWith("CREATE", "SUBSCRIPTION")
        || s.startsWith("DROP", "SUBSCRIPTION")
        || (s.startsWith("ALTER", "TABLE")
            && s.hasLeadingWord("DETACH")
            && s.hasLeadingWord("CONCURRENTLY"))
        || (serverVersionNum < ADD_VALUE_IN_TRANSACTION_SINCE
            && s.startsWith("ALTER", "TYPE")
            && s.hasLeadingWord("ADD")
            && s.hasLeadingWord("VALUE"));
  }

  /** {@code CREATE [UNIQUE] INDEX CONCURRENTLY ...}. */
  public static boolean isConcurrentIndexBuild(SqlStatement s) {
    return s.startsWith("CREATE", "INDEX", "CONCURRENTLY")
        || s.startsWith("CREATE", "UNIQUE", "INDEX", "CONCURRENTLY");
  }
}
