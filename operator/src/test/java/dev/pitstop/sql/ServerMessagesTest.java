package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How a database error reads inside a status or report message. */
class ServerMessagesTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @Test
  void aLineBreakInTheServersMessageIsWrittenSoAndTheMessageKeptWhole() throws Exception {
    SQLException error;
    try (Connection session = pg.dataSource().getConnection();
        Statement statement = session.createStatement()) {
      statement.execute("SELECT * FROM \"audit\nlog\"");
      throw new AssertionError("the table does not exist");
    } catch (SQLException e) {
      error = e;
    }
    assertThat(ServerMessages.describe(error))
        .isEqualTo("relation \"audit\\nlog\" does not exist (SQLSTATE 42P01)");
  }

  @Test
  void theServersMessageKeepsItsFirstLineAndGainsItsSqlState() {
    SQLException e =
        new SQLException("ERROR: relation \"audit_log\" does not exist\n  Position: 15", "42P01");
    assertThat(ServerMessages.describe(e))
        .isEqualTo("relation \"audit_log\" does not exist (SQLSTATE 42P01)");
  }

  @Test
  void theDriversOwnSentencesLoseTheirPeriodSoCallersCanContinueThem() {
    assertThat(
            ServerMessages.describe(
                new SQLException("An I/O error occurred while sending to the backend.", "08006")))
        .isEqualTo("An I/O error occurred while sending to the backend (SQLSTATE 08006)");
    assertThat(ServerMessages.describe(new SQLException("This connection has been closed.")))
        .isEqualTo("This connection has been closed");
  }
}
