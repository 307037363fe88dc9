package dev.pitstop.reconciler.databasemigration.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.MigrationPlan;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.PlanFinding;
import dev.pitstop.api.v1alpha1.PlanSeverity;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.FindingCode;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ScriptImpact;
import dev.pitstop.migration.impact.Severity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationPlansTest {

  @Test
  void showsTheDigestAndTheFirstStatementsOfEachPendingScriptWithinBounds() {
    List<MigrationScript> scripts = new ArrayList<>();
    List<PendingMigration> pending = new ArrayList<>();
    for (int v = 1; v <= 25; v++) {
      String name = "V" + v + "__step.sql";
      StringBuilder sql = new StringBuilder();
      for (int i = 0; i < 7; i++) {
        sql.append("INSERT INTO t VALUES (").append(i).append(");\n");
      }
      if (v == 1) {
        sql.append("SELECT '").append("x".repeat(1000)).append("';\n");
      }
      scripts.add(new MigrationScript(name, sql.toString()));
      pending.add(new PendingMigration(String.valueOf(v), "step", name, v, 7, true, false));
    }
    MigrationInfo info =
        new MigrationInfo("pitstop_schema_history", true, null, List.of(), pending, List.of());

    MigrationPlan plan = MigrationPlans.of(info, scripts, "d1g35t", null, null);

    assertThat(plan.digest).isEqualTo("d1g35t");
    assertThat(plan.scripts).hasSize(MigrationPlans.MAX_SCRIPTS);
    assertThat(plan.moreScripts).isEqualTo(5);
    assertThat(plan.scripts.get(0).script).isEqualTo("V1__step.sql");
    assertThat(plan.scripts.get(0).statementCount).isEqualTo(7);
    assertThat(plan.scripts.get(0).statements)
        .hasSize(MigrationPlans.MAX_STATEMENTS)
        .startsWith("INSERT INTO t VALUES (0)");
    assertThat(plan.scripts.get(19).version).isEqualTo("20");
  }

  @Test
  void cutsALongStatementAndMarksIt() {
    String name = "V1__big.sql";
    String sql = "SELECT '" + "x".repeat(1000) + "';";
    MigrationInfo info =
        new MigrationInfo(
            "h",
            true,
            null,
            List.of(),
            List.of(new PendingMigration("1", "big", name, 1, 1, true, false)),
            List.of());

    MigrationPlan plan =
        MigrationPlans.of(info, List.of(new MigrationScript(name, sql)), "d", null, null);

    String shown = plan.scripts.get(0).statements.get(0);
    assertThat(shown).hasSize(MigrationPlans.MAX_STATEMENT_LENGTH).endsWith("…");
    assertThat(sql).startsWith(shown.substring(0, shown.length() - 1));
    assertThat(plan.moreScripts).isNull();
  }

  private static Finding finding(int i, Severity severity, String allowedReason) {
    return new Finding(
        FindingCode.PS102,
        severity,
        "V2__orders.sql",
        1,
        3,
        "public.orders",
        "ACCESS EXCLUSIVE on public.orders (12.4M rows, 3.1 GB) while rewriting it " + i,
        allowedReason);
  }

  @Test
  void aMeasuredPlanListsItsFindingsWithinBoundsAndTheHighestNotAllowedSeverity() {
    String name = "V2__orders.sql";
    PendingMigration pending = new PendingMigration("2", "orders", name, 1, 1, true, false);
    MigrationInfo info = new MigrationInfo("h", true, "1", List.of(), List.of(pending), List.of());
    List<Finding> findings = new ArrayList<>();
    findings.add(finding(0, Severity.ERROR, "the table is empty in every environment"));
    for (int i = 1; i < 55; i++) {
      findings.add(finding(i, Severity.WARNING, null));
    }
    ImpactPlan measured =
        new ImpactPlan(info, List.of(), findings, "app@db:5432", List.of("extension postgis"));

    MigrationPlan plan =
        MigrationPlans.of(
            info,
            List.of(new MigrationScript(name, "ALTER TABLE orders ALTER id TYPE bigint;")),
            "d",
            measured,
            null);

    assertThat(plan.measured).isTrue();
    assertThat(plan.notMeasured).isNull();
    assertThat(plan.findings).hasSize(MigrationPlans.MAX_FINDINGS);
    assertThat(plan.moreFindings).isEqualTo(5);
    PlanFinding first = plan.findings.get(0);
    assertThat(first.code).isEqualTo("PS102");
    assertThat(first.slug).isEqualTo("table-rewrite");
    assertThat(first.severity).isEqualTo(PlanSeverity.Error);
    assertThat(first.script).isEqualTo(name);
    assertThat(first.line).isEqualTo(3);
    assertThat(first.relation).isEqualTo("public.orders");
    assertThat(first.message).contains("12.4M rows, 3.1 GB");
    assertThat(first.allowedReason).isEqualTo("the table is empty in every environment");
    assertThat(plan.highestSeverity)
        .as("the allowed error does not count")
        .isEqualTo(PlanSeverity.Warning);
    assertThat(plan.notCopied).containsExactly("extension postgis");

    assertThat(MigrationPlans.note(measured, null, Severity.WARNING, true))
        .startsWith("54 finding(s) at or above warning ask for approval, highest warning; first:")
        .contains("PS102 V2__orders.sql:3");
    assertThat(MigrationPlans.note(measured, null, Severity.ERROR, true))
        .isEqualTo(
            "plan measured: 55 finding(s), 1 allowed in the file, highest warning, none at or"
                + " above error that asks for approval");
  }

  @Test
  void aPlanThatCouldNotBeMeasuredSaysWhy() {
    MigrationInfo info = new MigrationInfo("h", true, null, List.of(), List.of(), List.of());
    String why =
        "Role app cannot create the plan's scratch database on db:5432 (it lacks CREATEDB); grant"
            + " it (ALTER ROLE app CREATEDB) or name another server for plans; nothing was changed.";

    MigrationPlan plan = MigrationPlans.of(info, List.of(), "d", null, why);

    assertThat(plan.measured).isFalse();
    assertThat(plan.notMeasured).isEqualTo(why);
    assertThat(plan.findings).isEmpty();
    assertThat(MigrationPlans.note(null, why, Severity.WARNING, true))
        .startsWith("plan not measured: Role app cannot create")
        .endsWith("nothing was changed; with approval OnRisk an unknown risk needs approval");
    assertThat(MigrationPlans.of(info, List.of(), "d", null, null).measured)
        .as("a plan nobody asked to measure says nothing about it")
        .isNull();
  }

  /**
   * OnRisk asks for approval of a plan measured on another major version of PostgreSQL than the
   * target's even without findings: a risk may be missing from it, as from an unmeasured plan. With
   * nothing to apply, there is nothing to ask about.
   */
  @Test
  void aPlanFromAnotherMajorVersionIsAnUnknownRiskWhileThereIsSomethingToApply() {
    PendingMigration pending =
        new PendingMigration("2", "orders", "V2__orders.sql", 1, 1, true, false);
    MigrationInfo info = new MigrationInfo("h", true, "1", List.of(), List.of(pending), List.of());
    ScriptImpact script = new ScriptImpact("2", "V2__orders.sql", true, List.of());
    String otherVersion = "PostgreSQL 15 of the target: the copy is on PostgreSQL 16";
    ImpactPlan sameVersion =
        new ImpactPlan(info, List.of(script), List.of(), "app@db:5432", List.of());
    ImpactPlan other =
        new ImpactPlan(
            info, List.of(script), List.of(), "app@db:5432", List.of(otherVersion), otherVersion);
    ImpactPlan nothingToApply =
        new ImpactPlan(
            info, List.of(), List.of(), "app@db:5432", List.of(otherVersion), otherVersion);

    assertThat(MigrationPlans.risky(sameVersion, Severity.WARNING)).isFalse();
    assertThat(MigrationPlans.risky(other, Severity.ERROR)).isTrue();
    assertThat(MigrationPlans.risky(nothingToApply, Severity.INFO)).isFalse();
    assertThat(MigrationPlans.risky(null, Severity.ERROR)).as("not measured").isTrue();
    assertThat(MigrationPlans.note(other, null, Severity.WARNING, true))
        .startsWith("plan measured on another major version of PostgreSQL than the target's")
        .contains("an unknown risk needs approval")
        .endsWith(otherVersion);
  }
}
