package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Observed state of a SandboxReset. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class SandboxResetStatus extends ScheduledStatus {
  @JsonPropertyDescription(
      "Pending, Planned, WaitingForWindow, Resetting, Seeding, Succeeded, Failed or Scheduled.")
  public ResetPhase phase;

  @JsonPropertyDescription("The deletion plan computed from the live foreign-key graph.")
  public ResetPlan plan;

  @JsonPropertyDescription("Live progress of the running reset.")
  public ResetProgress progress;

  @JsonPropertyDescription("The last finished run.")
  public ResetRun lastRun;

  @JsonPropertyDescription("Next fire time of the schedule (RFC 3339).")
  public String nextRunTime;

  @JsonPropertyDescription("The last 5 runs, newest first.")
  @Size(max = 5)
  public List<ResetRun> history = new ArrayList<>();

  @JsonPropertyDescription("Where the last run failed: the table or seed file, and why.")
  public ResetFailure failure;

  @JsonPropertyDescription(
      "The value of spec.runRequestId that was last acted on (a new value requests a run, also"
          + " when a schedule is set).")
  public String observedRunRequestId;

  @JsonPropertyDescription(
      "Digest of what the last requested run did (database, schemas, kept tables and rows,"
          + " strategy, the seeds' scripts and their content, dryRun), the same whatever order the"
          + " schemas, kept tables and rows and seed sources are written in. Without a schedule, a"
          + " new value runs the reset again; an edit of a setting only (lockTimeout, schedule"
          + " fields, maintenanceWindowRef) does not, nor does taking spec.runRequestId out.")
  public String observedRunDigest;

  /** The computed deletion plan. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class ResetPlan extends KeepsUnknownFields {
    @JsonPropertyDescription("Tables in deletion order, children before parents.")
    @Size(max = 100)
    public List<String> order = new ArrayList<>();

    @JsonPropertyDescription(
        "Partitions of the emptied partitioned tables, one line per partitioned table; they are"
            + " emptied with it.")
    @Size(max = 100)
    public List<String> partitions = new ArrayList<>();

    @JsonPropertyDescription("Tables that are kept.")
    @Size(max = 100)
    public List<String> preserved = new ArrayList<>();

    @JsonPropertyDescription(
        "Effects worth knowing, e.g. a preserveTables entry matching no table or a sequence left"
            + " alone because a kept table uses it.")
    @Size(max = 100)
    public List<String> warnings = new ArrayList<>();

    @JsonPropertyDescription(
        "Rows per emptied table: counted when planned (dryRun), deleted when run.")
    public Map<String, Long> rowCounts;

    @JsonPropertyDescription("Rows kept per table (preserveRows and the rows they reference).")
    public Map<String, Long> keptRows;

    @JsonPropertyDescription(
        "Foreign keys from kept tables (preserved, or in other schemas) into emptied tables.")
    @Size(max = 100)
    public List<String> references = new ArrayList<>();

    @JsonPropertyDescription(
        "How foreign-key cycles are handled: constraints deferred, or keys set to NULL first.")
    @Size(max = 100)
    public List<String> cycles = new ArrayList<>();

    @JsonPropertyDescription("Seed scripts, in the order they run.")
    @Size(max = 100)
    public List<String> seeds = new ArrayList<>();
  }

  /** Progress of a running reset. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResetProgress extends KeepsUnknownFields {
    @JsonPropertyDescription("Table being emptied, or the seed file being run.")
    public String table;

    @JsonPropertyDescription("Tables emptied so far.")
    public Integer tablesDone;

    @JsonPropertyDescription("Tables to empty.")
    public Integer tablesTotal;

    @JsonPropertyDescription("Rows deleted so far.")
    public Long rowsDeleted;
  }

  /** One run of a reset. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResetRun extends KeepsUnknownFields {
    @JsonPropertyDescription("When the run started (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When the run ended (RFC 3339).")
    public String completionTime;

    @JsonPropertyDescription("Duration in milliseconds.")
    public Long durationMs;

    @JsonPropertyDescription("Rows deleted.")
    public Long rowsDeleted;

    @JsonPropertyDescription("Succeeded, Failed, Missed or Skipped.")
    public RunResult result;

    @JsonPropertyDescription("One sentence about the run, e.g. why it failed.")
    public String message;

    @JsonPropertyDescription("The schedule's fire time this run was for, if it was scheduled.")
    public String scheduleTime;
  }

  /** Where a run failed; everything it did was rolled back. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResetFailure extends KeepsUnknownFields {
    @JsonPropertyDescription("The table being emptied when it failed.")
    public String table;

    @JsonPropertyDescription("The seed file being run when it failed.")
    public String seed;

    @JsonPropertyDescription("Line of the failing statement in the seed file.")
    public Integer line;

    @JsonPropertyDescription("The constraint the server named, if any.")
    public String constraint;

    @JsonPropertyDescription("SQLSTATE of the error.")
    public String sqlState;

    @JsonPropertyDescription("What went wrong.")
    public String message;
  }
}
