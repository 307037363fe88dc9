package dev.pitstop.sql;

import dev.pitstop.logging.KnownSecrets;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** A database error as a clause of a one-line status or report message. */
public final class ServerMessages {
  private ServerMessages() {}

  /**
   * The server's message with its SQLSTATE, credentials removed: one clause, without the "ERROR: "
   * prefix, the "Position:" and hint lines that follow, or a final period.
   */
  public static String describe(SQLException e) {
    String message = primary(e);
    if (message == null) {
      message = "unknown error";
    }
    while (message.endsWith(".")) {
      // the driver's own messages are sentences; callers continue them with "; " or end them
      message = message.substring(0, message.length() - 1);
    }
    return KnownSecrets.redact(
        message + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
  }

  /**
   * The error's primary message on one line, or null when it has none: the server's own (without
   * its detail, hint and position) with any line break it holds — a name can have one — written as
   * {@code \n}, else the first line of the driver's message without its "ERROR: " prefix.
   */
  public static String primary(SQLException e) {
    ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
    if (server != null && server.getMessage() != null) {
      return server
          .getMessage()
          .replace("\r\n", "\n")
          .replace('\r', '\n')
          .replace("\n", "\\n")
          .strip();
    }
    if (e.getMessage() == null) {
      return null;
    }
    String message = e.getMessage();
    int newline = message.indexOf('\n');
    if (newline > 0) {
      message = message.substring(0, newline); // the server's "Position:" and hint lines
    }
    return message.replaceFirst("^ERROR: ", "").strip();
  }
}
