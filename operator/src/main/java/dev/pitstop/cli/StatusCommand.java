package dev.pitstop.cli;

import dev.pitstop.migration.AppliedMigration;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.reconciler.model.Sentences;
import java.io.PrintStream;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pitstop status --dir DIR}: the applied and pending migrations in one table, like {@code
 * flyway info}; changes nothing and does not create the history table.
 */
public final class StatusCommand implements Command {
  static final String NAME = "status";
  private static final DateTimeFormatter INSTALLED_ON =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @Override
  public String summary() {
    return "show applied and pending migrations of --dir DIR";
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
          MigrationInfo info = engine.info(request);
          print(info, database.describe(), out);
          return OK;
        });
  }

  /**
   * The applied and pending migrations, as {@code status} and {@code kubectl pitstop history} print
   * them.
   */
  static void print(MigrationInfo info, String database, PrintStream out) {
    out.println(
        database
            + ", history table "
            + info.historyTable()
            + (info.historyTableExists() ? "" : " (does not exist yet)"));
    out.println(
        MigrateCommand.state(info.recordedVersion(), info.appliedCount(), info.pending().size()));
    out.println();
    TextTable table =
        new TextTable("VERSION", "DESCRIPTION", "TYPE", "SCRIPT", "INSTALLED ON", "STATE");
    Map<String, ErrorCode> problems = new HashMap<>();
    info.issues().forEach(issue -> problems.putIfAbsent(issue.subject(), issue.code()));
    Map<String, Integer> latestRepeatable = new HashMap<>();
    for (AppliedMigration row : info.applied()) {
      if (row.version() == null && row.success()) {
        latestRepeatable.put(row.description(), row.installedRank());
      }
    }
    for (AppliedMigration row : info.applied()) {
      table.row(
          row.version() != null ? row.version() : row.type().equals("SQL") ? "R" : "",
          row.description(),
          row.type(),
          row.script(),
          row.installedOn() == null ? "" : INSTALLED_ON.format(row.installedOn()),
          info.historyTableExists()
              ? state(row, problems.get(row.script()), latestRepeatable)
              : "Pending (recorded first)"); // the baseline migrate records in a new history
    }
    for (PendingMigration p : info.pending()) {
      table.row(
          p.version() == null ? "R" : p.version(),
          p.description(),
          "SQL",
          p.script(),
          "",
          p.outOfOrder() ? "Pending (out of order)" : "Pending");
    }
    if (table.isEmpty()) {
      out.println("no migrations applied or pending");
    } else {
      table.print(out, "");
    }
    if (!info.issues().isEmpty()) {
      out.println();
      out.println(Sentences.count(info.issues().size(), "problem") + ":");
      info.issues()
          .forEach(issue -> out.println("  " + MigrationOptions.inOptionTerms(issue.message())));
    }
  }

  private static String state(
      AppliedMigration row, ErrorCode problem, Map<String, Integer> latestRepeatable) {
    if (!row.success()) {
      return "Failed";
    }
    if (row.type().endsWith("BASELINE")) {
      return "Baseline";
    }
    if (problem == ErrorCode.MISSING_SCRIPT) {
      return "Missing";
    }
    if (problem == ErrorCode.CHECKSUM_MISMATCH || problem == ErrorCode.DESCRIPTION_MISMATCH) {
      return "Changed";
    }
    if (row.version() == null
        && row.description() != null
        && latestRepeatable.getOrDefault(row.description(), row.installedRank())
            != row.installedRank()) {
      return "Superseded";
    }
    return "Success";
  }
}
