package dev.pitstop.migration;

import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlLexer;
import dev.pitstop.sql.SqlState;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds what an interrupted run of a script outside a transaction already did to an index, just
 * before a concurrent index statement runs again, so the script can be run again as it is.
 *
 * <ul>
 *   <li>{@code CREATE [UNIQUE] INDEX CONCURRENTLY name ON table ...} whose index exists on that
 *       table: if INVALID (the build was interrupted in the server) it is dropped with {@code DROP
 *       INDEX CONCURRENTLY} and built again, also under {@code IF NOT EXISTS}, which would keep it;
 *       if valid (the client died, the server finished) and it is the index the statement builds,
 *       the statement is skipped; if it is another index, the run is refused naming both
 *       definitions. "The index the statement builds" is decided by building the statement's index
 *       on an empty temporary copy of the table's columns, in a transaction that is rolled back,
 *       and comparing {@code pg_get_indexdef} of both without their names and tables: method,
 *       uniqueness, columns and expressions, operator classes, collations, orderings, {@code
 *       INCLUDE}, {@code NULLS NOT DISTINCT}, storage parameters and predicate.
 *   <li>{@code DROP INDEX CONCURRENTLY name} of an index that no longer exists is skipped: the drop
 *       finished in the server after the client died.
 *   <li>{@code REINDEX [(...)] INDEX|TABLE CONCURRENTLY name} runs again after the INVALID copies
 *       an interrupted one left ({@code <index>_ccnew}, {@code _ccold}) are dropped.
 * </ul>
 *
 * An INVALID index that another session is still building (the server goes on with the build of a
 * client that died) is waited for first. An unnamed concurrent build cannot be recognised and
 * simply runs again.
 */
final class InterruptedIndexWork {

  /** Names of the scratch objects; temporary, so they never meet a user's. */
  private static final String SHADOW_TABLE = "pitstop_index_shadow";

  private static final String SCRATCH_INDEX = "pitstop_index_scratch";

  /** How often a wait for another session's build looks whether it ended. */
  private static final long POLL_MILLIS = 200;

  private InterruptedIndexWork() {}

  /** What to do with the statement. */
  enum Action {
    RUN,
    SKIP
  }

  /**
   * What was found, with a sentence for the run's output when something was done about it.
   *
   * @param action run the statement or skip it
   * @param note what was found and done, {@code null} when nothing was
   */
  record Decision(Action action, String note) {
    static final Decision RUN = new Decision(Action.RUN, null);
  }

  /**
   * A concurrent build as written: name ({@code null} if PostgreSQL chooses it), table text, and
   * the text after the table.
   */
  record Build(
      boolean unique, boolean ifNotExists, String indexName, String tableText, String rest) {}

  /**
   * Checks the statement before it runs (in autocommit); drops an INVALID index in its way. If the
   * index is still being built by another session (the build of a client that died goes on in the
   * server), says so to {@code waiting} and waits for that build to end first.
   *
   * @throws SQLException with SQLSTATE 42P07 when a different index has the statement's name
   */
  static Decision before(Connection connection, SqlStatement statement, Consumer<String> waiting)
      throws SQLException {
    if (NonTransactionalStatements.isConcurrentIndexBuild(statement)) {
      Build build = build(statement);
      return build == null ? Decision.RUN : beforeBuild(connection, build, waiting);
    }
    if (statement.startsWith("DROP", "INDEX", "CONCURRENTLY")) {
      return beforeDrop(connection, statement);
    }
    if (statement.startsWith("REINDEX") && statement.hasLeadingWord("CONCURRENTLY")) {
      return beforeReindex(connection, statement);
    }
    return Decision.RUN;
  }

