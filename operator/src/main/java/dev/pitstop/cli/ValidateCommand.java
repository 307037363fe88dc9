package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.ValidationIssue;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pitstop validate --dir DIR}: checks file names, and with a database the applied migrations
 * against the files (changed checksums, missing files, failed rows, out-of-order versions). Exit 0
 * when valid, 1 with each problem on its own line. Changes nothing.
 */
public final class ValidateCommand implements Command {
  static final String NAME = "validate";

  @Override
  public String summary() {
    return "check the files of --dir DIR against the database's history (exit 1 if invalid)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    Args parsed =
        Args.parse(args, MigrationOptions.VALUES, MigrationOptions.FLAGS).withoutPositional();
    MigrationOptions options = MigrationOptions.from(parsed);
    MigrationRequest request = options.request();
    Optional<ConnectionSettings> settings = DatabaseUrl.find(parsed, env);
    String files = MigrationErrorReport.files(request);
    boolean one = MigrationErrorReport.used(request) == 1;
    List<ValidationIssue> naming = MigrationErrorReport.fileProblems(NAME, request, err);
    if (!naming.isEmpty()) {
      MigrationErrorReport.problems(NAME, naming, err);
      return FAILED;
    }
    if (settings.isEmpty()) {
      out.println(
          "valid: " + files + " in " + options.dir() + (one ? " is" : " are") + " named correctly");
      err.println(
          "pitstop validate: no database given, so applied migrations were not compared with"
              + " the files; use --database-url or set $PITSTOP_DATABASE_URL");
      return OK;
    }
    try (CommandDatabase database = CommandDatabase.open(settings.get())) {
      MigrationInfo info;
      try {
        info = new MigrationEngine(database.requireReachable().dataSource()).info(request);
      } catch (MigrationException e) {
        return MigrationErrorReport.print(NAME, e, err);
      }
      if (!info.issues().isEmpty()) {
        MigrationErrorReport.problems(NAME, info.issues(), err);
        return FAILED;
      }
      out.println(
          "valid: "
              + files
              + " in "
              + options.dir()
              + (one ? " matches" : " match")
              + " history table "
              + info.historyTable()
              + " of "
              + database.describe()
              + " ("
              + MigrateCommand.state(
                  info.recordedVersion(), info.appliedCount(), info.pending().size())
              + ")");
      return OK;
    }
  }
}
