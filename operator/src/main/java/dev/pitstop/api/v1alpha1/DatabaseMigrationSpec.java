package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/** Desired state of a DatabaseMigration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseMigrationSpec {
  @Required
  @JsonPropertyDescription("The target database.")
  public DatabaseRef database;

  @Required
  @JsonPropertyDescription(
      "Where the migration files come from: V<version>__<description>.sql (versioned) and"
          + " R__<description>.sql (repeatable).")
  public ScriptSource source;

  @Default("pitstop_schema_history")
  @Pattern(Patterns.QUALIFIED_NAME)
  @JsonPropertyDescription(
      "History table, optionally schema-qualified; flyway_schema_history adopts a database"
          + " migrated by Flyway.")
  public String historyTable = "pitstop_schema_history";

  @Default("latest")
  @Pattern("^(latest|[0-9]+([._][0-9]+)*)$")
  @JsonPropertyDescription("Highest version to apply: 'latest' or a version such as \"5\".")
  public String targetVersion = "latest";

  @Default("false")
  @JsonPropertyDescription(
      "Apply pending versions lower than the current version instead of refusing them.")
  public Boolean outOfOrder = false;

  // No default: an unset field leaves the run digest of existing resources as it was.
  @JsonPropertyDescription(
      "Skip the SQL callback files (beforeMigrate.sql, afterMigrate.sql, ...): neither checked nor"
          + " run, as Flyway's skipDefaultCallbacks. Unset means false.")
  public Boolean skipDefaultCallbacks;

  @JsonPropertyDescription(
      "Placeholder values replaced in the migration files, as Flyway's placeholders: ${key}"
          + " becomes the value (keys in any case); built-ins such as ${flyway:user} are always"
          + " set. A placeholder without a value refuses the run.")
  public Map<String, String> placeholders;

  // No schema defaults for the placeholder fields: an absent field keeps the digest of what a run
  // does as it was before these fields existed, so existing resources do not run again.
  @JsonPropertyDescription("Whether placeholders are replaced at all; default true.")
  public Boolean placeholderReplacement;

  @JsonPropertyDescription("What starts a placeholder; default ${.")
  public String placeholderPrefix;

  @JsonPropertyDescription("What ends a placeholder; default }.")
  public String placeholderSuffix;

  @Default("false")
  @JsonPropertyDescription(
      "When the history table does not exist but its schema already holds objects: record"
          + " baselineVersion as applied, then apply only later versions (Flyway's"
          + " baselineOnMigrate). Otherwise such a schema is refused.")
  public Boolean baselineOnMigrate = false;

  @Default("1")
  @Pattern("^[0-9]+([._][0-9]+)*$")
  @JsonPropertyDescription(
      "Version the existing schema is at, recorded by baselineOnMigrate; versions up to it are"
          + " never applied.")
  public String baselineVersion = "1";

  @Default("<< Flyway Baseline >>")
  @JsonPropertyDescription("Description of the baseline row baselineOnMigrate records.")
  public String baselineDescription = "<< Flyway Baseline >>";

  @Default("false")
  @JsonPropertyDescription("Plan only: fill status.pending and apply nothing.")
  public Boolean validateOnly = false;

  @Default("false")
  @JsonPropertyDescription(
      "The older form of approval: true is approval: Always. Ignored when approval is set.")
  public Boolean requireApproval = false;

  // No schema defaults for approval, approvalSeverity and planDatabase: settings, not part of the
  // run digest, and unset keeps what requireApproval asks for.
  @JsonPropertyDescription(
      "When to wait for the annotation pitstop.dev/approve: \"<status.plan.digest>\" before"
          + " applying: Never; Always (plan first); OnRisk (plan first, measuring each pending"
          + " statement on a scratch copy of the schema, and wait only when a finding at or above"
          + " approvalSeverity is not allowed in the file, or when the plan could not be"
          + " measured). A change to what would run needs a new approval. Unset: Always when"
          + " requireApproval is true, else Never.")
  public Approval approval;

  @JsonPropertyDescription(
      "With approval: OnRisk, the lowest finding severity that asks for approval: Info, Warning or"
          + " Error. Unset means Warning.")
  public PlanSeverity approvalSeverity;

  @JsonPropertyDescription(
      "Server for the plan's scratch database (created, used and dropped by each measured plan;"
          + " the role needs CREATEDB there): a Secret as in database, whose database is where"
          + " CREATE DATABASE is issued. Unset: the target's own Secret and server.")
  public DatabaseRef planDatabase;

  @Default("Fail")
  @JsonPropertyDescription(
      "When an applied migration's checksum differs from its file: Fail, or Repair (realign the"
          + " recorded checksum, never re-run).")
  public OnChecksumMismatch onChecksumMismatch = OnChecksumMismatch.Fail;

  @Default("10s")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("lock_timeout for each migration, e.g. 10s; 0 means none.")
  public String lockTimeout = "10s";

  @Default("0s")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("statement_timeout for each migration statement; 0 means none.")
  public String statementTimeout = "0s";

  @JsonPropertyDescription(
      "MaintenanceWindow in this namespace; migrations start only while its phase is Active.")
  public LocalObjectRef maintenanceWindowRef;

  @JsonPropertyDescription("Free-form value; a new value requests a new run (GitOps trigger).")
  public String runRequestId;

  @JsonPropertyDescription(
      "Chat messages about results: {webhookSecretRef: {name, key}, results: [Success, Failure,"
          + " Cancelled, ApprovalNeeded]}.")
  public RunNotify notify;
}
