package dev.pitstop.cleanup;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks every rule before anything is deleted: tables and columns against pg_catalog, then the
 * exact batch statement by the server ({@code EXPLAIN} in a read-only transaction, which parses,
 * type-checks and checks privileges without running it), then, for the rules that can fail on the
 * data, the rule's selection over the rows in a read-only transaction ({@link #countReadOnly}). The
 * first bad rule is refused with its name and field.
 */
final class RuleValidator {
  /** date, timestamp, timestamptz. */
  private static final Set<Long> TIME_TYPES = Set.of(1082L, 1114L, 1184L);

  private final Connection connection;
  private final TableCatalog catalog;

  RuleValidator(Connection connection) {
    this.connection = connection;
    this.catalog = new TableCatalog(connection);
  }

  /** Resolves and checks all rules, in order; throws for the first bad one. */
  List<ResolvedRule> resolve(CleanupRequest request) throws SQLException {
    List<ResolvedRule> resolved = new ArrayList<>();
    for (DeletionRule rule : request.rules()) {
      resolved.add(resolve(rule));
    }
    List<ResolvedRule> checked = new ArrayList<>();
    for (ResolvedRule rule : resolved) {
      checked.add(rule.withVerified(explain(rule, request)));
    }
    return checked;
  }

  private ResolvedRule resolve(DeletionRule rule) throws SQLException {
    TableCatalog.Table table = table(rule, rule.table(), "table");
    boolean byCtid = table.kind() == 'r' && !table.hasChildren();
    if (!byCtid && table.primaryKey().isEmpty()) {
      throw refuse(
          CleanupErrorCode.TABLE_NOT_FOUND,
          rule.field("table"),
          "table "
              + table.name()
              + (table.kind() == 'p' ? " is partitioned and has" : " has child tables and")
              + " no primary key, so rows cannot be picked safely in batches; add a primary"
              + " key or name one partition or child");
    }
    String t = table.name().sql();
    String condition;
    ResolvedRule.Keyset keyset = primaryKeyset(table);
    if (rule.criterion() instanceof DeletionRule.OlderThan o) {
      String column = column(rule, table, o.column(), "olderThan.column");
      TableCatalog.Column type = table.columns().get(column);
      if (!TIME_TYPES.contains(type.typeOid())) {
        throw refuse(
            CleanupErrorCode.INVALID_COLUMN_TYPE,
            rule.field("olderThan.column"),
            "column "
                + column
                + " of "
                + table.name()
                + " is not a timestamp, timestamptz or date column, so it has no age");
      }
      condition = SqlIdentifiers.quote(column) + " < ?::timestamptz";
      if (table.indexed().contains(column)) {
        keyset = new ResolvedRule.Keyset(column, type.type());
      }
    } else if (rule.criterion() instanceof DeletionRule.OrphanedBy o) {
      String column = column(rule, table, o.column(), "orphanedBy.column");
      TableCatalog.Table parent = table(rule, o.parentTable(), "orphanedBy.parentTable");
      String parentColumn = column(rule, parent, o.parentColumn(), "orphanedBy.parentColumn");
      String child = t + "." + SqlIdentifiers.quote(column);
      condition =
          child
              + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
              + parent.name().sql()
              + " AS pitstop_parent WHERE pitstop_parent."
              + SqlIdentifiers.quote(parentColumn)
              + " = "
              + child
              + ")";
    } else {
      condition = ((DeletionRule.Where) rule.criterion()).expression().sql();
    }
    return new ResolvedRule(
        rule,
        table.name(),
        table.primaryKey(),
        byCtid,
        keyset,
        condition,
        false,
        catalog.cascades(table.name(), !byCtid),
        table.mayKeepRows());
  }

  /** A single-column primary key is always indexed and unique: a keyset for any rule. */
  private static ResolvedRule.Keyset primaryKeyset(TableCatalog.Table table) {
    if (table.primaryKey().size() != 1) {
      return null;
    }
    String column = table.primaryKey().get(0);
    return new ResolvedRule.Keyset(column, table.columns().get(column).type());
  }

