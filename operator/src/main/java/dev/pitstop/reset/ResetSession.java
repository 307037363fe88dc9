package dev.pitstop.reset;

import dev.pitstop.reset.ResetPlan.PlannedTable;
import dev.pitstop.reset.ResetProgress.Stage;
import dev.pitstop.reset.ResetResult.TableResult;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlCondition;
import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One plan or reset on one connection: the guard, a read-only check of the request against the
 * catalog, then one transaction that plans and (for a reset) empties, restarts sequences, seeds and
 * commits. Anything that fails rolls the whole transaction back.
 */
final class ResetSession {
  private final Connection connection;
  private final ResetRequest request;
  private final ResetListener listener;
  private final long startNanos = System.nanoTime();

  private final ResetSequences.Restarted restarted;

  ResetSession(Connection connection, ResetRequest request, ResetListener listener) {
    this(connection, request, listener, new ResetSequences.Restarted());
  }

  /**
   * @param restarted records the sequences a reset restarts with {@code setval}, which a rollback
   *     does not undo: the caller puts them back if the reset fails
   */
  ResetSession(
      Connection connection,
      ResetRequest request,
      ResetListener listener,
      ResetSequences.Restarted restarted) {
    this.connection = connection;
    this.request = request;
    this.listener = listener;
    this.restarted = restarted;
  }

  /** Plans inside a transaction that is always rolled back. */
  ResetPlan plan() throws SQLException {
    String database = guard();
    validate(database);
    connection.setAutoCommit(false);
    try {
      configure();
      return plan(database, false, true).plan();
    } finally {
      end(false);
    }
  }

  /**
   * Resets in one transaction. Rolls back on failure; the sequences restarted with {@code setval}
   * are the caller's to put back ({@link ResetSequences.Restarted#putBack}).
   */
  ResetResult reset() throws SQLException {
    String database = guard();
    validate(database);
    connection.setAutoCommit(false);
    boolean committed = false;
    try {
      configure();
      ResetLock.take(connection, database);
      ResetLock.takeMigrationLocks(connection, request.schemas(), database);
      report(new ResetProgress(Stage.PLANNING, null, 0, 0, 0, null, 0, 0, 0));
      PlannedReset planned = plan(database, true, false);
      listener.onPlanned(planned.plan());
      ResetVerification verification = ResetVerification.before(connection, planned);
      TableEmptier emptier = new TableEmptier(connection, planned, this::report);
      List<TableResult> tables = emptier.run();
      verification.verify();
      ResetSequences.restart(
          connection, planned.sequences(), planned.graph(), planned.keeping(), restarted);
      List<String> seeds =
          SeedRunner.run(connection, request.seeds(), emptier.done(), this::report);
      commit();
      committed = true;
      restarted.committed();
      long durationMs = elapsedMs();
      List<CatalogTable> emptied = new ArrayList<>(planned.truncated());
      emptied.addAll(planned.order().order());
      AfterReset after = AfterReset.run(connection, request, emptied);
      return new ResetResult(
          planned.plan(),
          tables,
          emptier.rowsDeleted(),
          seeds,
          durationMs,
          after.done(),
          after.warnings());
    } finally {
      end(committed);
    }
  }

  /** Stops with {@link ResetErrorCode#INTERRUPTED} if the thread was interrupted. */
  static void checkInterrupted(String subject) {
    if (Thread.currentThread().isInterrupted()) {
      throw new ResetException(
          ResetErrorCode.INTERRUPTED,
          subject,
          "Interrupted at " + subject + "; the reset was rolled back and nothing changed.");
    }
  }

