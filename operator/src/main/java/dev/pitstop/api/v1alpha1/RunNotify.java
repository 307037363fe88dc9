package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * Where and when a DatabaseMigration, SandboxReset or MaintenanceWindow sends a chat message: the
 * same webhook settings as a CleanupSchedule's {@code notify}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunNotify {
  @Required
  @JsonPropertyDescription("Secret key holding a Slack-compatible webhook URL.")
  public CleanupScheduleSpec.SecretKeyRef webhookSecretRef;

  @JsonPropertyDescription(
      "What sends a notification: Success, Failure, Cancelled, ApprovalNeeded (a DatabaseMigration"
          + " waiting for approval). Default: [Failure, Cancelled, ApprovalNeeded].")
  public List<Result> results;

  /** What a notification can be about. */
  public enum Result {
    Success,
    Failure,
    Cancelled,
    ApprovalNeeded
  }
}
