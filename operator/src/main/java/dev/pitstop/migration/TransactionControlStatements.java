package dev.pitstop.migration;

import dev.pitstop.sql.SqlStatement;
import java.util.List;
import java.util.Optional;

/**
 * Recognises top-level transaction-control statements ({@code BEGIN}, {@code COMMIT}, {@code
 * ROLLBACK}, {@code SAVEPOINT}, ...) from their leading tokens. A script may not contain one: the
 * engine runs each migration in its own transaction and records it in that transaction, so a
 * script's own {@code COMMIT} would make part of it permanent while the rest is rolled back, and a
 * {@code ROLLBACK} would silently undo part of a migration recorded as applied. Function and
 * procedure bodies, {@code DO} blocks and other literals are single tokens to the splitter, so a
 * {@code COMMIT} inside one never matches.
 */
final class TransactionControlStatements {

  private TransactionControlStatements() {}

  /** The first transaction-control statement of a script, if any. */
  static Optional<SqlStatement> first(List<SqlStatement> statements) {
    return statements.stream()
        .filter(TransactionControlStatements::isTransactionControl)
        .findFirst();
  }

  /**
   * {@code BEGIN}, {@code START TRANSACTION}, {@code COMMIT} (also {@code COMMIT PREPARED}), {@code
   * END}, {@code ROLLBACK} (also {@code ROLLBACK TO} and {@code ROLLBACK PREPARED}), {@code ABORT},
   * {@code SAVEPOINT}, {@code RELEASE} and {@code PREPARE TRANSACTION}; not {@code PREPARE name AS
   * ...}.
   */
  static boolean isTransactionControl(SqlStatement s) {
    return s.startsWith("BEGIN")
        || s.startsWith("START", "TRANSACTION")
        || s.startsWith("COMMIT")
        || s.startsWith("END")
        || s.startsWith("ROLLBACK")
        || s.startsWith("ABORT")
        || s.startsWith("SAVEPOINT")
        || s.startsWith("RELEASE")
        || s.startsWith("PREPARE", "TRANSACTION");
  }

  /**
   * The statement's leading keywords as written, for messages: {@code COMMIT}, {@code START
   * TRANSACTION}.
   */
  static String keywords(SqlStatement s) {
    List<String> tokens = s.leadingTokens();
    String first = tokens.get(0).toUpperCase(java.util.Locale.ROOT);
    boolean twoWords =
        tokens.size() > 1
            && (first.equals("START")
                || first.equals("PREPARE")
                || (tokens.get(1).equalsIgnoreCase("PREPARED"))
                || (first.equals("ROLLBACK") && tokens.get(1).equalsIgnoreCase("TO")));
    return twoWords ? first + " " + tokens.get(1).toUpperCase(java.util.Locale.ROOT) : first;
  }
}
