package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.Approval;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.PlanSeverity;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What {@code kubectl pitstop plan} prints from a DatabaseMigration's {@code status.plan}. */
class PluginPlanTest {

  private static String print(DatabaseMigration migration) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PluginCommand.plan(migration, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static DatabaseMigration waiting(DatabaseMigrationStatus.MigrationPlan plan) {
    DatabaseMigration migration = new DatabaseMigration();
    migration.setMetadata(new ObjectMetaBuilder().withName("orders").build());
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    status.message = "1 migration(s) pending: 2";
    status.plan = plan;
    migration.setStatus(status);
    return migration;
  }

  /**
   * {@code approve} of a migration that does not wait for approval says so, instead of "no plan to
   * approve yet" as if one would come; one that waits says what it is doing now.
   */
  @Test
  void approveSaysWhyThereIsNothingToApprove() {
    DatabaseMigration never = waiting(null);
    never.setSpec(new DatabaseMigrationSpec());
    assertThat(PluginCommand.nothingToApprove(never))
        .contains(
            "databasemigration/orders does not wait for approval (spec.approval is unset): its"
                + " migrations apply when due; set spec.approval to OnRisk or Always to review"
                + " plans first; nothing was changed");

    DatabaseMigration always = waiting(null);
    always.setSpec(new DatabaseMigrationSpec());
    always.getSpec().approval = Approval.Always;
    always.getStatus().phase = MigrationPhase.Pending;
    assertThat(PluginCommand.nothingToApprove(always))
        .contains(
            "databasemigration/orders has no plan to approve yet (it is Pending: 1 migration(s)"
                + " pending: 2); nothing was changed");

    DatabaseMigrationStatus.MigrationPlan plan = new DatabaseMigrationStatus.MigrationPlan();
    plan.digest = "abc123";
    DatabaseMigration planned = waiting(plan);
    planned.setSpec(new DatabaseMigrationSpec());
    planned.getSpec().requireApproval = true;
    assertThat(PluginCommand.nothingToApprove(planned)).isEmpty();
  }

  @Test
  void showsEachFindingWithCodeSeverityFileLineMessageAndAllowedReason() {
    DatabaseMigrationStatus.MigrationPlan plan = new DatabaseMigrationStatus.MigrationPlan();
    plan.digest = "abc123";
    plan.measured = true;
    plan.highestSeverity = PlanSeverity.Error;
    DatabaseMigrationStatus.PlanFinding rewrite = new DatabaseMigrationStatus.PlanFinding();
    rewrite.code = "PS102";
    rewrite.slug = "table-rewrite";
    rewrite.severity = PlanSeverity.Error;
    rewrite.script = "V2__orders.sql";
    rewrite.line = 3;
    rewrite.message = "ACCESS EXCLUSIVE on public.orders (12.4M rows, 3.1 GB) while rewriting it";
    DatabaseMigrationStatus.PlanFinding rename = new DatabaseMigrationStatus.PlanFinding();
    rename.code = "PS109";
    rename.severity = PlanSeverity.Warning;
    rename.script = "V2__orders.sql";
    rename.line = 5;
    rename.message = "column public.orders.note is dropped";
    rename.allowedReason = "no release reads it since 4.2";
    plan.findings.add(rewrite);
    plan.findings.add(rename);
    plan.moreFindings = 3;
    plan.notCopied.add("extension postgis");

    String out = print(waiting(plan));

    assertThat(out)
        .contains("databasemigration/orders plan abc123")
        .contains("measured on a scratch copy of the schema: 5 finding(s), highest error")
        .contains(
            "  PS102 table-rewrite error V2__orders.sql:3: ACCESS EXCLUSIVE on public.orders"
                + " (12.4M rows, 3.1 GB) while rewriting it")
        .contains(
            "  PS109 warning V2__orders.sql:5: column public.orders.note is dropped\n"
                + "      allowed: no release reads it since 4.2")
        .contains("... and 3 more finding(s)")
        .contains("extension postgis")
        .contains("approve exactly this plan: kubectl pitstop approve orders");
  }

  @Test
  void saysWhyAPlanWasNotMeasured() {
    DatabaseMigrationStatus.MigrationPlan plan = new DatabaseMigrationStatus.MigrationPlan();
    plan.digest = "abc123";
    plan.measured = false;
    plan.notMeasured = "Role app cannot create the plan's scratch database (it lacks CREATEDB).";

    String out = print(waiting(plan));

    assertThat(out)
        .contains("not measured: Role app cannot create the plan's scratch database")
        .doesNotContain("findings:");
  }
}
