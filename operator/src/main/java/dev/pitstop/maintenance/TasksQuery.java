package dev.pitstop.maintenance;

import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlState;
import dev.pitstop.sql.SqlStatement;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The application's own measure of work in flight: one SELECT returning one number, which must
 * reach 0. It runs in a read-only transaction under a statement timeout, so a mistaken query can
 * neither change data nor hang the drain.
 */
public final class TasksQuery {
  private final String sql;

  private TasksQuery(String sql) {
    this.sql = sql;
  }

  /**
   * Checks that {@code sql} is a single query ({@code SELECT}, {@code WITH ... SELECT} or {@code
   * VALUES}); whether it returns one number is only known when it runs.
   *
   * @throws MaintenanceException {@link ErrorCode#INVALID_REQUEST} for {@link Field#TASKS_QUERY}
   */
  public static TasksQuery parse(String sql) {
    if (sql == null || sql.isBlank()) {
      throw invalid("must be a SELECT returning one number, e.g. SELECT count(*) FROM tasks");
    }
    List<SqlStatement> statements = SqlSplitter.split(sql);
    if (statements.size() != 1) {
      throw invalid(
          "must be a single SELECT returning one number, not "
              + (statements.isEmpty() ? "only comments" : statements.size() + " statements"));
    }
    SqlStatement statement = statements.get(0);
    List<String> tokens = statement.leadingTokens();
    String first = tokens.stream().filter(t -> !t.equals("(")).findFirst().orElse("");
    if (!first.equalsIgnoreCase("SELECT")
        && !first.equalsIgnoreCase("WITH")
        && !first.equalsIgnoreCase("VALUES")) {
      throw invalid(
          "must be a single SELECT returning one number, not a statement starting with '"
              + first
              + "'");
    }
    return new TasksQuery(statement.sql());
  }

  /** The query as it will run. */
  public String sql() {
    return sql;
  }

  /**
   * Runs the query read-only.
   *
   * @return the number it returned; a fraction counts as the next whole number
   * @throws MaintenanceException {@link ErrorCode#TASKS_QUERY_FAILED} when it fails or does not
   *     return exactly one number of 0 or more; transient for timeouts and connection problems
   */
  public long count(Connection connection, Duration statementTimeout) {
    boolean autoCommit = true;
    try {
      autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try (Statement setup = connection.createStatement()) {
        setup.execute("SET TRANSACTION READ ONLY");
      }
      try (PreparedStatement timeout =
          connection.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
        timeout.setString(1, statementTimeout.toMillis() + "ms");
        timeout.execute();
      }
      try (Statement query = connection.createStatement();
          ResultSet rows = query.executeQuery(sql)) {
        return single(rows);
      }
    } catch (SQLException e) {
      throw failed(e);
    } finally {
      try {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
      } catch (SQLException ignored) {
        // The connection is broken; the pool discards it.
      }
    }
  }

  private static long single(ResultSet rows) throws SQLException {
    int columns = rows.getMetaData().getColumnCount();
    if (columns != 1) {
      throw failed("must return one column, it returned " + columns);
    }
    if (!rows.next()) {
      throw failed("must return one row, it returned none");
    }
    Object value = rows.getObject(1);
    if (rows.next()) {
      throw failed("must return one row, it returned more");
    }
    if (value == null) {
      throw failed("returned NULL; wrap it in coalesce(..., 0)");
    }
    if (value instanceof Number number) {
      BigDecimal count = new BigDecimal(number.toString());
      if (count.signum() < 0) {
        // A count below zero is a broken query, not a drained application.
        throw failed("must return 0 or more, it returned " + number);
      }
      return count.setScale(0, RoundingMode.CEILING).longValueExact();
    }
    throw failed(
        "must return a number, it returned "
            + rows.getMetaData().getColumnTypeName(1)
            + " '"
            + value
            + "'");
  }

  private static MaintenanceException invalid(String message) {
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, Field.TASKS_QUERY, message);
  }

  private static MaintenanceException failed(String message) {
    return new MaintenanceException(ErrorCode.TASKS_QUERY_FAILED, Field.TASKS_QUERY, message);
  }

  private static MaintenanceException failed(SQLException e) {
    boolean timedOut = SqlState.QUERY_CANCELED.equals(e.getSQLState());
    boolean transientError = timedOut || SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
    String message =
        timedOut
            ? "did not finish within its statement timeout"
            : "failed: " + ServerMessages.describe(e);
    return new MaintenanceException(
        transientError && !timedOut ? ErrorCode.DATABASE_ERROR : ErrorCode.TASKS_QUERY_FAILED,
        Field.TASKS_QUERY,
        message,
        transientError,
        e);
  }
}
