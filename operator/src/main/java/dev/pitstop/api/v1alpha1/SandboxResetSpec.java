package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a SandboxReset. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxResetSpec {
  @Required
  @JsonPropertyDescription("The sandbox database.")
  public DatabaseRef database;

  @Required
  @Pattern("^[^\\x00]{1,63}$")
  @JsonPropertyDescription(
      "Must equal current_database() of the target, else the reset is refused: a guard against"
          + " pointing a reset at the wrong database.")
  public String confirmDatabaseName;

  @Default("[\"public\"]")
  @JsonPropertyDescription("Schemas whose tables are emptied.")
  public List<@Pattern(Patterns.IDENTIFIER) String> schemas = new ArrayList<>(List.of("public"));

  @JsonPropertyDescription(
      "search_path the seeds and the preserveRows where-expressions run with, as schema names in"
          + " order; without it, the connection's own.")
  public List<@Pattern(Patterns.IDENTIFIER) String> searchPath;

  @JsonPropertyDescription(
      "Tables kept untouched: names or glob patterns (payload_*), optionally schema-qualified."
          + " Unquoted names match in any case (double-quote one for its exact case). The history"
          + " tables of known migration tools (Pitstop, Flyway, Liquibase, Django, Alembic, Prisma,"
          + " Rails, ...) are always kept.")
  public List<@Pattern(Patterns.TABLE_PATTERN) String> preserveTables = new ArrayList<>();

  @JsonPropertyDescription("Rows kept in emptied tables, together with the rows they reference.")
  public List<PreservedRows> preserveRows = new ArrayList<>();

  @Default("Delete")
  @JsonPropertyDescription(
      "Delete (default): row locks only, readers never blocked; Truncate: one TRUNCATE under"
          + " lockTimeout.")
  public ResetStrategy strategy = ResetStrategy.Delete;

  @Default("true")
  @JsonPropertyDescription(
      "Keep the history tables of known migration tools (Flyway, Liquibase, Django, Rails, ...)"
          + " as preserveTables would (default). false empties them like any table; Pitstop's own"
          + " tables are kept either way.")
  public Boolean keepHistoryTables = true;

  @Default("keep")
  @JsonPropertyDescription(
      "User triggers of the emptied tables while they are emptied. keep (default): they fire as"
          + " for any DELETE. disable: they do not fire (skipped with session_replication_role"
          + " where the role may set it, else disabled with ALTER TABLE inside the reset's"
          + " transaction, which needs the tables' owner; refused before anything is deleted"
          + " otherwise). Seeds always run with triggers on.")
  public ResetTriggerMode triggers = ResetTriggerMode.KEEP;

  @JsonPropertyDescription(
      "Seed scripts run in name order after emptying, in the same transaction.")
  public ScriptSource seed;

  @JsonPropertyDescription(
      "After the reset commits: {vacuumAnalyze, refreshMaterializedViews}; failures there are"
          + " warnings, not a failed reset.")
  public ResetAfterwards afterReset;

  @Pattern(Patterns.CRON)
  @JsonPropertyDescription(
      "5-field cron expression; without it the reset runs once per generation or run request.")
  public String schedule;

  @Default("UTC")
  @JsonPropertyDescription("IANA time zone for schedule, e.g. Europe/Berlin.")
  public String timeZone = "UTC";

  @Default("false")
  @JsonPropertyDescription("Stop future scheduled runs.")
  public Boolean suspend = false;

  @Default("1h")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "A fire time missed while the operator was down still runs if it is younger than this.")
  public String startingDeadline = "1h";

  @Default("false")
  @JsonPropertyDescription("Plan only: order, preserved tables, warnings and row counts.")
  public Boolean dryRun = false;

  @Default("5s")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("lock_timeout while emptying tables; 0 means none.")
  public String lockTimeout = "5s";

  @JsonPropertyDescription(
      "MaintenanceWindow in this namespace; resets start only while its phase is Active.")
  public LocalObjectRef maintenanceWindowRef;

  @JsonPropertyDescription("Free-form value; a new value requests a new run (GitOps trigger).")
  public String runRequestId;

  @JsonPropertyDescription(
      "Chat messages about results: {webhookSecretRef: {name, key}, results: [Success, Failure,"
          + " Cancelled, ApprovalNeeded]}.")
  public RunNotify notify;
}
