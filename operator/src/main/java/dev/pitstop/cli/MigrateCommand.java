package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.PoolOptions;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.migration.ValidationIssue;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import dev.pitstop.migration.impact.ScratchServer;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.reconciler.model.Sentences;
import dev.pitstop.time.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code pitstop migrate --dir DIR}: applies versioned migrations from a folder with the engine the
 * operator uses, printing each step; {@code --dry-run} prints the plan and applies nothing; {@code
 * --plan} measures each pending migration's locks on a scratch copy of the schema and applies
 * nothing either.
 */
public final class MigrateCommand implements Command {
  /** How many gating findings the last line names; the plan above lists them all. */
  static final int NAMED_FINDINGS = 10;

  static final String NAME = "migrate";

  /** How long connecting to the plan's scratch server may take. */
  private static final Duration SCRATCH_CONNECT_TIMEOUT =
      PoolOptions.defaults().connectionTimeout();

  @Override
  public String summary() {
    return "apply the migrations in --dir DIR (--dry-run: print the plan only; --plan: measure"
        + " each statement's locks on a scratch copy, exit 3 with --fail-on on risks)";
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
    Optional<MigrationOptions.Plan> plan = MigrationOptions.plan(parsed, env);
    MigrationRequest request = options.request();
    if (plan.isPresent()) {
      return MigrationCommandRun.run(
          NAME,
          parsed,
          request,
          env,
          err,
          true,
          (engine, database) -> plan(plan.get(), request, database, out, err));
    }
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
                  + MigrationErrorReport.files(request)
                  + " from "
                  + options.dir());
          long start = System.nanoTime();
          MigrateResult result;
          try (MigrationProgressPrinter progress = new MigrationProgressPrinter(out)) {
            result = engine.migrate(request, progress);
          }
          summary(result, Duration.ofNanos(System.nanoTime() - start), out);
          request
              .aboveTarget(result.currentVersion())
              .ifPresent(warning -> err.println("warning: " + warning));
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
                    + Sentences.count(result.applied().size(), "migration")
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
    out.println(historyTable(plan));
    out.println(state(plan.recordedVersion(), plan.appliedCount(), plan.pending().size()));
    if (plan.pending().isEmpty()) {
      out.println("nothing to apply: the database is up to date");
    } else {
      out.println(
          "migrate would apply "
              + Sentences.count(plan.pending().size(), "migration")
              + ", in this order:");
      pendingTable(plan.pending()).print(out, "  ");
    }
    return wouldStop(plan, request, out, err) ? FAILED : OK;
  }

  /**
   * Prints the checksums {@code migrate} would realign and, on stderr, the problems that would stop
   * it before it applies anything.
   *
   * @return whether there are such problems
   */
  private static boolean wouldStop(
      MigrationInfo plan, MigrationRequest request, PrintStream out, PrintStream err) {
    List<ValidationIssue> blocking = plan.blockingIssues(request.onChecksumMismatch());
    List<ValidationIssue> repairable =
        plan.issues().stream().filter(issue -> !blocking.contains(issue)).toList();
    repairable.forEach(
        issue ->
            out.println(
                "migrate would realign the recorded checksum: "
                    + MigrationOptions.inOptionTerms(issue.message())));
    if (!blocking.isEmpty()) {
      err.println("migrate would stop before applying anything:");
      blocking.forEach(
          issue -> err.println("  " + MigrationOptions.inOptionTerms(issue.message())));
      return true;
    }
    return false;
  }

  /**
   * {@code --plan}: runs the pending migrations on a scratch copy of the target's schema, measuring
   * each statement, and prints the plan and its findings; the target is only read.
   *
   * @return {@link #FAILED} when {@code migrate} would stop before applying anything, {@link #RISK}
   *     when a finding at or above {@code --fail-on} is not allowed, else {@link #OK}
   */
  private static int plan(
      MigrationOptions.Plan options,
      MigrationRequest request,
      CommandDatabase database,
      PrintStream out,
      PrintStream err) {
    ConnectionSettings scratch =
        options.scratchServer() != null ? options.scratchServer() : database.settings();
    ImpactPlan plan =
        new ImpactPlanner(
                database.dataSource(), new ScratchServer(scratch, SCRATCH_CONNECT_TIMEOUT))
            .plan(request);
    ImpactPlanPrinter.print(plan, database.describe(), out);
    if (wouldStop(plan.info(), request, out, err)) {
      return FAILED;
    }
    Optional<String> risk = failOn(plan, options.failOn());
    risk.ifPresent(err::println);
    return risk.isPresent() ? RISK : OK;
  }

  /**
   * Why {@code --fail-on} stops a CI job on {@code plan}, as one line, or empty when it does not
   * (or when there is no {@code --fail-on}): a finding at or above it not allowed in its file, or a
   * plan made on another major version of PostgreSQL than the target's, from which a risk may be
   * missing.
   */
  static Optional<String> failOn(ImpactPlan plan, Severity failOn) {
    if (failOn == null) {
      return Optional.empty();
    }
    if (plan.untrusted().isPresent()) {
      return Optional.of(
          "pitstop "
              + NAME
              + ": --fail-on "
              + failOn.label()
              + ": the plan ran on another major version of PostgreSQL than the target, so a risk"
              + " may be missing from it ("
              + plan.untrusted().get()
              + "); nothing was applied");
    }
    List<Finding> gating = plan.gating(failOn);
    if (gating.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "pitstop "
            + NAME
            + ": "
            + Sentences.count(gating.size(), "finding")
            + " at "
            + failOn.label()
            + " or above (--fail-on "
            + failOn.label()
            + ") not allowed by a '-- pitstop:allow' comment: "
            + gating.stream()
                .limit(NAMED_FINDINGS)
                .map(f -> f.code().name() + " at " + f.script() + ":" + f.line())
                .collect(Collectors.joining(", "))
            + (gating.size() > NAMED_FINDINGS
                ? " and " + (gating.size() - NAMED_FINDINGS) + " more (listed above)"
                : "")
            + "; nothing was applied");
  }

  /**
   * The history table line of a dry run or plan: its name, and how migrate creates it if missing.
   */
  static String historyTable(MigrationInfo plan) {
    return "history table "
        + plan.historyTable()
        + (plan.historyTableExists()
            ? ""
            : plan.baselineToRecord() == null
                ? " does not exist yet (migrate creates it)"
                : " does not exist yet (migrate creates it with a baseline at version "
                    + plan.baselineToRecord()
                    + ", the schema not being empty)");
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
