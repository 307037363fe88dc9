package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TransactionsTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void workThatFailsIsRolledBackAndItsFailureRethrown() throws Exception {
    pg.execute("CREATE TABLE t (id int PRIMARY KEY)");
    try (Connection connection = pg.dataSource().getConnection()) {
      SQLException failure =
          failureOf(connection, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)");
      assertThat(failure.getSQLState()).isEqualTo("23505");
      assertThat(connection.getAutoCommit()).isTrue();
    }
    assertThat(pg.rowCount("t")).isZero();
  }

  @Test
  void aConnectionLostInsideTheWorkIsWhatTheCallerSeesNotTheFailedRollback() throws Exception {
    try (Connection connection =
        DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
      // The server ends this session, as a restart or an administrator would.
      SQLException failure = failureOf(connection, "SELECT pg_terminate_backend(pg_backend_pid())");
      assertThat(failure.getSQLState()).isEqualTo(SqlState.ADMIN_SHUTDOWN);
      assertThat(SqlErrorKind.of(failure)).isEqualTo(SqlErrorKind.TRANSIENT);
      // Rolling back on the closed connection failed too; that is kept, as suppressed.
      assertThat(failure.getSuppressed()).isNotEmpty();
    }
  }

  /** What {@link Transactions#commit} throws for work that runs {@code statements}. */
  private static SQLException failureOf(Connection connection, String... statements) {
    return catchThrowableOfType(
        SQLException.class,
        () ->
            Transactions.commit(
                connection,
                () -> {
                  try (Statement s = connection.createStatement()) {
                    for (String sql : statements) {
                      s.execute(sql);
                    }
                  }
                }));
  }
}
