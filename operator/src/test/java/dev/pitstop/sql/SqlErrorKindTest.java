package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlErrorKindTest {

  @Test
  void connectionShutdownLockAndSerializationErrorsAreTransient() {
    for (String state :
        new String[] {
          "08000", "08006", "08001", "57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03"
        }) {
      assertThat(SqlErrorKind.of(new SQLException("x", state)))
          .as(state)
          .isEqualTo(SqlErrorKind.TRANSIENT);
    }
  }

  @Test
  void syntaxAndSchemaErrorsAreDeterministic() {
    for (String state : new String[] {"42601", "42P01", "23505", "57014", "22012", null}) {
      assertThat(SqlErrorKind.of(new SQLException("x", state)))
          .as(state)
          .isEqualTo(SqlErrorKind.DETERMINISTIC);
    }
  }

  @Test
  void looksAtCausesAndChainedExceptions() {
    assertThat(SqlErrorKind.of(new SQLException("io", null, new ConnectException("refused"))))
        .isEqualTo(SqlErrorKind.TRANSIENT);
    SQLException batch = new SQLException("batch", "42P01");
    batch.setNextException(new SQLException("deadlock", "40P01"));
    assertThat(SqlErrorKind.of(batch)).isEqualTo(SqlErrorKind.TRANSIENT);
  }
}
