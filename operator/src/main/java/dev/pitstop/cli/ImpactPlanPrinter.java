package dev.pitstop.cli;

import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ScriptImpact;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.migration.impact.StatementImpact;
import dev.pitstop.reconciler.model.Sentences;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Prints a lock-impact plan for {@code migrate --plan}: where it was measured, each pending
 * migration with the statements that locked, rewrote, built or validated something (or failed), the
 * findings one per line, and a summary line.
 */
final class ImpactPlanPrinter {
  /** How much of a statement is shown. */
  static final int SQL_WIDTH = 80;

  private ImpactPlanPrinter() {}

  /**
   * Prints {@code plan}.
   *
   * @param target where the plan was made against, {@code user@host:port/db}
   */
  static void print(ImpactPlan plan, String target, PrintStream out) {
    MigrationInfo info = plan.info();
    if (plan.scripts().isEmpty()) {
      out.println("plan against " + target + ": nothing is applied to the target");
    } else {
      out.println(
          "plan against "
              + target
              + ", measured on a scratch copy of its schema on "
              + plan.scratch()
              + " (created and dropped by the plan): nothing is applied to the target");
    }
    out.println(MigrateCommand.historyTable(info));
    out.println(
        MigrateCommand.state(info.recordedVersion(), info.appliedCount(), info.pending().size()));
    if (plan.scripts().isEmpty()) {
      out.println("nothing to apply: the database is up to date");
    }
    for (ScriptImpact script : plan.scripts()) {
      print(script, out);
    }
    if (!plan.notCopied().isEmpty()) {
      out.println(
          "warning: the scratch copy differs from the target in "
              + Sentences.count(plan.notCopied().size(), "way")
              + " ("
              + String.join("; ", plan.notCopied())
              + "); a statement that depends on them may fail or pass on the copy unlike on the"
              + " target");
    }
    if (!plan.findings().isEmpty()) {
      out.println("findings:");
      plan.findings().forEach(finding -> out.println("  " + line(finding)));
    }
    out.println(summary(plan.findings()));
  }

  private static void print(ScriptImpact script, PrintStream out) {
    out.println(
        script.script()
            + " ("
            + Sentences.count(script.statements().size(), "statement")
            + " measured"
            + (script.transactional() ? ", in one transaction" : ", outside a transaction")
            + ")");
    List<StatementImpact> shown =
        script.statements().stream().filter(ImpactPlanPrinter::hasImpact).toList();
    if (shown.isEmpty()) {
      out.println("  no statement locks a table, rewrites, builds an index or validates");
    }
    for (StatementImpact statement : shown) {
      out.println(
          "  statement "
              + statement.statement()
              + " (line "
              + statement.line()
              + "): "
              + shorten(statement.sql()));
      if (!statement.locks().isEmpty()) {
        out.println(
            "    locks: "
                + statement.locks().stream()
                    .map(lock -> lock.sqlMode() + " on " + lock.relation())
                    .collect(Collectors.joining(", ")));
      }
      detail("rewritten", statement.rewritten(), out);
      detail("indexes built", statement.indexesBuilt(), out);
      detail("constraints validated", statement.constraintsValidated(), out);
      if (statement.error() != null) {
        out.println("    error: " + oneLine(statement.error()));
      }
    }
  }

  private static boolean hasImpact(StatementImpact s) {
    return !s.locks().isEmpty()
        || !s.rewritten().isEmpty()
        || !s.indexesBuilt().isEmpty()
        || !s.constraintsValidated().isEmpty()
        || s.error() != null;
  }

  private static void detail(String label, List<String> values, PrintStream out) {
    if (!values.isEmpty()) {
      out.println("    " + label + ": " + String.join(", ", values));
    }
  }

  /**
   * One finding on one line: severity, code and its slug, file:line, the message, and the reason of
   * the comment that allowed it.
   */
  static String line(Finding finding) {
    return String.format(Locale.ROOT, "%-7s ", finding.severity().label())
        + finding.code().name()
        + " "
        + finding.code().slug()
        + " "
        + finding.script()
        + ":"
        + finding.line()
        + ": "
        + oneLine(finding.message())
        + (finding.allowed() ? " [allowed: " + oneLine(finding.allowedReason()) + "]" : "");
  }

  /** {@code 3 findings: 1 error, 2 warning, 0 info (1 allowed)}, or {@code no findings}. */
  static String summary(List<Finding> findings) {
    if (findings.isEmpty()) {
      return "no findings";
    }
    List<String> counts = new ArrayList<>();
    for (Severity severity : List.of(Severity.ERROR, Severity.WARNING, Severity.INFO)) {
      counts.add(
          findings.stream().filter(f -> f.severity() == severity).count() + " " + severity.label());
    }
    return Sentences.count(findings.size(), "finding")
        + ": "
        + String.join(", ", counts)
        + " ("
        + findings.stream().filter(Finding::allowed).count()
        + " allowed)";
  }

  /**
   * The statement, which the plan has on one line already ({@link StatementImpact#sql()}),
   * whitespace collapsed, at most {@link #SQL_WIDTH} characters.
   */
  static String shorten(String sql) {
    String text = sql == null ? "" : sql.strip().replaceAll("\\s+", " ");
    return text.length() <= SQL_WIDTH
        ? text
        : text.substring(0, SQL_WIDTH - 3).stripTrailing() + "...";
  }

  private static String oneLine(String text) {
    return String.valueOf(text).strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