  /**
   * {@code REINDEX [(...)] INDEX|TABLE CONCURRENTLY name}: drops the INVALID copies an interrupted
   * one left ({@code <index>_ccnew}, {@code _ccold}, with a number if taken) of the index, or of
   * the table's indexes, unless a build on the table is still going on in another session.
   */
  private static Decision beforeReindex(Connection connection, SqlStatement statement)
      throws SQLException {
    List<String> t = statement.leadingTokens();
    int i = 1;
    if (i < t.size() && t.get(i).equals("(")) {
      while (i < t.size() && !t.get(i).equals(")")) {
        i++;
      }
      i++;
    }
    if (i + 2 >= t.size() || !t.get(i + 1).equalsIgnoreCase("CONCURRENTLY")) {
      return Decision.RUN;
    }
    boolean index = t.get(i).equalsIgnoreCase("INDEX");
    if (!index && !t.get(i).equalsIgnoreCase("TABLE")) {
      return Decision.RUN;
    }
    i += 2;
    StringBuilder name = new StringBuilder();
    while (i < t.size()) {
      name.append(t.get(i++));
      if (i < t.size() && t.get(i).equals(".")) {
        name.append(t.get(i++));
      } else {
        break;
      }
    }
    List<String> dropped = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "WITH target AS (SELECT CASE WHEN ? THEN (SELECT indrelid FROM pg_catalog.pg_index"
                + " WHERE indexrelid = to_regclass(?)) ELSE to_regclass(?)::oid END AS relid)"
                + " SELECT format('%I.%I', n.nspname, c.relname), n.nspname || '.' || c.relname"
                + " FROM target JOIN pg_catalog.pg_index i ON i.indrelid = target.relid"
                + " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE NOT i.indisvalid AND EXISTS (SELECT 1 FROM pg_catalog.pg_index o"
                + " JOIN pg_catalog.pg_class oc ON oc.oid = o.indexrelid"
                + " WHERE o.indrelid = i.indrelid AND o.indexrelid <> i.indexrelid"
                + " AND (NOT ? OR o.indexrelid = to_regclass(?))"
                + " AND left(c.relname, length(oc.relname) + 3) = oc.relname || '_cc'"
                + " AND substr(c.relname, length(oc.relname) + 4) ~ '^(new|old)[0-9]*$')"
                + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p"
                + " WHERE p.relid = target.relid AND p.pid <> pg_backend_pid())"
                + " ORDER BY 2")) {
      String text = name.toString();
      query.setBoolean(1, index);
      query.setString(2, text);
      query.setString(3, text);
      query.setBoolean(4, index);
      query.setString(5, text);
      try (ResultSet rows = query.executeQuery()) {
        List<String[]> found = new ArrayList<>();
        while (rows.next()) {
          found.add(new String[] {rows.getString(1), rows.getString(2)});
        }
        try (Statement drop = connection.createStatement()) {
          for (String[] leftover : found) {
            drop.execute("DROP INDEX CONCURRENTLY IF EXISTS " + leftover[0]);
            dropped.add(leftover[1]);
          }
        }
      }
    } catch (SQLException e) {
      if (!dropped.isEmpty()) {
        throw e;
      }
      return Decision.RUN; // a name it cannot read, no such relation: the statement reports it
    }
    return dropped.isEmpty()
        ? Decision.RUN
        : new Decision(
            Action.RUN,
            "dropped invalid "
                + (dropped.size() == 1 ? "index " : "indexes ")
                + String.join(", ", dropped)
                + " left by an interrupted REINDEX CONCURRENTLY; reindexing again");
  }

  /** Parses a named concurrent build; {@code null} if unnamed or not understood. */
  static Build build(SqlStatement statement) {
    Build build = parse(statement);
    return build == null || build.indexName() == null ? null : build;
  }

  /**
   * Parses {@code CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] [name] ON [ONLY] table ...};
   * the name is {@code null} when PostgreSQL chooses it, the build {@code null} if not understood.
   */
  static Build parse(SqlStatement statement) {
    List<SqlLexer.Token> t = new ArrayList<>();
    for (SqlLexer.Token token : SqlLexer.tokens(statement.sql())) {
      if (!token.kind().isBlank()) {
        t.add(token);
      }
    }
    boolean unique = statement.startsWith("CREATE", "UNIQUE");
    int i = unique ? 4 : 3;
    boolean ifNotExists =
        i + 3 <= t.size() && word(t, i, "IF") && word(t, i + 1, "NOT") && word(t, i + 2, "EXISTS");
    if (ifNotExists) {
      i += 3;
    }
    if (i >= t.size()) {
      return null;
    }
    String name = null;
    if (!word(t, i, "ON")) {
      try {
        name = unquote(t.get(i++).text());
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    if (i >= t.size() || !word(t, i++, "ON")) {
      return null;
    }
    if (i < t.size() && word(t, i, "ONLY")) {
      i++;
    }
    int tableStart = i;
    while (i < t.size() && isNamePart(t.get(i))) {
      i++;
      if (i < t.size() && t.get(i).text().equals(".")) {
        i++;
      } else {
        break;
      }
    }
    if (i == tableStart || i >= t.size()) {
      return null;
    }
    String table = statement.sql().substring(t.get(tableStart).start(), t.get(i - 1).end()).strip();
    return new Build(
        unique, ifNotExists, name, table, statement.sql().substring(t.get(i - 1).end()));
  }

  private static Decision beforeBuild(Connection connection, Build build, Consumer<String> waiting)
      throws SQLException {
    Existing existing = existing(connection, build);
    if (existing == null || !existing.sameTable()) {
      return Decision.RUN; // a clash with another relation fails in the server, naming it
    }
    Integer builder = existing.valid() ? null : buildingSession(connection, existing);
    if (builder != null) {
      waiting.accept(
          "index "
              + existing.name()
              + " is still being built by session "
              + builder
              + " (an earlier run whose client ended); waiting for that build to end");
      awaitBuilder(connection, existing);
      existing = existing(connection, build);
      if (existing == null || !existing.sameTable()) {
        return Decision.RUN;
      }
    }
    if (!existing.valid()) {
      try (Statement drop = connection.createStatement()) {
        drop.execute("DROP INDEX CONCURRENTLY IF EXISTS " + existing.sqlName());
      }
      return new Decision(
          Action.RUN,
          "dropped invalid index "
              + existing.name()
              + " left by an interrupted build; building it again");
    }
    if (build.ifNotExists()) {
      return Decision.RUN; // the server skips it, as the statement asks
    }
    String wanted;
    try {
      wanted = definitionOnShadow(connection, build, existing);
    } catch (SQLException e) {
      throw new SQLException(
          "index "
              + existing.name()
              + " already exists, and whether it is the index this statement builds could not be"
              + " checked ("
              + e.getMessage()
              + "); compare it with the statement and drop it to have it built again",
          SqlState.DUPLICATE_TABLE,
          e);
    }
    if (wanted.equals(existing.definition())) {
      return new Decision(
          Action.SKIP,
          "index "
              + existing.name()
              + " already exists, valid and as this statement builds it (an earlier run ended"
              + " after building it); statement skipped");
    }
    throw new SQLException(
        "index "
            + existing.name()
            + " already exists but is not the index this statement builds: it is \""
            + existing.definition()
            + "\", the statement builds \""
            + wanted
            + "\"; drop or rename it, or change the migration if it is not applied anywhere yet",
        SqlState.DUPLICATE_TABLE);
  }

  /** The other session building the index now, or {@code null}. */
  private static Integer buildingSession(Connection connection, Existing existing)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT pid FROM pg_catalog.pg_stat_progress_create_index"
                + " WHERE index_relid = to_regclass(?) AND pid <> pg_backend_pid()")) {
      query.setString(1, existing.sqlName());
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? row.getInt(1) : null;
      }
    } catch (SQLException e) {
      if (SqlState.UNDEFINED_TABLE.equals(e.getSQLState())) {
        return null; // before PostgreSQL 12 there is no such view: the index is dropped and rebuilt
      }
      throw e;
    }
  }

  /**
   * Waits for the other session's build of the index to end, looking again every {@link
   * #POLL_MILLIS} ms in short statements of their own: nothing is held across the wait. Waiting in
   * one statement for the build's lock on the table ({@code LOCK TABLE ... IN SHARE UPDATE
   * EXCLUSIVE MODE}) would keep that transaction's snapshot open, and the build waits, before it
   * marks the index valid, for every transaction with an older snapshot: each would wait for the
   * other, and PostgreSQL would end the build as a deadlock. Ended by the session's {@code
   * statement_timeout} (SQLSTATE 57014, as a statement would be), by a cancel request arriving
   * during a look, and by an interrupt of the running thread.
   */
  private static void awaitBuilder(Connection connection, Existing existing) throws SQLException {
    long timeoutMillis;
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT setting::bigint FROM pg_catalog.pg_settings"
                    + " WHERE name = 'statement_timeout'")) {
      timeoutMillis = row.next() ? row.getLong(1) : 0;
    }
    long start = System.nanoTime();
    while (buildingSession(connection, existing) != null) {
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      if (timeoutMillis > 0 && waitedMillis >= timeoutMillis) {
        throw new SQLException(
            "statement_timeout ("
                + timeoutMillis
                + " ms) ended the wait for the other session's build of index "
                + existing.name(),
            SqlState.QUERY_CANCELED);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException(
            "interrupted while waiting for the other session's build of index " + existing.name(),
            SqlState.QUERY_CANCELED,
            e);
      }
    }
  }

  private static Decision beforeDrop(Connection connection, SqlStatement statement)
      throws SQLException {
    List<String> t = statement.leadingTokens();
    int i = 3;
    if (i + 1 < t.size()
        && t.get(i).equalsIgnoreCase("IF")
        && t.get(i + 1).equalsIgnoreCase("EXISTS")) {
      return Decision.RUN;
    }
    StringBuilder name = new StringBuilder();
    while (i < t.size()) {
      name.append(t.get(i++));
      if (i < t.size() && t.get(i).equals(".")) {
        name.append(t.get(i++));
      } else {
        break;
      }
    }
    if (name.isEmpty() || (i < t.size() && !t.get(i).equalsIgnoreCase("RESTRICT"))) {
      return Decision.RUN;
    }
    try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?) IS NULL")) {
      query.setString(1, name.toString());
      try (ResultSet row = query.executeQuery()) {
        row.next();
        if (!row.getBoolean(1)) {
          return Decision.RUN;
        }
      }
    } catch (SQLException e) {
      return Decision.RUN; // e.g. a schema that does not exist: the statement reports it
    }
    return new Decision(
        Action.SKIP,
        "index "
            + name
            + " does not exist (an earlier run ended after dropping it); statement skipped");
  }

  /**
   * The relation with the index's name in the table's schema.
   *
   * @param schema its schema
   * @param relname its name
   * @param sameTable whether it is an index of the statement's table
   * @param valid whether that index is valid
   * @param definition its definition without name and table (see {@link #DEFINITION})
   */
  private record Existing(
      String schema, String relname, boolean sameTable, boolean valid, String definition) {
    String sqlName() {
      return SqlIdentifiers.quote(schema) + "." + SqlIdentifiers.quote(relname);
    }

    String name() {
      return schema + "." + relname;
    }
  }

  /**
   * {@code pg_get_indexdef} with {@code CREATE [UNIQUE] INDEX name ON [ONLY] schema.table} cut off
   * (uniqueness kept in front), or the whole text if it does not start so. The session's own
   * temporary schema is printed as {@code pg_temp} by PostgreSQL 14 and later.
   */
  private static final String DEFINITION =
      "CASE WHEN starts_with(d.def, d.named) THEN d.u || substr(d.def, length(d.named) + 1)"
          + " WHEN tn.oid = pg_my_temp_schema() AND starts_with(d.def, d.temp)"
          + " THEN d.u || substr(d.def, length(d.temp) + 1)"
          + " ELSE d.def END";

  private static final String PREFIX =
      " CROSS JOIN LATERAL (SELECT pg_get_indexdef(c.oid) AS def,"
          + " CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END AS u,"
          + " format('CREATE %sINDEX %I ON %s%I.%I ',"
          + " CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, c.relname,"
          + " CASE WHEN t.relkind = 'p' THEN 'ONLY ' ELSE '' END, tn.nspname, t.relname) AS named,"
          + " format('CREATE %sINDEX %I ON %spg_temp.%I ',"
          + " CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, c.relname,"
          + " CASE WHEN t.relkind = 'p' THEN 'ONLY ' ELSE '' END, t.relname) AS temp) d";

  private static Existing existing(Connection connection, Build build) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT n.nspname, c.relname, i.indrelid IS NOT DISTINCT FROM t.oid, i.indisvalid,"
                + " CASE WHEN i.indrelid = t.oid THEN "
                + DEFINITION
                + " END"
                + " FROM pg_catalog.pg_class t"
                + " JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace"
                + " JOIN pg_catalog.pg_class c"
                + " ON c.relnamespace = t.relnamespace AND c.relname = ?"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid"
                + PREFIX
                + " WHERE t.oid = to_regclass(?)")) {
      query.setString(1, build.indexName());
      query.setString(2, build.tableText());
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        return new Existing(
            row.getString(1),
            row.getString(2),
            row.getBoolean(3),
            row.getBoolean(4),
            row.getString(5));
      }
    } catch (SQLException e) {
      if (SqlState.UNDEFINED_TABLE.equals(e.getSQLState())
          || SqlState.INVALID_SCHEMA_NAME.equals(e.getSQLState())
          || SqlState.INVALID_NAME.equals(e.getSQLState())) {
        return null; // no such table or schema, or a name it cannot read: the statement reports it
      }
      throw e;
    }
  }

  /**
   * Builds the statement's index on an empty temporary table with the table's columns, in a
   * transaction that is rolled back, and returns its definition as {@link #DEFINITION} gives it.
   */
  private static String definitionOnShadow(Connection connection, Build build, Existing existing)
      throws SQLException {
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      statement.execute(
          "CREATE TEMPORARY TABLE " + SHADOW_TABLE + " (LIKE " + build.tableText() + ")");
      statement.execute(
          "CREATE "
              + (build.unique() ? "UNIQUE " : "")
              + "INDEX "
              + SCRATCH_INDEX
              + " ON pg_temp."
              + SHADOW_TABLE
              + build.rest());
      try (ResultSet row =
          statement.executeQuery(
              "SELECT "
                  + DEFINITION
                  + " FROM pg_catalog.pg_class c"
                  + " JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid"
                  + " JOIN pg_catalog.pg_class t ON t.oid = i.indrelid"
                  + " JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace"
                  + PREFIX
                  + " WHERE c.oid = 'pg_temp."
                  + SCRATCH_INDEX
                  + "'::regclass")) {
        row.next();
        return row.getString(1);
      }
    } finally {
      try {
        connection.rollback();
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  private static boolean word(List<SqlLexer.Token> tokens, int i, String word) {
    SqlLexer.Token token = tokens.get(i);
    return token.kind() == SqlLexer.Kind.WORD && token.text().equalsIgnoreCase(word);
  }

  private static boolean isNamePart(SqlLexer.Token token) {
    return token.kind() == SqlLexer.Kind.WORD || token.kind() == SqlLexer.Kind.QUOTED_IDENTIFIER;
  }

  private static String unquote(String token) {
    if (token.length() >= 2 && token.startsWith("\"") && token.endsWith("\"")) {
      return token.substring(1, token.length() - 1).replace("\"\"", "\"");
    }
    return SqlIdentifiers.qualified(token).name();
  }
}
