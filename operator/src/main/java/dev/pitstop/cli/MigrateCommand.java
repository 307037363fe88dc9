package dev.pitstop.cli;

import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.migration.ValidationIssue;
import dev.pitstop.time.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code pitstop migrate --dir DIR}: applies versioned migrations from a folder with the engine the
 * operator uses, printing each step; {@code --dry-run} prints the plan and applies nothing.
 */
public final class MigrateCommand implements Command {
  static final String NAME = "migrate";

  @Override
  public String summary() {
    return "apply the migrations in --dir DIR (--dry-run: print the plan only)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    Args parsed =
        Args.parse(
                args,
                union(MigrationOptions.VALUES, MigrationOptions.MIGRATE_VALUES),
                union(MigrationOptions.FLAGS, MigrationOptions.MIGRATE_FLAGS))
            .withoutPositional();
    MigrationOptions options = MigrationOptions.from(parsed);
    MigrationRequest request = options.request();
    return MigrationCommandRun.run(
        NAME,
        parsed,
        request,
        env,
        err,
        (engine, database) -> {
          if (parsed.flag("dry-run")) {
            return dryRun(engine.info(request), request, database, out, err);
          }
          out.println(
              "migrating "
                  + database.describe()
                  + " with "
                  + MigrationErrorReport.count(request.scripts().size(), "file")
                  + " from "
                  + options.dir());
          long start = System.nanoTime();
          MigrateResult result;
          try (MigrationProgressPrinter progress = new MigrationProgressPrinter(out)) {
            result = engine.migrate(request, progress);
          }
          summary(result, Duration.ofNanos(System.nanoTime() - start), out);
          return OK;
        });
  }

  private static void summary(MigrateResult result, Duration took, PrintStream out) {
    if (!result.repaired().isEmpty()) {
      out.println("realigned recorded checksums of " + String.join(", ", result.repaired()));
    }
    out.println(
        (result.applied().isEmpty()
                ? "database is up to date"
                : "applied "
                    + MigrationErrorReport.count(result.applied().size(), "migration")
                    + " in "
                    + Durations.format(Duration.ofMillis(took.toMillis())))
            + ": "
            + state(result.currentVersion(), result.appliedCount(), result.pending().size())
            + " (history table "
            + result.historyTable()
            + ")");
  }

  private static int dryRun(
      MigrationInfo plan,
      MigrationRequest request,
      CommandDatabase database,
      PrintStream out,
      PrintStream err) {
    out.println("dry run against " + database.describe() + ": nothing is applied");
    out.println(
        "history table "
            + plan.historyTable()
            + (plan.historyTableExists()
                ? ""
                : plan.applied().isEmpty()
                    ? " does not exist yet (migrate creates it)"
                    : " does not exist yet (migrate creates it with a baseline at version "
                        + plan.currentVersion()
                        + ", the schema not being empty)"));
    out.println(state(plan.currentVersion(), plan.appliedCount(), plan.pending().size()));
    if (plan.pending().isEmpty()) {
      out.println("nothing to apply: the database is up to date");
    } else {
      out.println(
          "migrate would apply "
              + MigrationErrorReport.count(plan.pending().size(), "migration")
              + ", in this order:");
      pendingTable(plan.pending()).print(out, "  ");
    }
    List<ValidationIssue> blocking = plan.blockingIssues(request.onChecksumMismatch());
    List<ValidationIssue> repairable =
        plan.issues().stream().filter(issue -> !blocking.contains(issue)).toList();
    repairable.forEach(
        issue -> out.println("migrate would realign the recorded checksum: " + issue.message()));
    if (!blocking.isEmpty()) {
      err.println("migrate would stop before applying anything:");
      blocking.forEach(issue -> err.println("  " + issue.message()));
      return FAILED;
    }
    return OK;
  }

  /** Pending migrations as {@code status} and {@code --dry-run} show them. */
  static TextTable pendingTable(List<PendingMigration> pending) {
    TextTable table = new TextTable("VERSION", "DESCRIPTION", "SCRIPT", "STATEMENTS", "NOTE");
    for (PendingMigration p : pending) {
      table.row(
          p.version() == null ? "R" : p.version(),
          p.description(),
          p.script(),
          String.valueOf(p.statements()),
          note(p));
    }
    return table;
  }

  private static String note(PendingMigration p) {
    List<String> notes = new ArrayList<>();
    if (!p.transactional()) {
      notes.add("outside a transaction");
    }
    if (p.outOfOrder()) {
      notes.add("out of order");
    }
    return String.join(", ", notes);
  }

  static String state(String currentVersion, int appliedCount, int pendingCount) {
    return "current version "
        + (currentVersion == null ? "none" : currentVersion)
        + ", "
        + appliedCount
        + " applied, "
        + pendingCount
        + " pending";
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
