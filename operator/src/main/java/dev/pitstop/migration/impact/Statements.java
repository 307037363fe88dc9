package dev.pitstop.migration.impact;

import dev.pitstop.migration.NonTransactionalStatements;
import dev.pitstop.sql.SqlLexer;
import dev.pitstop.sql.SqlStatement;
import java.util.List;
import java.util.Locale;

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
    return nameAt(t, i);
  }

  /** The domain an {@code ALTER DOMAIN} statement alters, as written, or null. */
  static String alteredDomainName(SqlStatement s) {
    return isAlterDomain(s) ? nameAt(s.leadingTokens(), 2) : null;
  }

  /** The (qualified) name starting at token {@code i}, as written, or null. */
  private static String nameAt(List<String> t, int i) {
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

  /**
   * What a statement changes beyond its database, in the catalogs every database on the server
   * shares (roles and their membership and settings, databases, tablespaces, subscriptions, the
   * server's configuration), or null. Such a statement is never run on the copy: the copy is a
   * database on a server that is the target's own or another one in use.
   */
  static String changesServer(SqlStatement s) {
    String verb = word(s, 0);
    String object = word(s, 1);
    if (verb.equals("ALTER") && object.equals("SYSTEM")) {
      return "the server's configuration";
    }
    if (verb.equals("CREATE") || verb.equals("ALTER") || verb.equals("DROP")) {
      if (object.equals("USER") && word(s, 2).equals("MAPPING")) {
        return null; // a foreign server's user mapping belongs to the database
      }
      if (verb.equals("DROP") && object.equals("OWNED")) {
        return "privileges on databases and tablespaces as well as objects of the database";
      }
      String shared = sharedKind(object);
      if (shared != null) {
        return shared;
      }
    }
    if (verb.equals("REASSIGN")) {
      return "the owners of databases and tablespaces as well as objects of the database";
    }
    if (verb.equals("GRANT") || verb.equals("REVOKE")) {
      String kind = wordAfterOn(s);
      if (kind == null) {
        return "role membership";
      }
      if (kind.equals("DATABASE") || kind.equals("TABLESPACE") || kind.equals("PARAMETER")) {
        return "privileges on " + kind.toLowerCase(Locale.ROOT) + "s";
      }
      return null;
    }
    if (verb.equals("COMMENT") && object.equals("ON")) {
      return sharedKind(word(s, 2));
    }
    if (verb.equals("SECURITY") && object.equals("LABEL")) {
      int on = position(s, "ON");
      return on < 0 ? null : sharedKind(word(s, on + 1));
    }
    return null;
  }

  /**
   * The word after the {@code ON} of a {@code GRANT} or {@code REVOKE} of privileges, in upper
   * case; null when there is none (a grant of role membership). The whole statement is read, not
   * only its leading tokens: the privileges before {@code ON} may list many columns.
   */
  private static String wordAfterOn(SqlStatement s) {
    boolean afterOn = false;
    int depth = 0;
    for (SqlLexer.Token token : SqlLexer.tokens(s.sql())) {
      if (token.kind().isBlank()) {
        continue;
      }
      if (afterOn) {
        return token.text().toUpperCase(Locale.ROOT);
      }
      switch (token.kind()) {
        case OPEN_PAREN -> depth++;
        case CLOSE_PAREN -> depth--;
        case WORD -> afterOn = depth == 0 && token.text().equalsIgnoreCase("ON");
        default -> {}
      }
    }
    return null;
  }

  private static String sharedKind(String object) {
    return switch (object) {
      case "ROLE", "USER", "GROUP" -> "roles";
      case "DATABASE" -> "databases";
      case "TABLESPACE" -> "tablespaces";
      case "SUBSCRIPTION" -> "subscriptions";
      default -> null;
    };
  }

  /** The role a {@code CREATE ROLE | USER | GROUP} statement creates, as names compare; or null. */
  static String createdRole(SqlStatement s) {
    return word(s, 0).equals("CREATE")
            && "roles".equals(sharedKind(word(s, 1)))
            && s.leadingTokens().size() > 2
        ? name(s.leadingTokens().get(2))
        : null;
  }

  /**
   * A token as an identifier compares: quoted without its quotes, else in lower case; null for a
   * token that is no identifier.
   */
  static String name(String token) {
    if (token.length() > 1 && token.startsWith("\"") && token.endsWith("\"")) {
      return token.substring(1, token.length() - 1).replace("\"\"", "\"");
    }
    return isIdentifier(token) ? token.toLowerCase(Locale.ROOT) : null;
  }

  /**
   * Whether a statement may run anything, including statements that change the catalogs every
   * database shares: a DO block, a procedure or a function called by a query.
   */
  static boolean mayRunAnything(SqlStatement s) {
    return s.startsWith("DO")
        || s.startsWith("CALL")
        || s.startsWith("SELECT")
        || s.startsWith("EXECUTE")
        || s.startsWith("WITH");
  }

  /** The leading token at {@code i} in upper case, or "" when there is none. */
  private static String word(SqlStatement s, int i) {
    List<String> t = s.leadingTokens();
    return i < t.size() ? t.get(i).toUpperCase(Locale.ROOT) : "";
  }

  /**
   * {@code ALTER SCHEMA ... RENAME TO ...}: renames every relation in the schema without locking
   * any of them.
   */
  static boolean isSchemaRename(SqlStatement s) {
    return s.startsWith("ALTER", "SCHEMA") && s.hasLeadingWord("RENAME");
  }

  /** {@code ALTER DOMAIN ...}. */
  static boolean isAlterDomain(SqlStatement s) {
    return s.startsWith("ALTER", "DOMAIN");
  }

  /** {@code ALTER DOMAIN ... SET NOT NULL}. */
  static boolean isDomainSetNotNull(SqlStatement s) {
    int set = position(s, "SET");
    return isAlterDomain(s)
        && set >= 0
        && word(s, set + 1).equals("NOT")
        && word(s, set + 2).equals("NULL");
  }

  /** {@code ALTER DOMAIN ... VALIDATE CONSTRAINT ...}. */
  static boolean isDomainValidate(SqlStatement s) {
    return isAlterDomain(s) && s.hasLeadingWord("VALIDATE");
  }

  /** {@code ALTER TABLE ... ATTACH PARTITION ...}. */
  static boolean isAttachPartition(SqlStatement s) {
    int attach = position(s, "ATTACH");
    return s.startsWith("ALTER", "TABLE") && attach >= 0 && word(s, attach + 1).equals("PARTITION");
  }

  /** Where the first leading token that is this word (upper case) stands, or -1. */
  private static int position(SqlStatement s, String word) {
    List<String> t = s.leadingTokens();
    for (int i = 0; i < t.size(); i++) {
      if (t.get(i).equalsIgnoreCase(word)) {
        return i;
      }
    }
    return -1;
  }

  /** The statement on one line, cut for display. */
  static String display(String sql) {
    String one = SqlLexer.oneLine(sql);
    return one.length() <= DISPLAY_LENGTH ? one : one.substring(0, DISPLAY_LENGTH - 3) + "...";
  }
}
