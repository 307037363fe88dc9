package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SessionState;
import dev.pitstop.sql.SessionTimeouts;
import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Applies scripts on one work session: a transactional script with {@code SET LOCAL} timeouts and
 * its history row in the same transaction; a script with non-transactional statements statement by
 * statement in autocommit. Each-migration callbacks run around a script in the same way (in its
 * transaction, or in autocommit with it); run-level callbacks ({@link #runCallbacks}) each in a
 * transaction of their own, or in autocommit when they cannot run in one. Before a script's history
 * row is written, the session is put back as it was before the first script ({@link SessionState}:
 * role, search_path and every other setting), so a script's {@code SET} neither affects the history
 * write nor leaks into the next script. The statements it needs for every script are prepared once
 * per run.
 */
final class ScriptRunner implements AutoCloseable {

  private final Connection connection;
  private final Connection lockSession;
  private final MigrationHistory history;
  private final MigrationLock lock;
  private final SessionInfo session;
  private final String installedBy;
  private final SessionTimeouts timeouts;
  private final MigrationListener listener;
  private final long runStartNanos;
  private final MigrationResolver.Resolved callbacks;
  private SessionState initialState;
  private PreparedStatement insert;

  ScriptRunner(
      Connection connection,
      Connection lockSession,
      MigrationHistory history,
      MigrationLock lock,
      SessionInfo session,
      MigrationRequest request,
      MigrationListener listener,
      long runStartNanos,
      MigrationResolver.Resolved callbacks) {
    this.connection = connection;
    this.lockSession = lockSession;
    this.history = history;
    this.lock = lock;
    this.session = session;
    this.installedBy = request.installedBy() != null ? request.installedBy() : session.user();
    this.timeouts =
        new SessionTimeouts(connection, request.lockTimeout(), request.statementTimeout());
    this.listener = listener;
    this.runStartNanos = runStartNanos;
    this.callbacks = callbacks;
  }

  /** Where a script stopped: a statement of the migration, or of one of its callbacks. */
  private static final class Position {
    ResolvedCallback callback;
    int statement;
  }

  /**
   * Runs the callbacks of a run-level event ({@code beforeMigrate}, {@code afterMigrate}, ...) in
   * their order, each in a transaction of its own with the migrations' timeouts (statement by
   * statement in autocommit when it has a statement that cannot run in a transaction), from and
   * back to the session state of the run's start.
   *
   * @throws MigrationException with {@link ErrorCode#SCRIPT_FAILED} naming the callback if a
   *     statement fails, {@link ErrorCode#LOCK_LOST} if the lock was lost
   */
  void runCallbacks(CallbackEvent event) throws SQLException {
    for (ResolvedCallback callback : callbacks.callbacks(event)) {
      if (!lock.isHeld()) {
        throw lockLost(callback.script() + " was not started", true);
      }
      if (initialState == null) {
        initialState = SessionState.capture(connection);
      }
      listener.onCallback(callback.script(), event.id());
      boolean transactional =
          !NonTransactionalStatements.anyRequiresAutocommit(
              callback.statements(), session.serverVersionNum());
      connection.setAutoCommit(!transactional);
      int current = 0;
      boolean restored = false;
      try (Statement statement = connection.createStatement()) {
        statement.setEscapeProcessing(false);
        timeouts.apply(transactional);
        List<SqlStatement> statements = callback.statements();
        for (current = 0; current < statements.size(); current++) {
          checkInterrupted(callback.script(), "rolled back");
          statements.get(current).execute(statement);
        }
        initialState.restore(connection);
        restored = true;
        if (transactional) {
          connection.commit();
        }
      } catch (SQLException e) {
        if (transactional) {
          rollbackQuietly(e);
        }
        throw callbackFailure(callback, current, transactional, e);
      } catch (RuntimeException e) {
        if (transactional) {
          rollbackQuietly(e);
        }
        throw e;
      } finally {
        if (!restored && !transactional) {
          restoreQuietly();
        }
      }
    }
  }

  /**
   * Applies one script and records it, if the run still holds the migration lock before it starts
   * and before it is recorded.
   *
   * @throws MigrationException with {@link ErrorCode#SCRIPT_FAILED} if a statement fails, {@link
   *     ErrorCode#LOCK_LOST} if the lock was lost
   */
  ExecutedMigration apply(ResolvedMigration migration, int index, int total) throws SQLException {
    if (!lock.isHeld()) {
      throw lockLost(migration.script() + " was not started", true);
    }
    if (initialState == null) {
      initialState = SessionState.capture(connection);
    }
    boolean transactional = migration.transactional(session.serverVersionNum());
    long start = System.nanoTime();
    if (transactional) {
      applyInTransaction(migration, index, total, start);
    } else {
      applyInAutocommit(migration, index, total, start);
    }
    long timeMs = (System.nanoTime() - start) / 1_000_000;
    return new ExecutedMigration(
        migration.versionText(),
        migration.description(),
        migration.script(),
        migration.checksum(),
        timeMs);
  }

  private void applyInTransaction(ResolvedMigration migration, int index, int total, long start)
      throws SQLException {
    connection.setAutoCommit(false);
    Position at = new Position();
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      timeouts.apply(true);
      runEachCallbacks(statement, CallbackEvent.BEFORE_EACH_MIGRATE, migration, at);
      List<SqlStatement> statements = migration.statements();
      for (at.statement = 0; at.statement < statements.size(); at.statement++) {
        beforeStatement(migration, index, total, at.statement, start);
        statements.get(at.statement).execute(statement);
      }
      runEachCallbacks(statement, CallbackEvent.AFTER_EACH_MIGRATE, migration, at);
      at.statement = statements.size();
      initialState.restore(connection); // undone by a rollback, like the script's own SETs
      history.insert(insertStatement(), migration, installedBy, elapsedMs(start));
      if (!lock.isHeld()) { // as late as possible: only the commit follows
        throw lockLost(migration.script() + " was rolled back and not recorded", true);
      }
      connection.commit();
    } catch (SQLException e) {
      rollbackQuietly(e);
      throw failure(migration, at, true, e, List.of());
    } catch (RuntimeException e) {
      rollbackQuietly(e);
      throw e;
    }
  }

  private void applyInAutocommit(ResolvedMigration migration, int index, int total, long start)
      throws SQLException {
    connection.setAutoCommit(true);
    Position at = new Position();
    boolean restored = false;
    List<SqlStatement> statements = migration.statements();
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      timeouts.apply(false);
      runEachCallbacks(statement, CallbackEvent.BEFORE_EACH_MIGRATE, migration, at);
      for (at.statement = 0; at.statement < statements.size(); at.statement++) {
        beforeStatement(migration, index, total, at.statement, start);
        SqlStatement next = statements.get(at.statement);
        // A concurrent build takes no lock that blocks reads or writes, but waits for every
        // transaction that writes to the table to end; lock_timeout would abort that wait.
        boolean concurrentBuild = NonTransactionalStatements.isConcurrentIndexBuild(next);
        if (concurrentBuild) {
          timeouts.applyWithoutLockTimeout();
        }
        // What an interrupted earlier run of this script left: the statement may be done already.
        int number = at.statement + 1;
        InterruptedIndexWork.Decision decision =
            InterruptedIndexWork.before(
                connection,
                next,
                note ->
                    listener.onRecovered(
                        new RecoveredStatement(migration.script(), number, next.line(), note)));
        if (decision.note() != null) {
          listener.onRecovered(
              new RecoveredStatement(migration.script(), number, next.line(), decision.note()));
        }
        if (decision.action() == InterruptedIndexWork.Action.RUN) {
          next.execute(statement);
        }
        if (concurrentBuild) {
          timeouts.apply(false);
        }
      }
      runEachCallbacks(statement, CallbackEvent.AFTER_EACH_MIGRATE, migration, at);
      at.statement = statements.size();
      initialState.restore(connection);
      restored = true;
      if (!lock.isHeld()) {
        throw lockLost(
            migration.script()
                + " ran outside a transaction, so its statements stay applied, but it was not"
                + " recorded",
            false);
      }
      history.insert(insertStatement(), migration, installedBy, elapsedMs(start));
    } catch (SQLException e) {
      List<String> invalid = List.of();
      if (at.callback == null && at.statement < statements.size()) {
        invalid = leftoverIndexes(statements.get(at.statement), e);
      }
      throw failure(migration, at, false, e, invalid);
    } finally {
      if (!restored) {
        restoreQuietly();
      }
    }
  }

  /**
   * Runs the callbacks of an each-migration event on the migration's statement (so in its
   * transaction when it has one), keeping where it is in {@code at}.
   */
  private void runEachCallbacks(
      Statement statement, CallbackEvent event, ResolvedMigration migration, Position at)
      throws SQLException {
    for (ResolvedCallback callback : callbacks.callbacks(event)) {
      at.callback = callback;
      listener.onCallback(callback.script(), event.id());
      List<SqlStatement> statements = callback.statements();
      for (at.statement = 0; at.statement < statements.size(); at.statement++) {
        checkInterrupted(migration.script(), "not recorded");
        statements.get(at.statement).execute(statement);
      }
    }
    at.callback = null;
  }

  private static void checkInterrupted(String script, String outcome) {
    if (Thread.currentThread().isInterrupted()) {
      throw new MigrationException(
          ErrorCode.INTERRUPTED,
          script,
          "Interrupted while applying " + script + "; it was " + outcome + ".");
    }
  }

  private void beforeStatement(
      ResolvedMigration migration, int index, int total, int statement, long start) {
    checkInterrupted(migration.script(), "not recorded");
    long now = System.nanoTime();
    listener.onProgress(
        new MigrationProgress(
            migration.script(),
            migration.versionText(),
            index,
            total,
            statement + 1,
            migration.statements().size(),
            (now - start) / 1_000_000,
            (now - runStartNanos) / 1_000_000));
  }

  private PreparedStatement insertStatement() throws SQLException {
    if (insert == null) {
      insert = history.prepareInsert(connection);
    }
    return insert;
  }

  /** Closes the prepared statements; the connection stays open. */
  @Override
  public void close() {
    timeouts.close();
    if (insert != null) {
      try {
        insert.close();
      } catch (SQLException e) {
        // closing the connection releases it anyway
      }
    }
  }

  /**
   * Best effort, after a script that ran outside a transaction failed: its session settings would
   * otherwise stay, and a broken session is closed anyway.
   */
  private void restoreQuietly() {
    try {
      initialState.restore(connection);
    } catch (SQLException e) {
      // keep the original outcome
    }
  }

  /**
   * The INVALID indexes a failed concurrent build left, read on the work session or, when that
   * session is gone (terminated), on the lock session.
   */
  private List<String> leftoverIndexes(SqlStatement statement, SQLException cause) {
    if (!NonTransactionalStatements.isConcurrentIndexBuild(statement)) {
      return List.of();
    }
    InvalidIndexes.Target target = InvalidIndexes.target(statement);
    if (target == null) {
      return List.of();
    }
    for (Connection session : new Connection[] {connection, lockSession}) {
      try {
        List<String> names = new ArrayList<>();
        for (QualifiedName index : InvalidIndexes.onTable(session, target)) {
          names.add(index.toString());
        }
        return names;
      } catch (SQLException e) {
        cause.addSuppressed(e);
      }
    }
    return List.of();
  }

  /**
   * A failed migration, or a failed callback of it: the failure names the file whose statement
   * failed (the callback's, with the migration's version).
   */
  private MigrationException failure(
      ResolvedMigration migration,
      Position at,
      boolean transactional,
      SQLException e,
      List<String> invalidIndexes) {
    ResolvedCallback callback = at.callback;
    String script = callback != null ? callback.script() : migration.script();
    List<SqlStatement> statements =
        callback != null ? callback.statements() : migration.statements();
    boolean inStatement = at.statement < statements.size();
    int line = inStatement ? statements.get(at.statement).line() : 0;
    String message = serverMessage(e);
    MigrationFailure failure =
        new MigrationFailure(
            migration.versionText(),
            script,
            e.getSQLState(),
            message,
            line,
            inStatement ? at.statement + 1 : 0,
            transactional,
            invalidIndexes);
    StringBuilder text = new StringBuilder();
    if (callback != null) {
      text.append("Callback ")
          .append(script)
          .append(" (")
          .append(callback.event().id())
          .append(" of ")
          .append(migration.script())
          .append(")");
    } else {
      text.append(script);
    }
    text.append(" failed");
    if (inStatement) {
      text.append(" at line ").append(line);
    } else {
      text.append(" while being recorded");
    }
    text.append(": ").append(message);
    if (e.getSQLState() != null) {
      text.append(" (SQLSTATE ").append(e.getSQLState()).append(")");
    }
    String subject = callback != null ? "; " + migration.script() : "; it";
    if (transactional) {
      text.append(subject).append(" was rolled back and not recorded");
    } else {
      text.append(subject).append(" ran outside a transaction, so earlier statements stay");
      text.append(" applied, and it was not recorded");
    }
    if (!invalidIndexes.isEmpty()) {
      text.append("; invalid index ")
          .append(String.join(", ", invalidIndexes))
          .append(" is dropped before the next attempt");
    }
    text.append(".");
    return new MigrationException(
        ErrorCode.SCRIPT_FAILED,
        migration.script(),
        text.toString(),
        SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT,
        failure,
        null,
        List.of(),
        e);
  }

  /** A failed run-level callback; it is not recorded anywhere. */
  private MigrationException callbackFailure(
      ResolvedCallback callback, int statementIndex, boolean transactional, SQLException e) {
    List<SqlStatement> statements = callback.statements();
    boolean inStatement = statementIndex < statements.size();
    int line = inStatement ? statements.get(statementIndex).line() : 0;
    String message = serverMessage(e);
    MigrationFailure failure =
        new MigrationFailure(
            null,
            callback.script(),
            e.getSQLState(),
            message,
            line,
            inStatement ? statementIndex + 1 : 0,
            transactional,
            List.of());
    StringBuilder text =
        new StringBuilder("Callback ")
            .append(callback.script())
            .append(" (")
            .append(callback.event().id())
            .append(") failed");
    if (inStatement) {
      text.append(" at line ").append(line);
    }
    text.append(": ").append(message);
    if (e.getSQLState() != null) {
      text.append(" (SQLSTATE ").append(e.getSQLState()).append(")");
    }
    text.append(
        transactional
            ? "; it was rolled back."
            : "; it ran outside a transaction, so its earlier statements stay applied.");
    return new MigrationException(
        ErrorCode.SCRIPT_FAILED,
        callback.script(),
        text.toString(),
        SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT,
        failure,
        null,
        List.of(),
        e);
  }

  /**
   * The run lost its lock. Retrying is safe (transient) unless a script ran outside a transaction
   * and is not recorded: someone has to look at what it did first.
   */
  private MigrationException lockLost(String whatHappened, boolean retrySafe) {
    return new MigrationException(
        ErrorCode.LOCK_LOST,
        history.table().toString(),
        "The migration lock on "
            + history.table()
            + " was lost (its session ended), so another runner may already be migrating; "
            + whatHappened
            + ", and nothing further was applied"
            + (retrySafe
                ? "; run again to continue."
                : "; check what it did before running again."),
        retrySafe,
        null,
        null,
        List.of(),
        null);
  }

  private static String serverMessage(SQLException e) {
    if (e instanceof PSQLException psql) {
      ServerErrorMessage server = psql.getServerErrorMessage();
      if (server != null && server.getMessage() != null) {
        return server.getMessage();
      }
    }
    return String.valueOf(e.getMessage());
  }

  private void rollbackQuietly(Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException rollbackError) {
      cause.addSuppressed(rollbackError);
    }
  }

  private static int elapsedMs(long start) {
    return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - start) / 1_000_000);
  }
}
