package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** How a database error reads inside a status or report message. */
class ServerMessagesTest {
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
