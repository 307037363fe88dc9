package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SessionState;
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
 * statement in autocommit. Before a script's history row is written, the session is put back as it
 * was before the first script ({@link SessionState}: role, search_path and every other setting), so
 * a script's {@code SET} neither affects the history write nor leaks into the next script. The
 * statements it needs for every script are prepared once per run.
 */
final class ScriptRunner implements AutoCloseable {

  private final Connection connection;
  private final Connection lockSession;
  private final MigrationHistory history;
  private final MigrationLock lock;
  private final SessionInfo session;
  private final String installedBy;
  private final String lockTimeoutMs;
  private final String statementTimeoutMs;
  private final MigrationListener listener;
  private final long runStartNanos;
  private SessionState initialState;
  private PreparedStatement setTimeouts;
  private PreparedStatement insert;

  ScriptRunner(
      Connection connection,
      Connection lockSession,
      MigrationHistory history,
      MigrationLock lock,
      SessionInfo session,
      MigrationRequest request,
      MigrationListener listener,
      long runStartNanos) {
    this.connection = connection;
    this.lockSession = lockSession;
    this.history = history;
    this.lock = lock;
    this.session = session;
    this.installedBy = request.installedBy() != null ? request.installedBy() : session.user();
    this.lockTimeoutMs = Long.toString(request.lockTimeout().toMillis());
    this.statementTimeoutMs = Long.toString(request.statementTimeout().toMillis());
    this.listener = listener;
    this.runStartNanos = runStartNanos;
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
    boolean transactional =
        !NonTransactionalStatements.anyRequiresAutocommit(
            migration.statements(), session.serverVersionNum());
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
    int current = 0;
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      setTimeouts(true, lockTimeoutMs, statementTimeoutMs);
      List<SqlStatement> statements = migration.statements();
      for (current = 0; current < statements.size(); current++) {
        beforeStatement(migration, index, total, current, start);
        statement.execute(statements.get(current).sql());
      }
      initialState.restore(connection); // undone by a rollback, like the script's own SETs
      history.insert(insertStatement(), migration, installedBy, elapsedMs(start));
      if (!lock.isHeld()) { // as late as possible: only the commit follows
        throw lockLost(migration.script() + " was rolled back and not recorded", true);
      }
      connection.commit();
    } catch (SQLException e) {
      rollbackQuietly(e);
      throw failure(migration, current, true, e, List.of());
    } catch (RuntimeException e) {
      rollbackQuietly(e);
      throw e;
    }
  }

  private void applyInAutocommit(ResolvedMigration migration, int index, int total, long start)
      throws SQLException {
    connection.setAutoCommit(true);
    int current = 0;
    boolean restored = false;
    List<SqlStatement> statements = migration.statements();
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      setTimeouts(false, lockTimeoutMs, statementTimeoutMs);
      for (current = 0; current < statements.size(); current++) {
        beforeStatement(migration, index, total, current, start);
        SqlStatement next = statements.get(current);
        // A concurrent build takes no lock that blocks reads or writes, but waits for every
        // transaction that writes to the table to end; lock_timeout would abort that wait.
        boolean concurrentBuild = NonTransactionalStatements.isConcurrentIndexBuild(next);
        if (concurrentBuild) {
          setTimeouts(false, "0", statementTimeoutMs);
        }
        // What an interrupted earlier run of this script left: the statement may be done already.
        int number = current + 1;
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
          statement.execute(next.sql());
        }
        if (concurrentBuild) {
          setTimeouts(false, lockTimeoutMs, statementTimeoutMs);
        }
      }
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
      if (current < statements.size()) {
        invalid = leftoverIndexes(statements.get(current), e);
      }
      throw failure(migration, current, false, e, invalid);
    } finally {
      if (!restored) {
        restoreQuietly();
      }
    }
  }

  private void beforeStatement(
      ResolvedMigration migration, int index, int total, int statement, long start) {
    if (Thread.currentThread().isInterrupted()) {
      throw new MigrationException(
          ErrorCode.INTERRUPTED,
          migration.script(),
          "Interrupted while applying " + migration.script() + "; it was not recorded.");
    }
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

  private void setTimeouts(boolean local, String lockTimeout, String statementTimeout)
      throws SQLException {
    if (setTimeouts == null) {
      setTimeouts =
          connection.prepareStatement(
              "SELECT set_config('lock_timeout', ?, ?), set_config('statement_timeout', ?, ?)");
    }
    setTimeouts.setString(1, lockTimeout);
    setTimeouts.setBoolean(2, local);
    setTimeouts.setString(3, statementTimeout);
    setTimeouts.setBoolean(4, local);
    setTimeouts.executeQuery().close();
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
    for (PreparedStatement statement : new PreparedStatement[] {setTimeouts, insert}) {
      if (statement != null) {
        try {
          statement.close();
        } catch (SQLException e) {
          // closing the connection releases it anyway
        }
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

  private MigrationException failure(
      ResolvedMigration migration,
      int statementIndex,
      boolean transactional,
      SQLException e,
      List<String> invalidIndexes) {
    List<SqlStatement> statements = migration.statements();
    boolean inStatement = statementIndex < statements.size();
    int line = inStatement ? statements.get(statementIndex).line() : 0;
    String message = serverMessage(e);
    MigrationFailure failure =
        new MigrationFailure(
            migration.versionText(),
            migration.script(),
            e.getSQLState(),
            message,
            line,
            inStatement ? statementIndex + 1 : 0,
            transactional,
            invalidIndexes);
    StringBuilder text = new StringBuilder(migration.script()).append(" failed");
    if (inStatement) {
      text.append(" at line ").append(line);
    } else {
      text.append(" while being recorded");
    }
    text.append(": ").append(message);
    if (e.getSQLState() != null) {
      text.append(" (SQLSTATE ").append(e.getSQLState()).append(")");
    }
    if (transactional) {
      text.append("; it was rolled back and not recorded");
    } else {
      text.append("; it ran outside a transaction, so earlier statements stay applied,");
      text.append(" and it was not recorded");
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
