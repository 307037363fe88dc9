package dev.pitstop.cli;

import dev.pitstop.migration.BaselineResult;
import dev.pitstop.migration.MigrationRequest;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code pitstop baseline --baseline-version V}: what Flyway's baseline does. Creates the history
 * table with one {@code BASELINE} row for version V (default 1), so that {@code migrate} applies
 * only the versions above it to a database that already has its schema. Runs no script; takes the
 * same lock as migrate.
 */
public final class BaselineCommand implements Command {
  static final String NAME = "baseline";

  @Override
  public String summary() {
    return "record --baseline-version V as applied in a new history table (existing schema)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    Args parsed = Args.parse(args, MigrationOptions.BASELINE_VALUES, Set.of()).withoutPositional();
    MigrationOptions options = MigrationOptions.forBaseline(parsed);
    MigrationRequest request = options.request();
    return MigrationCommandRun.run(
        NAME,
        parsed,
        request,
        env,
        err,
        (engine, database) -> {
          BaselineResult result = engine.baseline(request);
          out.println(
              (result.created()
                      ? "baselined " + database.describe() + " at version "
                      : "already baselined at version ")
                  + result.version()
                  + " (\""
                  + result.description()
                  + "\") in history table "
                  + result.historyTable()
                  + (result.created()
                      ? ": migrate applies only versions above it"
                      : ": nothing was changed"));
          return OK;
        });
  }
}
