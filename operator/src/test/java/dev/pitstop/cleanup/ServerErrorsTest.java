package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** How a database error reads inside a cleanup message. */
class ServerErrorsTest {
  @Test
  void theServersMessageKeepsItsFirstLineAndGainsItsSqlState() {
    SQLException e =
        new SQLException("ERROR: relation \"audit_log\" does not exist\n  Position: 15", "42P01");
    assertThat(ServerErrors.describe(e))
        .isEqualTo("relation \"audit_log\" does not exist (SQLSTATE 42P01)");
  }

  @Test
  void theDriversOwnSentencesLoseTheirPeriodSoCallersCanContinueThem() {
    assertThat(
            ServerErrors.describe(
                new SQLException("An I/O error occurred while sending to the backend.", "08006")))
        .isEqualTo("An I/O error occurred while sending to the backend (SQLSTATE 08006)");
    assertThat(ServerErrors.describe(new SQLException("This connection has been closed.")))
        .isEqualTo("This connection has been closed");
  }
}
