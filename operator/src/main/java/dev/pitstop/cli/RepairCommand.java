package dev.pitstop.cli;

import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.RepairResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code pitstop repair --dir DIR}: what Flyway's repair does to a history table. Deletes the rows
 * of failed migrations (a non-transactional migration that failed leaves one, and it blocks every
 * later run), and realigns the recorded checksums and descriptions of applied migrations with the
 * files. Never runs a script; takes the same lock as migrate.
 */
public final class RepairCommand implements Command {
  static final String NAME = "repair";

  @Override
  public String summary() {
    return "remove failed history rows and realign checksums with the files of --dir DIR";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    Args parsed =
        Args.parse(args, MigrationOptions.VALUES, MigrationOptions.FLAGS).withoutPositional();
    MigrationOptions options = MigrationOptions.from(parsed);
    MigrationRequest request = options.request();
    return MigrationCommandRun.run(
        NAME,
        parsed,
        request,
        env,
        err,
        (engine, database) -> {
          RepairResult result = engine.repair(request);
          if (result.nothing()) {
            out.println("nothing to repair in " + database.describe());
            return OK;
          }
          if (!result.removedFailed().isEmpty()) {
            out.println(
                "removed the failed history rows of "
                    + String.join(", ", result.removedFailed())
                    + ": check what those scripts left behind before the next migrate runs them"
                    + " again");
          }
          if (!result.realigned().isEmpty()) {
            out.println(
                "realigned recorded checksums and descriptions of "
                    + String.join(", ", result.realigned()));
          }
          if (!result.markedDeleted().isEmpty()) {
            out.println(
                "marked as deleted (applied, but no script has them any more): "
                    + String.join(", ", result.markedDeleted()));
          }
          return OK;
        });
  }
}