  private TableCatalog.Table table(DeletionRule rule, QualifiedName name, String field)
      throws SQLException {
    Optional<TableCatalog.Table> found = catalog.find(name);
    if (found.isEmpty()) {
      throw refuse(
          CleanupErrorCode.TABLE_NOT_FOUND,
          rule.field(field),
          "table "
              + name
              + " does not exist"
              + (name.schema() == null ? " in the search_path" : "")
              + otherCase(catalog.spelledInOtherCase(name), name.schema() != null));
    }
    TableCatalog.Table table = found.get();
    if (field.equals("table") && SqlIdentifiers.isSystemSchema(table.name().schema())) {
      // also when the search_path found it: pg_catalog is searched first, even if not listed
      throw refuse(
          CleanupErrorCode.INVALID_REQUEST,
          rule.field(field),
          DeletionRule.systemSchema(table.name()));
    }
    if (!table.isTable()) {
      throw refuse(
          CleanupErrorCode.TABLE_NOT_FOUND,
          rule.field(field),
          table.name() + " is " + table.kindName() + ", not a table");
    }
    return table;
  }

  /**
   * The hint for a table found only in another case: a name without double quotes is folded to
   * lower case, so {@code Session} names {@code session}, not Prisma's {@code "Session"}.
   */
  private static String otherCase(List<QualifiedName> found, boolean qualified) {
    if (found.isEmpty()) {
      return "";
    }
    QualifiedName first = found.get(0);
    String spelled =
        qualified ? first.readable() : new QualifiedName(null, first.name()).readable();
    return "; "
        + found.stream().map(QualifiedName::readable).collect(Collectors.joining(" and "))
        + (found.size() == 1 ? " does" : " do")
        + " (a name without double quotes is folded to lower case): write "
        + (found.size() == 1 ? "'" + spelled + "' to name it" : "the one meant in double quotes");
  }

  private static String column(
      DeletionRule rule, TableCatalog.Table table, String name, String field) {
    return table
        .column(name)
        .orElseThrow(
            () ->
                refuse(
                    CleanupErrorCode.COLUMN_NOT_FOUND,
                    rule.field(field),
                    "column " + name + " does not exist in table " + table.name()));
  }

