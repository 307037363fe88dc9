package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a DatabaseMigration. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class DatabaseMigrationStatus extends PitstopStatus {
  @JsonPropertyDescription(
      "Pending, Planned, WaitingForApproval, WaitingForWindow, Migrating, Succeeded or Failed.")
  public MigrationPhase phase;

  @JsonPropertyDescription(
      "Digest of the migration files the last run used; a change (e.g. a ConfigMap edit) starts"
          + " a new run.")
  public String observedSourceDigest;

  @JsonPropertyDescription(
      "Digest of what the last requested run does: the scripts and their content, the database,"
          + " historyTable, targetVersion, outOfOrder, onChecksumMismatch, skipDefaultCallbacks,"
          + " the placeholder and baseline settings and validateOnly. A new value runs again; an"
          + " edit of a setting only (lockTimeout, statementTimeout, requireApproval, approval,"
          + " approvalSeverity, planDatabase, maintenanceWindowRef, notify) does not.")
  public String observedRunDigest;

  @JsonPropertyDescription(
      "The value of spec.runRequestId that was last acted on (a new value requests a run; taking"
          + " it out requests nothing).")
  public String observedRunRequestId;

  @JsonPropertyDescription("Highest applied version.")
  public String currentVersion;

  @JsonPropertyDescription("Number of successfully applied migrations in the history table.")
  public Integer appliedCount;

  @JsonPropertyDescription("Number of migrations still to apply.")
  public Integer pendingCount;

  @JsonPropertyDescription("Live progress of the running migration.")
  public MigrationProgress progress;

  @JsonPropertyDescription("Versions still to apply (repeatables by description).")
  @Size(max = 50)
  public List<String> pending = new ArrayList<>();

  @JsonPropertyDescription(
      "What a run would apply, shown after a plan (validateOnly, or approval before it is"
          + " given): the digest to approve with the annotation pitstop.dev/approve, the pending"
          + " scripts with their first statements, and the findings measured on a scratch copy of"
          + " the schema.")
  public MigrationPlan plan;

  @JsonPropertyDescription("Migrations applied by the last run.")
  @Size(max = 50)
  public List<AppliedMigration> lastApplied = new ArrayList<>();

  @JsonPropertyDescription("Why the last run failed.")
  public MigrationFailure failure;

  @JsonPropertyDescription("Set while waiting for another runner's advisory lock.")
  public LockHolder lock;

  /** A plan: the digest to approve and the scripts it applies. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class MigrationPlan extends KeepsUnknownFields {
    @JsonPropertyDescription(
        "Digest of what the run applies: the scripts and their content, the database and the"
            + " settings that change which SQL runs. pitstop.dev/approve must carry this value;"
            + " any change to that content needs a new approval.")
    public String digest;

    @JsonPropertyDescription("The pending scripts in the order they apply (at most 20).")
    @Size(max = 20)
    public List<PlannedScript> scripts = new ArrayList<>();

    @JsonPropertyDescription("Pending scripts not listed in scripts.")
    public Integer moreScripts;

    @JsonPropertyDescription(
        "Whether each pending statement was run and measured on a scratch copy of the target's"
            + " schema (locks, rewrites, index builds, validations, sized by the target).")
    public Boolean measured;

    @JsonPropertyDescription(
        "Why the plan could not be measured, e.g. the role lacks CREATEDB; empty when measured.")
    public String notMeasured;

    @JsonPropertyDescription(
        "The risks found, allowed ones included, in script and statement order (at most 50).")
    @Size(max = 50)
    public List<PlanFinding> findings = new ArrayList<>();

    @JsonPropertyDescription("Findings not listed in findings.")
    public Integer moreFindings;

    @JsonPropertyDescription(
        "The highest severity among findings not allowed in the file: Info, Warning or Error.")
    public PlanSeverity highestSeverity;

    @JsonPropertyDescription(
        "How the scratch copy differs from the target (at most 20): objects of its schema the"
            + " copy could not reproduce, as 'kind name', and its server version, encoding, locale"
            + " or settings where the copy's differ; statements depending on them may fail or"
            + " pass on the copy unlike on the target.")
    @Size(max = 20)
    public List<String> notCopied = new ArrayList<>();
  }

  /** One risk a measured plan found. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class PlanFinding extends KeepsUnknownFields {
    @JsonPropertyDescription("Finding code, e.g. PS102 (see the migration lint documentation).")
    public String code;

    @JsonPropertyDescription("Short name of the code, e.g. table-rewrite.")
    public String slug;

    @JsonPropertyDescription("Info, Warning or Error.")
    public PlanSeverity severity;

    @JsonPropertyDescription("File name of the migration.")
    public String script;

    @JsonPropertyDescription("1-based line in the file where the statement starts.")
    public Integer line;

    @JsonPropertyDescription("The table or index concerned, as named on the target.")
    public String relation;

    @JsonPropertyDescription(
        "What was measured and what it does, sized by the target (cut at 500 characters).")
    public String message;

    @JsonPropertyDescription(
        "The reason of a '-- pitstop:allow <code> <reason>' comment accepting it in the file;"
            + " an allowed finding never asks for approval.")
    public String allowedReason;
  }

  /** One pending script of a plan. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class PlannedScript extends KeepsUnknownFields {
    @JsonPropertyDescription("Version; empty for a repeatable script.")
    public String version;

    @JsonPropertyDescription("Description from the file name.")
    public String description;

    @JsonPropertyDescription("File name.")
    public String script;

    @JsonPropertyDescription("Flyway-compatible checksum of the file.")
    public Integer checksum;

    @JsonPropertyDescription("Number of statements in the file.")
    public Integer statementCount;

    @JsonPropertyDescription(
        "The first statements (at most 5, each cut at 300 characters, marked with an ellipsis).")
    @Size(max = 5)
    public List<String> statements = new ArrayList<>();
  }

  /** Progress of a running migration. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MigrationProgress extends KeepsUnknownFields {
    @JsonPropertyDescription("Script being applied.")
    public String migration;

    @JsonPropertyDescription("1-based index of the script among those to apply.")
    public Integer index;

    @JsonPropertyDescription("Number of scripts to apply in this run.")
    public Integer total;

    @JsonPropertyDescription("1-based index of the statement being run.")
    public Integer statement;

    @JsonPropertyDescription("Number of statements in the script.")
    public Integer statements;

    @JsonPropertyDescription("Milliseconds since the run started.")
    public Long elapsedMs;
  }

  /** A migration that was applied. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AppliedMigration extends KeepsUnknownFields {
    @JsonPropertyDescription("Version, empty for repeatables.")
    public String version;

    @JsonPropertyDescription("Description from the file name.")
    public String description;

    @JsonPropertyDescription("Flyway-compatible CRC32 checksum.")
    public Integer checksum;

    @JsonPropertyDescription("How long the migration took.")
    public Long executionTimeMs;
  }

  /** Where and why a migration failed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MigrationFailure extends KeepsUnknownFields {
    @JsonPropertyDescription("Version of the failed migration.")
    public String version;

    @JsonPropertyDescription("File name of the failed migration.")
    public String script;

    @JsonPropertyDescription("PostgreSQL SQLSTATE, e.g. 42P01.")
    public String sqlState;

    @JsonPropertyDescription("Error message.")
    public String message;

    @JsonPropertyDescription("1-based line in the file where the failing statement starts.")
    public Integer line;
  }

  /** The runner holding the migration advisory lock. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LockHolder extends KeepsUnknownFields {
    @JsonPropertyDescription("Backend pid of the session holding the lock.")
    public Integer holderPid;

    @JsonPropertyDescription("Since when that session has held it (RFC 3339).")
    public String since;
  }
}
