package dev.pitstop.cli;

import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationFailure;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.ValidationIssue;
import dev.pitstop.reconciler.model.Sentences;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * Prints a failed migration command's reasons on stderr, one per line, and picks the exit code:
 * {@link Command#USAGE} for bad input (a request field, a file name, a script's transaction-control
 * statement or unset placeholder, a history table that points at the wrong table), else {@link
 * Command#FAILED}.
 */
final class MigrationErrorReport {
  private static final Set<ErrorCode> BAD_INPUT =
      Set.of(
          ErrorCode.INVALID_REQUEST,
          ErrorCode.INVALID_SCRIPT_NAME,
          ErrorCode.DUPLICATE_VERSION,
          ErrorCode.TRANSACTION_CONTROL,
          ErrorCode.INVALID_SCRIPT,
          ErrorCode.UNSET_PLACEHOLDER,
          ErrorCode.OTHER_HISTORY_TABLE,
          ErrorCode.TARGET_NOT_FOUND,
          ErrorCode.NON_EMPTY_SCHEMA,
          ErrorCode.BASELINE_REFUSED,
          ErrorCode.HISTORY_TABLE_INVALID);

  private MigrationErrorReport() {}

  /**
   * Prints why {@code e} happened.
   *
   * @param command the command's name, prefixed to the first line
   * @return the exit code
   */
  static int print(String command, MigrationException e, PrintStream err) {
    return print(command, e, err, false);
  }

  /**
   * Prints why {@code e} happened.
   *
   * @param command the command's name, prefixed to the first line
   * @param readOnlyWork whether the command's work changes nothing (also a command that can, such
   *     as {@code migrate --plan})
   * @return the exit code
   */
  static int print(String command, MigrationException e, PrintStream err, boolean readOnlyWork) {
    MigrationFailure failure = e.failure();
    MigrateResult partial = e.partialResult();
    boolean readOnly =
        readOnlyWork
            || command.equals(StatusCommand.NAME)
            || command.equals(ValidateCommand.NAME)
            || command.equals(BaselineCommand.NAME)
            || e.code() == ErrorCode.NON_EMPTY_SCHEMA
            // bad input is refused before anything is done
            || (BAD_INPUT.contains(e.code()) && failure == null && partial == null);
    if (failure != null) {
      err.println(failureSentence(command, failure, partial));
    } else if (!e.issues().isEmpty() && e.issues().size() > 1) {
      problems(command, e.issues(), err);
    } else {
      String message = withoutFullStop(said(command, String.valueOf(e.getMessage())));
      boolean saysNothingChanged = readOnly && message.endsWith("nothing was changed");
      err.println(
          "pitstop "
              + command
              + ": "
              + message
              + (saysNothingChanged
                  ? ""
                  : "; " + (readOnly ? "nothing was changed" : kept(partial))));
    }
    return BAD_INPUT.contains(e.code()) ? Command.USAGE : Command.FAILED;
  }

  /** What stays applied after a failed {@code migrate}: the migrations before the failure. */
  private static String kept(MigrateResult partial) {
    if (partial == null || partial.currentVersion() == null) {
      return partial != null && !partial.applied().isEmpty()
          ? Sentences.count(partial.applied().size(), "migration")
              + " applied before it stay applied"
          : "no migration was applied";
    }
    return (partial.applied().isEmpty()
            ? "nothing more was applied"
            : Sentences.count(partial.applied().size(), "migration") + " applied before it")
        + "; migrations up to version "
        + partial.currentVersion()
        + " stay applied";
  }

  private static String withoutFullStop(String message) {
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }

  /** Prints a warning line for each file that is not a migration and is ignored. */
  /**
   * What every migration command checks of its files before it connects: warns about the files it
   * ignores and returns the names that refuse the command (the caller reports them).
   */
  static List<ValidationIssue> fileProblems(
      String command, MigrationRequest request, PrintStream err) {
    ignored(command, request.scripts(), err);
    return MigrationScripts.refusedWhateverTheHistory(request);
  }

  static void ignored(String command, List<MigrationScript> scripts, PrintStream err) {
    MigrationScripts.ignored(scripts)
        .forEach(
            name ->
                err.println(
                    "pitstop "
                        + command
                        + ": warning: ignoring "
                        + name
                        + ": not named V<version>__<description>.sql,"
                        + " B<version>__<description>.sql or R__<description>.sql, nor a"
                        + " callback Pitstop runs"));
  }

  /**
   * Prints problems of the files that refuse the command before it connects: one problem as one
   * sentence, several under a header line; both say that nothing was changed.
   */
  static void refused(String command, List<ValidationIssue> issues, PrintStream err) {
    if (issues.size() == 1) {
      err.println(
          "pitstop "
              + command
              + ": "
              + withoutFullStop(said(command, issues.get(0).message()))
              + "; nothing was changed");
      return;
    }
    err.println(
        "pitstop "
            + command
            + ": "
            + Sentences.count(issues.size(), "problem")
            + ", nothing was changed:");
    issues.forEach(issue -> err.println("  " + said(command, issue.message())));
  }

  /** Prints one problem on one line; several under a header line, each on its own line. */
  static void problems(String command, List<ValidationIssue> issues, PrintStream err) {
    if (issues.size() == 1) {
      err.println("pitstop " + command + ": " + said(command, issues.get(0).message()));
      return;
    }
    err.println("pitstop " + command + ": " + Sentences.count(issues.size(), "problem") + ":");
    issues.forEach(issue -> err.println("  " + said(command, issue.message())));
  }

  /**
   * An engine message for the command, redacted: in its options' terms ({@code
   * --on-checksum-mismatch} for {@code onChecksumMismatch}), except for {@code run -f}, whose
   * manifest has the spec's.
   */
  private static String said(String command, String engineMessage) {
    String message = redact(engineMessage);
    return command.equals(RunCommand.NAME) ? message : MigrationOptions.inOptionTerms(message);
  }

  /** One sentence: the file, line, statement, server message, what was kept of it and before. */
  private static String failureSentence(
      String command, MigrationFailure failure, MigrateResult partial) {
    StringBuilder line =
        new StringBuilder("pitstop ")
            .append(command)
            .append(": ")
            .append(failure.script())
            .append(" failed")
            .append(failure.line() > 0 ? " at line " + failure.line() : "")
            .append(failure.statement() > 0 ? " (statement " + failure.statement() + ")" : "")
            .append(": ")
            .append(withoutFullStop(redact(String.valueOf(failure.message()))))
            .append(failure.sqlState() == null ? "" : " (SQLSTATE " + failure.sqlState() + ")");
    line.append("; ").append(failure.outcome());
    for (String index : failure.invalidIndexes()) {
      line.append("; index ")
          .append(index)
          .append(" was left INVALID and is dropped before ")
          .append(failure.script())
          .append(" runs again");
    }
    return line.append("; ").append(kept(partial)).toString();
  }

  /**
   * The files of {@code request} Pitstop uses (migrations, callbacks, script configurations), and
   * how many more it ignores: {@code "3 files (1 ignored)"}.
   */
  static String files(MigrationRequest request) {
    int ignored = MigrationScripts.ignored(request.scripts()).size();
    return Sentences.count(request.scripts().size() - ignored, "file")
        + (ignored == 0 ? "" : " (" + ignored + " ignored)");
  }

  /** The number of files {@code request} uses, without the ignored ones. */
  static int used(MigrationRequest request) {
    return request.scripts().size() - MigrationScripts.ignored(request.scripts()).size();
  }

  private static String redact(String text) {
    return KnownSecrets.redact(text);
  }
}
