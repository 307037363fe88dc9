package dev.pitstop.cli;

import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.ValidationIssue;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The steps every migration command that needs a database takes in the same order: check the files
 * (refused with exit 2 before connecting), open the database, run the engine, and turn an engine
 * error into its one-sentence report and exit code.
 */
final class MigrationCommandRun {

  /** The command's own work with the engine; an engine error is reported for it. */
  @FunctionalInterface
  interface Work {
    /** Returns the exit code. */
    int run(MigrationEngine engine, CommandDatabase database);
  }

  private MigrationCommandRun() {}

  static int run(
      String command,
      Args parsed,
      MigrationRequest request,
      Map<String, String> env,
      PrintStream err,
      Work work) {
    return run(command, parsed, request, env, err, false, work);
  }

  /**
   * As {@link #run(String, Args, MigrationRequest, Map, PrintStream, Work)}.
   *
   * @param readOnly whether the work changes nothing even when the command could (a plan of {@code
   *     migrate}): an engine error then says that nothing was changed
   */
  static int run(
      String command,
      Args parsed,
      MigrationRequest request,
      Map<String, String> env,
      PrintStream err,
      boolean readOnly,
      Work work) {
    List<ValidationIssue> naming = MigrationErrorReport.fileProblems(command, request, err);
    if (!naming.isEmpty()) {
      MigrationErrorReport.refused(command, naming, err);
      return Command.USAGE;
    }
    try (CommandDatabase database = CommandDatabase.open(DatabaseUrl.require(parsed, env))) {
      MigrationEngine engine = new MigrationEngine(database.requireReachable().dataSource());
      try {
        return work.run(engine, database);
      } catch (MigrationException e) {
        return MigrationErrorReport.print(command, e, err, readOnly);
      }
    }
  }
}
