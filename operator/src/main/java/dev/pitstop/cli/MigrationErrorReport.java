package dev.pitstop.cli;

import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationFailure;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.ValidationIssue;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * Prints a failed migration command's reasons on stderr, one per line, and picks the exit code:
 * {@link Command#USAGE} for bad input (a request field, a file name, a script's transaction-control
 * statement, a history table that points at the wrong table), else {@link Command#FAILED}.
 */
final class MigrationErrorReport {
  private static final Set<ErrorCode> BAD_INPUT =
      Set.of(
          ErrorCode.INVALID_REQUEST,
          ErrorCode.INVALID_SCRIPT_NAME,
          ErrorCode.DUPLICATE_VERSION,
          ErrorCode.TRANSACTION_CONTROL,
          ErrorCode.OTHER_HISTORY_TABLE);

  private MigrationErrorReport() {}

  /**
   * Prints why {@code e} happened.
   *
   * @param command the command's name, prefixed to the first line
   * @return the exit code
   */
  static int print(String command, MigrationException e, PrintStream err) {
    MigrationFailure failure = e.failure();
    if (failure != null) {
      printFailure(command, failure, err);
    } else if (!e.issues().isEmpty()) {
      problems(command, e.issues(), err);
    } else {
      err.println("pitstop " + command + ": " + redact(e.getMessage()));
    }
    MigrateResult partial = e.partialResult();
    if (partial != null && !partial.applied().isEmpty()) {
      err.println(
          "applied "
              + count(partial.applied().size(), "migration")
              + " before the failure"
              + (partial.currentVersion() == null
                  ? ""
                  : "; current version " + partial.currentVersion()));
    }
    return BAD_INPUT.contains(e.code()) ? Command.USAGE : Command.FAILED;
  }

  /** Prints a warning line for each file that is not a migration and is ignored. */
  static void ignored(String command, List<MigrationScript> scripts, PrintStream err) {
    MigrationScripts.ignored(scripts)
        .forEach(
            name ->
                err.println(
                    "pitstop "
                        + command
                        + ": warning: ignoring "
                        + name
                        + ": not named V<version>__<description>.sql or"
                        + " R__<description>.sql"));
  }

  /** Prints one problem on one line; several under a header line, each on its own line. */
  static void problems(String command, List<ValidationIssue> issues, PrintStream err) {
    if (issues.size() == 1) {
      err.println("pitstop " + command + ": " + redact(issues.get(0).message()));
      return;
    }
    err.println("pitstop " + command + ": " + count(issues.size(), "problem") + ":");
    issues.forEach(issue -> err.println("  " + redact(issue.message())));
  }

  private static void printFailure(String command, MigrationFailure failure, PrintStream err) {
    err.println(
        "pitstop "
            + command
            + ": "
            + failure.script()
            + " failed"
            + (failure.line() > 0 ? " at line " + failure.line() : "")
            + (failure.statement() > 0 ? " (statement " + failure.statement() + ")" : "")
            + ": "
            + redact(failure.message())
            + (failure.sqlState() == null ? "" : " (SQLSTATE " + failure.sqlState() + ")"));
    if (failure.transactional()) {
      err.println("rolled back: nothing of " + failure.script() + " was applied or recorded");
    } else {
      err.println(
          failure.script()
              + " ran outside a transaction: statements before statement "
              + failure.statement()
              + " stay applied, and it is not recorded");
    }
    for (String index : failure.invalidIndexes()) {
      err.println(
          "index "
              + index
              + " was left INVALID; it is dropped before "
              + failure.script()
              + " runs again");
    }
  }

  static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String redact(String text) {
    return KnownSecrets.redact(text);
  }
}