  private String guard() throws SQLException {
    connection.setAutoCommit(true);
    String database;
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT current_database()")) {
      row.next();
      database = row.getString(1);
    }
    if (!database.equals(request.confirmDatabaseName())) {
      String field = request.field("confirmDatabaseName");
      throw new ResetException(
          ResetErrorCode.WRONG_DATABASE,
          field,
          field
              + " is '"
              + request.confirmDatabaseName()
              + "', but the connection is to database '"
              + database
              + "'; nothing was touched.");
    }
    return database;
  }

  /**
   * Checks schemas, tables and row expressions in a read-only transaction. Each expression is
   * evaluated on its table for real, so a type error, a failing cast or a function that writes is
   * caught here, before anything is deleted.
   */
  private void validate(String database) throws SQLException {
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET TRANSACTION READ ONLY");
      configure();
      checkSchemas();
      ForeignKeyGraph graph =
          ForeignKeyGraph.read(connection, request.schemas(), request.keepHistoryTables());
      TableSelection selection = TableSelection.select(graph, request);
      statement.setEscapeProcessing(false);
      String role = selection.keep().isEmpty() ? null : currentUser();
      for (Map.Entry<KeepRows, CatalogTable> entry : selection.keep().entrySet()) {
        try {
          statement.execute(
              "SELECT count(*) FROM "
                  + entry.getValue().target()
                  + " WHERE "
                  + SqlCondition.parenthesized(entry.getKey().where()));
        } catch (SQLException e) {
          if (SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT) {
            throw e;
          }
          if (SqlState.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
            String missing = "SELECT on " + entry.getValue().name();
            throw new ResetException(
                ResetErrorCode.MISSING_PRIVILEGES,
                missing,
                "Role "
                    + role
                    + " lacks privileges the reset needs: "
                    + missing
                    + " (to evaluate "
                    + entry.getKey().field()
                    + "): "
                    + ServerError.of(e).describe()
                    + "; grant them (or reset as the tables' owner). Nothing was changed.");
          }
          throw request.invalid(
              ResetErrorCode.INVALID_WHERE,
              entry.getKey().field() + ".where",
              "is not a valid condition on "
                  + entry.getValue().name()
                  + " in database "
                  + database
                  + ": "
                  + ServerError.of(e).describe());
        }
      }
    } finally {
      end(false);
    }
  }

  private void checkSchemas() throws SQLException {
    Array names = connection.createArrayOf("text", request.schemas().toArray());
    Set<String> existing = new HashSet<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY (?)")) {
      statement.setArray(1, names);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          existing.add(rows.getString(1));
        }
      }
    }
    List<String> schemas = request.schemas();
    for (int i = 0; i < schemas.size(); i++) {
      if (!existing.contains(schemas.get(i))) {
        throw request.invalid(
            ResetErrorCode.SCHEMA_NOT_FOUND,
            "schemas[" + i + "]",
            "names schema " + schemas.get(i) + ", which does not exist");
      }
    }
  }

  /**
   * Plans inside the current transaction.
   *
   * @param forRun lock kept rows FOR SHARE (the run deletes around them)
   * @param count count every table's rows (a dry run shows them; a run counts while deleting)
   */
  private PlannedReset plan(String database, boolean forRun, boolean count) throws SQLException {
    ForeignKeyGraph graph =
        ForeignKeyGraph.read(connection, request.schemas(), request.keepHistoryTables());
    TableSelection selection = TableSelection.select(graph, request);
    Set<Long> keeping = selection.keeping();
    List<CatalogTable> emptied = selection.emptied();
    boolean truncate = request.strategy() == DeletionStrategy.TRUNCATE;
    List<CatalogTable> deleted = truncate ? TableEmptier.only(emptied, keeping) : emptied;
    List<CatalogTable> truncated = new ArrayList<>();
    if (truncate) {
      emptied.stream().filter(t -> !keeping.contains(t.oid())).forEach(truncated::add);
      truncated = DeletionPlanner.childrenFirst(truncated, graph.foreignKeys());
    }
    DeletionPlanner.Order order = DeletionPlanner.order(deleted, graph.foreignKeys());
    Set<Long> emptiedOids = oids(emptied);
    ResetSequences.Found sequences = ResetSequences.of(connection, emptied);
    ResetPrivileges privileges =
        ResetPrivileges.check(
            connection,
            graph,
            order,
            truncated,
            emptiedOids,
            keeping,
            !selection.keep().isEmpty(),
            sequences.restarted());
    privileges.require(currentUser());
    KeptRows kept =
        selection.keep().isEmpty()
            ? null
            : KeptRows.mark(connection, selection.keep(), keeping, graph, forRun);
    ReferencingTables references =
        ReferencingTables.check(connection, graph, emptiedOids, oids(truncated), keeping);
    UserTriggers triggers = UserTriggers.read(connection, emptiedOids);
    boolean disable = request.triggers() == TriggerMode.DISABLE;
    RedundantForeignKeyChecks redundant =
        RedundantForeignKeyChecks.find(
            connection,
            graph,
            order,
            keeping,
            disable
                ? triggers.withReplicaTriggers(UserTriggers.DELETE)
                : triggers.changedByReplica(UserTriggers.DELETE));
    UserTriggers.Handling handling =
        disable
            ? triggers.disable(
                new UserTriggers.PlannedTables(
                    truncated, order.nulled(), order.order(), redundant.tables()),
                RedundantForeignKeyChecks.maySkipTriggers(connection),
                graph,
                request)
            : UserTriggers.Handling.none();

    List<PlannedTable> tables = new ArrayList<>();
    for (CatalogTable table : truncated) {
      tables.add(
          new PlannedTable(table.name().toString(), count ? rows(table) : -1, 0, true, false));
    }
    for (CatalogTable table : order.order()) {
      long keptRows =
          kept != null && keeping.contains(table.oid()) && count ? kept.count(table) : 0;
      tables.add(
          new PlannedTable(
              table.name().toString(),
              count && !privileges.unreadable().contains(table.oid()) ? rows(table) : -1,
              count ? keptRows : -1,
              false,
              redundant.tables().contains(table.oid())));
    }
    List<String> warnings = new ArrayList<>(selection.warnings());
    warnings.addAll(sequences.warnings());
    if (truncate && !deleted.isEmpty()) {
      warnings.add(
          deleted.size()
              + " table(s) keep rows (preserveRows and the rows they reference), so they are"
              + " emptied with DELETE after the TRUNCATE: "
              + TableEmptier.names(deleted)
              + ".");
    }
    ResetPlan plan =
        new ResetPlan(
            database,
            request.strategy(),
            tables,
            partitions(emptied),
            selection.preserved(),
            references.references(),
            order.deferred().stream().map(k -> k.name().toString()).toList(),
            order.nulled().stream().map(k -> describeNulled(k, graph)).toList(),
            sequences.restarted().stream().map(s -> s.sequence().toString()).toList(),
            request.seedNames(),
            warnings,
            privileges.checked());
    return new PlannedReset(
        plan,
        graph,
        order,
        List.copyOf(truncated),
        keeping,
        kept,
        sequences.restarted(),
        redundant,
        handling,
        privileges.unreadable());
  }

  /** One line per partitioned table of {@code emptied} that has partitions, naming them. */
  private List<String> partitions(List<CatalogTable> emptied) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_partition_tree(?::oid) t"
                + " JOIN pg_catalog.pg_class c ON c.oid = t.relid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE t.level > 0 ORDER BY t.level, n.nspname, c.relname")) {
      for (CatalogTable table : emptied) {
        if (!table.partitioned()) {
          continue;
        }
        statement.setLong(1, table.oid());
        List<String> names = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            names.add(new QualifiedName(rows.getString(1), rows.getString(2)).toString());
          }
        }
        if (!names.isEmpty()) {
          lines.add(table.name() + " (partitioned: " + String.join(", ", names) + ")");
        }
      }
    }
    return lines;
  }

  private static String describeNulled(ForeignKey key, ForeignKeyGraph graph) {
    return graph.table(key.child()).name()
        + "("
        + String.join(", ", key.nullableColumns())
        + ") set to NULL first ("
        + key.name()
        + ")";
  }

  private String currentUser() throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT current_user")) {
      row.next();
      return row.getString(1);
    }
  }

  private long rows(CatalogTable table) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT count(*) FROM " + table.target())) {
      row.next();
      return row.getLong(1);
    }
  }

  private static Set<Long> oids(List<CatalogTable> tables) {
    Set<Long> oids = new HashSet<>();
    tables.forEach(t -> oids.add(t.oid()));
    return oids;
  }

  /**
   * Bounds the transaction in the server, so that a client that dies or hangs mid-reset cannot hold
   * its locks: {@code lock_timeout} (the request's), {@code statement_timeout} and {@code
   * idle_in_transaction_session_timeout}. Set with {@code SET LOCAL}, so they end with the
   * transaction and a pooled session keeps its own values. Also sets the request's search_path, if
   * any, for the seeds and the preserveRows expressions.
   */
  private void configure() throws SQLException {
    if (!request.searchPath().isEmpty()) {
      try (PreparedStatement statement =
          connection.prepareStatement("SELECT set_config('search_path', ?, true)")) {
        statement.setString(
            1,
            String.join(", ", request.searchPath().stream().map(SqlIdentifiers::quote).toList()));
        statement.executeQuery().close();
      }
    }
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true),"
                + " set_config('idle_in_transaction_session_timeout', ?, true)")) {
      statement.setString(1, Long.toString(request.lockTimeout().toMillis()));
      statement.setString(2, Long.toString(request.statementTimeout().toMillis()));
      statement.setString(3, Long.toString(request.idleTimeout().toMillis()));
      statement.executeQuery().close();
    }
  }

  private void commit() {
    try {
      connection.commit();
    } catch (SQLException e) {
      ServerError error = ServerError.of(e);
      String subject = error.constraint() != null ? error.constraint() : "commit";
      throw new ResetException(
          ResetErrorCode.COMMIT_FAILED,
          subject,
          "The reset failed at commit: "
              + error.describe()
              + "; it was rolled back and nothing changed.",
          error.isTransient(),
          new ResetFailure(null, null, 0, error.constraint(), error.sqlState(), error.message()),
          e);
    }
  }

  private void report(ResetProgress progress) {
    listener.onProgress(
        new ResetProgress(
            progress.stage(),
            progress.table(),
            progress.tablesDone(),
            progress.tablesTotal(),
            progress.rowsDeleted(),
            progress.seed(),
            progress.seedsDone(),
            progress.seedsTotal(),
            elapsedMs()));
  }

  private long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** Rolls back unless committed, and leaves the connection in autocommit for the pool. */
  private void end(boolean committed) {
    try {
      if (!committed && !connection.getAutoCommit()) {
        connection.rollback();
      }
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      // a broken connection is discarded by the pool; the server rolled back already
    }
  }
}
