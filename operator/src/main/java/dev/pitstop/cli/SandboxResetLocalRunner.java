package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reconciler.sandboxreset.model.ResetRequests;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetPlan;
import dev.pitstop.reset.ResetResult;
import java.time.Instant;

/**
 * Runs a SandboxReset manifest once, now, for {@code pitstop run -f}: the reconciler's engine and
 * status computation, progress printed as it goes. A schedule is ignored (the run happens once). A
 * termination signal rolls the reset back and prints the outcome, as for {@code pitstop reset}.
 */
public final class SandboxResetLocalRunner implements LocalRunner<SandboxReset> {

  @Override
  public Class<SandboxReset> type() {
    return SandboxReset.class;
  }

  @Override
  public int run(SandboxReset resource, LocalContext context) {
    ResetRequests specs;
    try {
      specs = ResetRequests.prepare(resource, context.configMaps());
    } catch (SpecException e) {
      throw new UsageException(e.getMessage());
    }
    if (specs.schedule() != null) {
      context.err().println("note: spec.schedule is ignored; run -f resets once, now");
    }
    if (resource.getStatus() == null) {
      resource.setStatus(new SandboxResetStatus());
    }
    SandboxResetStatus status = resource.getStatus();
    Long generationValue = resource.getMetadata().getGeneration();
    long generation = generationValue == null ? 1 : generationValue;
    status.observedGeneration = generation;
    WorkSessions sessions = new WorkSessions(context.dataSource());
    ResetEngine engine = new ResetEngine(sessions);
    Instant start = Instant.now();
    if (ResetRequests.isDryRun(resource)) {
      try {
        ResetPlan plan = engine.plan(specs.request());
        ResetReport.plan(plan, context.out());
        ResetStatuses.planned(status, plan, generation, Instant.now());
        return Command.OK;
      } catch (ResetException e) {
        return failed(e, status, start, generation, context);
      }
    }
    return ResetOnSignal.run(
        sessions,
        context.err(),
        "pitstop run",
        () -> {
          try {
            ResetResult result = engine.reset(specs.request(), ResetReport.progress(context.out()));
            ResetReport.result(result, context.out());
            ResetStatuses.succeeded(status, result, false, null, start, generation, Instant.now());
            return Command.OK;
          } catch (ResetException e) {
            return failed(e, status, start, generation, context);
          }
        });
  }

  private static int failed(
      ResetException e,
      SandboxResetStatus status,
      Instant start,
      long generation,
      LocalContext context) {
    if (e.code().isBadInput()) {
      throw new UsageException(e.getMessage());
    }
    ResetStatuses.failed(status, e, null, start, generation, Instant.now());
    context.err().println(status.message);
    return Command.FAILED;
  }
}
