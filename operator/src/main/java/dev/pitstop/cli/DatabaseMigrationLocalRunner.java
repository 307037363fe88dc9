package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.ImpactPlanner;
import dev.pitstop.migration.impact.ScratchServer;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.reconciler.databasemigration.model.MigrationPlans;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests.Gate;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs a DatabaseMigration once for {@code pitstop run -f}: the request the reconciler would build,
 * the same engine, and the same status computation, so the printed status is what the operator
 * would write. {@code validateOnly} and unapproved {@code approval: Always} (or {@code
 * requireApproval}) plan only, measured on a scratch copy; unapproved {@code approval: OnRisk}
 * plans and applies unless the plan finds a risk that asks for approval; a maintenance window is
 * not checked (there is no cluster to read it from), which is said on stderr.
 */
public final class DatabaseMigrationLocalRunner implements LocalRunner<DatabaseMigration> {
  private static final String HOW_TO_APPROVE = "pitstop run -f ... --approve";
  private static final Duration PLAN_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The plan's scratch server: spec.planDatabase from the manifest's Secrets, else the target. */
  private static ScratchServer scratchServer(DatabaseMigration resource, LocalContext context) {
    DatabaseRef ref = resource.getSpec().planDatabase;
    ConnectionSettings settings;
    if (ref == null) {
      settings = context.settings();
    } else {
      try {
        settings = DatabaseTargets.settings(resource, ref, "spec.planDatabase", context.secrets());
      } catch (SpecException e) {
        throw new UsageException(e.getMessage());
      }
    }
    return new ScratchServer(settings, PLAN_CONNECT_TIMEOUT);
  }

  @Override
  public Class<DatabaseMigration> type() {
    return DatabaseMigration.class;
  }

  @Override
  public int run(DatabaseMigration resource, LocalContext context) {
    MigrationRequests prepared;
    try {
      prepared = MigrationRequests.prepare(resource, context.configMaps());
    } catch (SpecException e) {
      throw new UsageException(e.getMessage());
    }
    DatabaseMigrationSpec spec = resource.getSpec();
    long generation = resource.getMetadata().getGeneration();
    DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    resource.setStatus(status);
    MigrationStatuses.newRequest(
        status,
        generation,
        MigrationRequests.annotation(resource, Pitstop.RUN_REQUESTED_AT),
        resource.getSpec().runRequestId,
        prepared.sourceDigest(),
        prepared.runDigest());
    if (spec.maintenanceWindowRef != null && spec.maintenanceWindowRef.name != null) {
      context
          .err()
          .println(
              "warning: spec.maintenanceWindowRef ("
                  + spec.maintenanceWindowRef.name
                  + ") is not checked in local runs; running now");
    }
    boolean approved =
        context.approve()
            || MigrationRequests.approved(resource, prepared.runDigest())
            || MigrationRequests.approved(resource, prepared.earlierRunDigest());
    Gate gate = MigrationRequests.gate(spec, approved);
    ScratchServer scratch = gate.measures() ? scratchServer(resource, context) : null;
    MigrationStatuses.started(
        status, gate != Gate.APPLY, context.settings().describe(), generation, Instant.now());
    context.out().println(status.message);
    MigrationRequest request = prepared.request();
    MigrationEngine engine = new MigrationEngine(context.dataSource());
    boolean onRisk = MigrationRequests.onRisk(spec);
    Severity threshold = MigrationRequests.threshold(spec);
    try {
      ImpactPlan measured = null;
      String notMeasured = null;
      if (gate.measures()) {
        try {
          measured = new ImpactPlanner(context.dataSource(), scratch).plan(request);
        } catch (MigrationException e) {
          if (e.code() != ErrorCode.PLAN_SCRATCH_UNAVAILABLE) {
            throw e;
          }
          notMeasured = e.getMessage();
          context.err().println("warning: the plan is not measured: " + notMeasured);
        }
      }
      boolean applies =
          gate == Gate.APPLY
              || (gate == Gate.PLAN_THEN_APPLY
                  && measured != null
                  && measured.gating(threshold).isEmpty());
      if (!applies) {
        MigrationInfo plan = measured != null ? measured.info() : engine.info(request);
        boolean awaitingApproval =
            MigrationRequests.asksApproval(spec, approved)
                && (!onRisk || measured == null || !measured.gating(threshold).isEmpty());
        MigrationStatuses.planned(
            status,
            plan,
            MigrationPlans.of(plan, request.scripts(), prepared.runDigest(), measured, notMeasured),
            awaitingApproval,
            MigrationPlans.note(measured, notMeasured, threshold, onRisk),
            HOW_TO_APPROVE,
            generation,
            Instant.now());
        if (!plan.pending().isEmpty()) {
          MigrateCommand.pendingTable(plan.pending()).print(context.out(), "  ");
        }
        context.out().println(status.message);
        return plan.issues().isEmpty() ? Command.OK : Command.FAILED;
      }
      MigrateResult result;
      try (MigrationProgressPrinter progress = new MigrationProgressPrinter(context.out())) {
        result = engine.migrate(request, progress);
      }
      MigrationStatuses.succeeded(
          status,
          result,
          measured == null ? null : MigrationPlans.note(measured, null, threshold, onRisk),
          generation,
          Instant.now());
      context.out().println(status.message);
      return Command.OK;
    } catch (MigrationException e) {
      MigrationStatuses.failedWithoutRetry(status, e, generation, Instant.now());
      return MigrationErrorReport.print(RunCommand.NAME, e, context.err());
    }
  }
}
