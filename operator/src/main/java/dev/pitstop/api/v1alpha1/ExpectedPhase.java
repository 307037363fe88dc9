package dev.pitstop.api.v1alpha1;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Set;

/**
 * The phases in which a resource has done what its spec asks; the demo and the load test wait for
 * them.
 */
public final class ExpectedPhase {
  private ExpectedPhase() {}

  public static Set<String> of(HasMetadata resource) {
    if (resource instanceof DatabaseMigration dbm) {
      if (Boolean.TRUE.equals(dbm.getSpec().validateOnly)) {
        return Set.of("Planned");
      }
      return Approval.effective(dbm.getSpec().approval, dbm.getSpec().requireApproval)
              == Approval.Never
          ? Set.of("Succeeded")
          : Set.of("WaitingForApproval", "Succeeded");
    }
    if (resource instanceof SandboxReset sbr) {
      if (Boolean.TRUE.equals(sbr.getSpec().dryRun)) {
        return Set.of("Planned");
      }
      return sbr.getSpec().schedule == null
          ? Set.of("Succeeded")
          : Set.of("Scheduled", "Succeeded");
    }
    if (resource instanceof MaintenanceWindow mw) {
      if (Boolean.TRUE.equals(mw.getSpec().active)) {
        return Set.of("Active");
      }
      return mw.getSpec().schedule == null ? Set.of("Idle") : Set.of("Scheduled", "Idle");
    }
    if (resource instanceof CleanupSchedule) {
      return Set.of("Scheduled", "Succeeded");
    }
    return Set.of();
  }
}
