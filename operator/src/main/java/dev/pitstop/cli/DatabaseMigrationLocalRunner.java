package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.migration.MigrateResult;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.reconciler.databasemigration.model.MigrationPlans;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests;
import dev.pitstop.reconciler.databasemigration.model.MigrationStatuses;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Instant;

/**
 * Runs a DatabaseMigration once for {@code pitstop run -f}: the request the reconciler would build,
 * the same engine, and the same status computation, so the printed status is what the operator
 * would write. {@code validateOnly} and unapproved {@code requireApproval} plan only; a maintenance
 * window is not checked (there is no cluster to read it from), which is said on stderr.
 */
public final class DatabaseMigrationLocalRunner implements LocalRunner<DatabaseMigration> {
  private static final String HOW_TO_APPROVE = "pitstop run -f ... --approve";

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
        context.approve() || MigrationRequests.approved(resource, prepared.runDigest());
    boolean planOnly = MigrationRequests.planOnly(spec, approved);
    MigrationStatuses.started(
        status, planOnly, context.settings().describe(), generation, Instant.now());
    context.out().println(status.message);
    MigrationRequest request = prepared.request();
    MigrationEngine engine = new MigrationEngine(context.dataSource());
    try {
      if (planOnly) {
        MigrationInfo plan = engine.info(request);
        boolean awaitingApproval = Boolean.TRUE.equals(spec.requireApproval) && !approved;
        MigrationStatuses.planned(
            status,
            plan,
            MigrationPlans.of(plan, request.scripts(), prepared.runDigest()),
            awaitingApproval,
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
      MigrationStatuses.succeeded(status, result, generation, Instant.now());
      context.out().println(status.message);
      return Command.OK;
    } catch (MigrationException e) {
      MigrationStatuses.failedWithoutRetry(status, e, generation, Instant.now());
      return MigrationErrorReport.print(RunCommand.NAME, e, context.err());
    }
  }
}
