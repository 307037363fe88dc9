package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a MaintenanceWindow. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class MaintenanceWindowStatus extends PitstopStatus {
  @JsonPropertyDescription("Idle, Scheduled, Draining, Active, Restoring or Failed.")
  public WindowPhase phase;

  @JsonPropertyDescription("running, waiting_for_maintenance or maintenance.")
  public MaintenanceMode mode;

  @JsonPropertyDescription("When the current or last window opened (RFC 3339).")
  public String windowStart;

  @JsonPropertyDescription("When the current or last window ends (RFC 3339).")
  public String windowEnd;

  @JsonPropertyDescription("When the next scheduled window opens (RFC 3339).")
  public String nextWindowStart;

  @JsonPropertyDescription(
      "Which window the current or last drain belongs to: schedule@<start> for a scheduled window,"
          + " on-demand@<windowGeneration>/<run request> for active: true.")
  public String windowId;

  @JsonPropertyDescription(
      "The window the annotation pitstop.dev/cancel closed: it stays closed (restored) although"
          + " active or the schedule would keep it open; the next window opens as usual.")
  public String cancelledWindowId;

  @JsonPropertyDescription(
      "metadata.generation of the last spec change other than notify: the <generation> in an"
          + " on-demand windowId, so editing notify opens no new window.")
  public Long windowGeneration;

  @JsonPropertyDescription("A digest of the spec without notify, to tell such changes apart.")
  public String specDigest;

  @JsonPropertyDescription(
      "The database the open window acted on, recorded before it changes anything there: it is"
          + " restored there and nowhere else, even if spec.database or its Secret points"
          + " elsewhere meanwhile. No credentials.")
  public DatabaseRecord database;

  @JsonPropertyDescription("Drain progress and what was recorded for the restore.")
  public DrainStatus drain;

  @JsonPropertyDescription("Operations running inside the window, as Kind/name.")
  public List<String> holders = new ArrayList<>();

  /** Where a window's database is: server and database name, never credentials. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DatabaseRecord extends KeepsUnknownFields {
    @JsonPropertyDescription("host:port of the server (several, comma-separated, for a list).")
    public String server;

    @JsonPropertyDescription("Name of the database.")
    public String name;
  }

  /** Drain progress and recorded originals. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DrainStatus extends KeepsUnknownFields {
    @JsonPropertyDescription("Sessions of the drained roles still open.")
    public Integer activeConnections;

    @JsonPropertyDescription("Latest value of the tasks query.")
    public Long pendingTasks;

    @JsonPropertyDescription("Selected Jobs with active pods.")
    public Integer activeJobs;

    @JsonPropertyDescription("Pods of scaled workloads still present.")
    public Integer remainingPods;

    @JsonPropertyDescription(
        "Drain step in progress: announce, workloads or database; restore while restoring.")
    public String step;

    @JsonPropertyDescription("When draining began; drain.timeout counts from here (RFC 3339).")
    public String startedAt;

    @JsonPropertyDescription(
        "When the current step began; the connections' gracePeriod counts from the start of the"
            + " database step (RFC 3339).")
    public String stepStartedAt;

    @JsonPropertyDescription("Sessions terminated after the grace period.")
    public Integer terminatedSessions;

    @JsonPropertyDescription("Scaled workloads and their original replicas.")
    public List<WorkloadRecord> workloads = new ArrayList<>();

    @JsonPropertyDescription("Suspended CronJobs and their original suspend flag.")
    public List<CronJobRecord> cronJobs = new ArrayList<>();

    @JsonPropertyDescription("Blocked roles and their original connection limit.")
    public List<RoleRecord> roles = new ArrayList<>();
  }

  /** A scaled workload. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class WorkloadRecord extends KeepsUnknownFields {
    @JsonPropertyDescription("Deployment or StatefulSet.")
    public String kind;

    @JsonPropertyDescription("Name of the workload.")
    public String name;

    @JsonPropertyDescription("Replicas before the window; restored afterwards.")
    public Integer originalReplicas;

    @JsonPropertyDescription(
        "metadata.uid of the object recorded; an object of the same name with another uid was"
            + " re-created during the window and is a new object.")
    public String uid;
  }

  /** A suspended CronJob. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CronJobRecord extends KeepsUnknownFields {
    @JsonPropertyDescription("Name of the CronJob.")
    public String name;

    @JsonPropertyDescription("spec.suspend before the window; restored afterwards.")
    public Boolean originalSuspend;

    @JsonPropertyDescription(
        "metadata.uid of the CronJob recorded; one of the same name with another uid was"
            + " re-created during the window and is a new object.")
    public String uid;
  }

  /** A blocked role. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RoleRecord extends KeepsUnknownFields {
    @JsonPropertyDescription("Role name.")
    public String name;

    @JsonPropertyDescription(
        "Written by earlier versions only (rolconnlimit when the window was announced). The limit"
            + " before the block is now recorded in the database, table pitstop_blocked_roles.")
    public Integer originalConnectionLimit;
  }
}
