package dev.pitstop.reset;

import dev.pitstop.sql.SqlErrorKind;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The parts of a server error a user needs: the message without the driver's decoration, the
 * SQLSTATE, the constraint the server named, and whether retrying may help.
 */
record ServerError(String message, String sqlState, String constraint, boolean isTransient) {

  static ServerError of(SQLException e) {
    String message = String.valueOf(e.getMessage());
    String constraint = null;
    if (e instanceof PSQLException psql) {
      ServerErrorMessage server = psql.getServerErrorMessage();
      if (server != null) {
        if (server.getMessage() != null) {
          message = server.getMessage();
        }
        if (server.getDetail() != null && !server.getDetail().isBlank()) {
          message = message + " (" + server.getDetail() + ")";
        }
        constraint = server.getConstraint();
      }
    }
    return new ServerError(
        message, e.getSQLState(), constraint, SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT);
  }

  /** {@code message (SQLSTATE xxxxx)}. */
  String describe() {
    return message + (sqlState == null ? "" : " (SQLSTATE " + sqlState + ")");
  }
}
