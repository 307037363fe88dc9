package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a CleanupSchedule. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class CleanupScheduleStatus extends ScheduledStatus {
  @JsonPropertyDescription("Scheduled, WaitingForWindow, Running, Succeeded or Failed.")
  public CleanupPhase phase;

  @JsonPropertyDescription("Next fire time of the schedule (RFC 3339).")
  public String nextRunTime;

  @JsonPropertyDescription("When a run last succeeded (RFC 3339).")
  public String lastSuccessfulTime;

  @JsonPropertyDescription(
      "Written by earlier operator versions (which ran on spec changes); read once to adopt the"
          + " resource's run requests, then removed.")
  public String observedSpecDigest;

  @JsonPropertyDescription(
      "The value of spec.runRequestId that was last acted on (a new value requests a run, also"
          + " while suspended).")
  public String observedRunRequestId;

  @JsonPropertyDescription("Live progress of the running cleanup.")
  public CleanupRun progress;

  @JsonPropertyDescription("The last finished run.")
  public CleanupRun lastRun;

  @JsonPropertyDescription("Recent runs, newest first, at most spec.historyLimit.")
  @Size(max = 100)
  public List<CleanupRun> history = new ArrayList<>();

  /** One run of a cleanup. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class CleanupRun extends KeepsUnknownFields {
    @JsonPropertyDescription("When the run started (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When the run ended (RFC 3339).")
    public String completionTime;

    @JsonPropertyDescription("How long the run took.")
    public Long durationMs;

    @JsonPropertyDescription(
        "The schedule's fire time this entry is about; empty for on-demand runs.")
    public String scheduledTime;

    @JsonPropertyDescription(
        "What started the run: Schedule, RunRequested (annotation) or RunRequestId (spec.runRequestId).")
    public String trigger;

    @JsonPropertyDescription("Succeeded, Failed, Incomplete, Missed or Skipped.")
    public RunResult result;

    @JsonPropertyDescription("Whether this was a dry run (nothing deleted).")
    public Boolean dryRun;

    @JsonPropertyDescription("Rows deleted by all rules.")
    public Long rowsDeleted;

    @JsonPropertyDescription("One sentence about the run.")
    public String message;

    @JsonPropertyDescription("Per-rule results.")
    @Size(max = 100)
    public List<RuleResult> rules = new ArrayList<>();

    @JsonPropertyDescription("Tables VACUUM (ANALYZE) ran on after the run.")
    @Size(max = 100)
    public List<String> vacuumed = new ArrayList<>();
  }

  /** What one rule did in a run. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RuleResult extends KeepsUnknownFields {
    @JsonPropertyDescription("Rule name.")
    public String name;

    @JsonPropertyDescription("Table, schema-qualified.")
    public String table;

    @JsonPropertyDescription(
        "How the rule ended: Done, Counted (dry run), MaxDuration, Busy, LockHeld, Interrupted,"
            + " Failed or Running.")
    public String state;

    @JsonPropertyDescription(
        "Rows that matched the rule: the count in a dry run, else deleted plus remaining.")
    public Long matched;

    @JsonPropertyDescription("Rows deleted.")
    public Long deleted;

    @JsonPropertyDescription("Rows still matching when the run stopped at maxDuration.")
    public Long remaining;

    @JsonPropertyDescription("Batches run.")
    public Integer batches;

    @JsonPropertyDescription("Time spent on the rule.")
    public Long durationMs;

    @JsonPropertyDescription("The longest batch transaction of the rule.")
    public Long longestBatchMs;

    @JsonPropertyDescription("Why the rule stopped early or left rows, e.g. rows locked by others.")
    public String message;

    @JsonPropertyDescription("Why the rule failed or was refused.")
    public String error;

    @JsonPropertyDescription(
        "Rows other tables lost or had changed through foreign keys (ON DELETE CASCADE, followed"
            + " on; SET NULL; SET DEFAULT) when the rule's rows were deleted; in a dry run, what"
            + " deleting them would do. At most 20 tables, those with the most rows first.")
    @Size(max = 100)
    public List<CascadeResult> cascades;
  }

  /** What a rule's deletes did to one table through foreign keys. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CascadeResult extends KeepsUnknownFields {
    @JsonPropertyDescription("Table, schema-qualified (the rule's own when a key references it).")
    public String table;

    @JsonPropertyDescription("Rows deleted by ON DELETE CASCADE (in a dry run: would be).")
    public Long deleted;

    @JsonPropertyDescription(
        "Rows whose reference was set to NULL or its default (ON DELETE SET NULL / SET DEFAULT).")
    public Long nulled;
  }
}