  /**
   * Lets the server parse, type-check and privilege-check the batch statement; runs nothing.
   *
   * @return true if the server accepted it, false if the table was locked too long to check
   * @throws CleanupException if the server rejected it
   */
  boolean explain(ResolvedRule rule, CleanupRequest request) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      try (Statement setup = connection.createStatement()) {
        setup.execute("SET TRANSACTION READ ONLY");
      }
      Duration statementTimeout = checkTimeout(request.statementTimeout());
      Duration lockTimeout =
          request.lockTimeout().isZero() ? statementTimeout : request.lockTimeout();
      SessionTimeouts.setLocal(connection, lockTimeout, statementTimeout);
      boolean ordered = rule.keyset() != null;
      OffsetDateTime cutoff = OffsetDateTime.now();
      try (PreparedStatement explain =
          connection.prepareStatement("EXPLAIN " + rule.batchSql(ordered, ordered))) {
        rule.bindBatch(explain, cutoff, ordered, null, request.batchSize());
        explain.executeQuery().close();
      }
      if (ordered && rule.keyset().ranged()) {
        try (PreparedStatement end =
                connection.prepareStatement("EXPLAIN " + rule.rangeEndSql(true));
            PreparedStatement delete =
                connection.prepareStatement("EXPLAIN " + rule.rangeDeleteSql(true, true))) {
          rule.bindRange(end, cutoff, null, request.batchSize());
          end.executeQuery().close();
          rule.bindRange(delete, cutoff, null, null);
          delete.executeQuery().close();
        }
      }
      return true;
    } catch (SQLException e) {
      if (ServerErrors.isConnectionProblem(e)) {
        throw e;
      }
      if (ServerErrors.isBusy(e)) {
        return false;
      }
      throw rejected(rule, e);
    } finally {
      // The pool closes a connection after some errors (e.g. 0A000 for a data-modifying WITH in
      // a where); a failing rollback must not hide the rejection that names the field.
      if (!connection.isClosed()) {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
      }
    }
  }

  /**
   * Runs the rule's selection once over the table's rows ({@code SELECT count(*)} with the rule's
   * condition), in a read-only transaction with the request's lock and statement timeouts: a
   * condition that fails only on the data (a cast of a value that is not a number) or would write
   * ({@code nextval}, a function that inserts) is refused before anything is deleted, and a dry run
   * counts without side effects.
   *
   * @param withCascades also count what deleting the rows would delete or change through foreign
   *     keys
   * @return the counts, or null when counting hit a timeout (the table was busy or too big to read
   *     within statementTimeout)
   * @throws CleanupException when the server failed the condition on the rows
   */
  /**
   * What a read-only count found.
   *
   * @param matched the matching rows
   * @param cascades what deleting them would delete or change through foreign keys, when asked for
   * @param note why those could not be counted (e.g. a timeout); null when they were
   */
  record Counted(long matched, List<CascadeCount> cascades, String note) {}

  Counted countReadOnly(ResolvedRule rule, CleanupRequest request, boolean withCascades)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      try (Statement setup = connection.createStatement()) {
        setup.execute("SET TRANSACTION READ ONLY");
      }
      SessionTimeouts.setLocal(connection, request.lockTimeout(), request.statementTimeout());
      OffsetDateTime cutoff = BatchDeleter.cutoff(connection, rule);
      long matched;
      try (PreparedStatement count = connection.prepareStatement(rule.countSql())) {
        rule.bindCutoff(count, cutoff);
        try (java.sql.ResultSet row = count.executeQuery()) {
          row.next();
          matched = row.getLong(1);
        }
      }
      if (!withCascades || rule.cascades().isEmpty() || matched == 0) {
        return new Counted(matched, List.of(), null);
      }
      CascadeGraph graph = rule.cascades();
      long[] deleted = new long[graph.nodes().size()];
      long[] nulled = new long[graph.nodes().size()];
      try (PreparedStatement count = connection.prepareStatement(rule.cascadeCountSql())) {
        rule.bindCutoff(count, cutoff);
        try (java.sql.ResultSet row = count.executeQuery()) {
          while (row.next()) {
            int node = row.getInt(1);
            deleted[node] = row.getLong(2);
            nulled[node] = row.getLong(3);
          }
        }
      } catch (SQLException e) {
        if (ServerErrors.isConnectionProblem(e)) {
          throw e;
        }
        // The rule's own rows were counted; only what foreign keys would do is unknown.
        return new Counted(
            matched,
            List.of(),
            "rows that foreign keys would delete or null were not counted: "
                + (ServerErrors.isBusy(e)
                    ? "counting took longer than statementTimeout"
                    : ServerMessages.describe(e)));
      }
      deleted[0] -= matched;
      return new Counted(matched, CascadeCounter.counts(graph, deleted, nulled), null);
    } catch (SQLException e) {
      if (ServerErrors.isConnectionProblem(e)) {
        throw e;
      }
      if (ServerErrors.isBusy(e)) {
        return null;
      }
      throw failedOnData(rule, e);
    } finally {
      if (!connection.isClosed()) {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
      }
    }
  }

  private static CleanupException failedOnData(ResolvedRule rule, SQLException e) {
    String server = ServerMessages.describe(e);
    DeletionRule r = rule.rule();
    String field = r.criterion() instanceof DeletionRule.Where ? "where" : "";
    if (SqlState.READ_ONLY_SQL_TRANSACTION.equals(e.getSQLState())) {
      return refuse(
          r.criterion() instanceof DeletionRule.Where
              ? CleanupErrorCode.INVALID_WHERE
              : CleanupErrorCode.RULE_REJECTED,
          r.field(field),
          "the rule's condition would change data ("
              + server
              + "); rules are checked and counted read-only, so a condition may not write (e.g."
              + " nextval or a function that inserts)");
    }
    return refuse(
        r.criterion() instanceof DeletionRule.Where
            ? CleanupErrorCode.INVALID_WHERE
            : CleanupErrorCode.RULE_REJECTED,
        r.field(field),
        "the rule's condition fails on the rows of " + rule.table() + ": " + server);
  }

  private static Duration checkTimeout(Duration statementTimeout) {
    Duration cap = Duration.ofSeconds(30);
    return statementTimeout.isZero() || statementTimeout.compareTo(cap) > 0
        ? cap
        : statementTimeout;
  }

  private static CleanupException rejected(ResolvedRule rule, SQLException e) {
    String server = ServerMessages.describe(e);
    DeletionRule r = rule.rule();
    if (SqlState.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
      return refuse(
          CleanupErrorCode.RULE_REJECTED,
          r.field("table"),
          "the server refused the rule's DELETE: "
              + server
              + "; the role needs SELECT, UPDATE (row locks) and DELETE on "
              + rule.table());
    }
    if (r.criterion() instanceof DeletionRule.Where) {
      return refuse(
          CleanupErrorCode.INVALID_WHERE,
          r.field("where"),
          "not a valid boolean expression for table " + rule.table() + ": " + server);
    }
    return refuse(
        CleanupErrorCode.RULE_REJECTED,
        r.field(""),
        "the server refused the rule's DELETE on " + rule.table() + ": " + server);
  }

  private static CleanupException refuse(CleanupErrorCode code, String field, String what) {
    return new CleanupException(code, field, field + ": " + what + ".");
  }
}
