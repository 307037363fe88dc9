package dev.pitstop.reconciler.databasemigration.model;

import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.MigrationPlan;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.PlanFinding;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.PlannedScript;
import dev.pitstop.api.v1alpha1.PlanSeverity;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The plan shown in {@code status.plan}: the digest to approve, the pending scripts with their
 * first statements, and what measuring them on a scratch copy found, bounded so the status stays
 * small whatever the scripts hold.
 */
public final class MigrationPlans {
  static final int MAX_SCRIPTS = 20;
  static final int MAX_STATEMENTS = 5;
  static final int MAX_STATEMENT_LENGTH = 300;
  static final int MAX_FINDINGS = 50;
  static final int MAX_MESSAGE_LENGTH = 500;
  static final int MAX_NOT_COPIED = 20;

  private MigrationPlans() {}

  /**
   * A plan with what its measurement found.
   *
   * @param info what the engine found pending
   * @param scripts the request's scripts, to show their statements
   * @param digest the run digest the approval must carry
   * @param measured the measured plan, or null when none was made
   * @param notMeasured why no measurement could be made (e.g. no CREATEDB), or null
   */
  public static MigrationPlan of(
      MigrationInfo info,
      List<MigrationScript> scripts,
      String digest,
      ImpactPlan measured,
      String notMeasured) {
    Map<String, String> sql =
        scripts.stream()
            .collect(Collectors.toMap(MigrationScript::name, MigrationScript::sql, (a, b) -> a));
    MigrationPlan plan = new MigrationPlan();
    plan.digest = digest;
    List<PendingMigration> pending = info.pending();
    for (PendingMigration p : pending.subList(0, Math.min(MAX_SCRIPTS, pending.size()))) {
      plan.scripts.add(script(p, sql::get));
    }
    plan.moreScripts = pending.size() > MAX_SCRIPTS ? pending.size() - MAX_SCRIPTS : null;
    if (measured != null) {
      plan.measured = true;
      List<Finding> findings = measured.findings();
      for (Finding f : findings.subList(0, Math.min(MAX_FINDINGS, findings.size()))) {
        plan.findings.add(finding(f));
      }
      plan.moreFindings = findings.size() > MAX_FINDINGS ? findings.size() - MAX_FINDINGS : null;
      plan.highestSeverity = measured.highest().map(MigrationPlans::severity).orElse(null);
      List<String> notCopied = measured.notCopied();
      plan.notCopied.addAll(notCopied.subList(0, Math.min(MAX_NOT_COPIED, notCopied.size())));
    } else if (notMeasured != null) {
      plan.measured = false;
      plan.notMeasured = notMeasured;
    }
    return plan;
  }

  /**
   * One clause for a status message about a plan's findings, e.g. {@code 2 finding(s) at or above
   * warning ask for approval, highest error, first: PS102 V2__x.sql:3 ...}; null when there is
   * nothing to say.
   *
   * @param measured the measured plan, or null
   * @param notMeasured why there is no measurement, or null
   * @param threshold the severity that asks for approval with OnRisk
   * @param onRisk whether approval is OnRisk (findings at or above the threshold ask for it)
   */
  /**
   * Whether a plan of approval OnRisk asks for approval: it could not be measured, a finding at or
   * above {@code threshold} is not allowed in its file, or it ran on another major version of
   * PostgreSQL than the target (a risk may be missing from it).
   */
  public static boolean risky(ImpactPlan measured, Severity threshold) {
    return measured == null
        || !measured.gating(threshold).isEmpty()
        || measured.untrusted().isPresent();
  }

  public static String note(
      ImpactPlan measured, String notMeasured, Severity threshold, boolean onRisk) {
    if (measured == null) {
      return notMeasured == null
          ? null
          : "plan not measured: "
              + strip(notMeasured)
              + (onRisk ? "; with approval OnRisk an unknown risk needs approval" : "");
    }
    List<Finding> gating = measured.gating(threshold);
    if (onRisk && gating.isEmpty() && measured.untrusted().isPresent()) {
      return "plan measured on another major version of PostgreSQL than the target's, so a risk"
          + " may be missing from it; with approval OnRisk an unknown risk needs approval: "
          + strip(measured.untrusted().get());
    }
    if (onRisk && !gating.isEmpty()) {
      Finding first = gating.get(0);
      return gating.size()
          + " finding(s) at or above "
          + threshold.label()
          + " ask for approval, highest "
          + measured.highest().map(Severity::label).orElse(threshold.label())
          + "; first: "
          + first.code()
          + " "
          + first.script()
          + ":"
          + first.line()
          + " "
          + cut(first.message(), MAX_STATEMENT_LENGTH);
    }
    if (measured.findings().isEmpty()) {
      return "plan measured: no findings";
    }
    long allowed = measured.findings().stream().filter(Finding::allowed).count();
    return "plan measured: "
        + measured.findings().size()
        + " finding(s)"
        + (allowed == 0 ? "" : ", " + allowed + " allowed in the file")
        + measured.highest().map(h -> ", highest " + h.label()).orElse("")
        + (onRisk ? ", none at or above " + threshold.label() + " that asks for approval" : "");
  }

  private static PlanFinding finding(Finding f) {
    PlanFinding p = new PlanFinding();
    p.code = f.code().name();
    p.slug = f.code().slug();
    p.severity = severity(f.severity());
    p.script = f.script();
    p.line = f.line() > 0 ? f.line() : null;
    p.relation = f.relation();
    p.message = f.message() == null ? null : cut(f.message(), MAX_MESSAGE_LENGTH);
    p.allowedReason = f.allowedReason() == null ? null : cut(f.allowedReason(), MAX_MESSAGE_LENGTH);
    return p;
  }

  /** The API's name of a severity. */
  public static PlanSeverity severity(Severity severity) {
    return switch (severity) {
      case INFO -> PlanSeverity.Info;
      case WARNING -> PlanSeverity.Warning;
      case ERROR -> PlanSeverity.Error;
    };
  }

  private static String strip(String sentence) {
    String s = sentence.strip();
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  private static PlannedScript script(PendingMigration p, Function<String, String> sql) {
    PlannedScript s = new PlannedScript();
    s.version = p.version();
    s.description = p.description();
    s.script = p.script();
    s.checksum = p.checksum();
    s.statementCount = p.statements();
    String text = sql.apply(p.script());
    if (text != null) {
      List<SqlStatement> statements = SqlSplitter.split(text);
      for (SqlStatement st : statements.subList(0, Math.min(MAX_STATEMENTS, statements.size()))) {
        s.statements.add(cut(st.sql().strip()));
      }
    }
    return s;
  }

  private static String cut(String sql) {
    return cut(sql, MAX_STATEMENT_LENGTH);
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }
}
