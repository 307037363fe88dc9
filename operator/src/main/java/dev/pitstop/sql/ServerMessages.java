package dev.pitstop.sql;

import dev.pitstop.logging.KnownSecrets;
import java.sql.SQLException;

/** A database error as a clause of a one-line status or report message. */
public final class ServerMessages {
  private ServerMessages() {}

  /**
   * The server's message with its SQLSTATE, credentials removed: one clause, without the "ERROR: "
   * prefix, the "Position:" and hint lines that follow, or a final period.
   */
  public static String describe(SQLException e) {
    String message = e.getMessage() == null ? "unknown error" : e.getMessage();
    int newline = message.indexOf('\n');
    if (newline > 0) {
      message = message.substring(0, newline); // the server's "Position:" and hint lines
    }
    message = message.replaceFirst("^ERROR: ", "").strip();
    while (message.endsWith(".")) {
      // the driver's own messages are sentences; callers continue them with "; " or end them
      message = message.substring(0, message.length() - 1);
    }
    return KnownSecrets.redact(
        message + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
  }
}
