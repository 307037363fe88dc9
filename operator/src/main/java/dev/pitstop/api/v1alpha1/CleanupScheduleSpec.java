package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a CleanupSchedule. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CleanupScheduleSpec {
  @Required
  @JsonPropertyDescription("The database.")
  public DatabaseRef database;

  @Required
  @Pattern(Patterns.CRON)
  @JsonPropertyDescription("5-field cron expression, e.g. \"0 2 * * *\".")
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

  @Required
  @Size(min = 1, max = 100)
  @ValidationRule(
      value = "self.all(r, self.exists_one(o, o.name == r.name))",
      message = "rule names must be unique")
  @JsonPropertyDescription("What to delete; rules run in order.")
  public List<CleanupRule> rules = new ArrayList<>();

  @Default("1000")
  @Min(1)
  @Max(100000)
  @JsonPropertyDescription("Rows deleted per batch; each batch is its own short transaction.")
  public Integer batchSize = 1000;

  @Default("50ms")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("Pause between batches, leaving room for the application.")
  public String pauseBetweenBatches = "50ms";

  @Default("30m")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "Time budget of a run; when reached the run stops between batches with result"
          + " Incomplete.")
  public String maxDuration = "30m";

  @Default("5s")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("lock_timeout of each batch; a busy batch shrinks and is retried.")
  public String lockTimeout = "5s";

  @Default("30s")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "statement_timeout of each batch and count; a batch that hits it shrinks and is retried."
          + " 0 means none.")
  public String statementTimeout = "30s";

  @Default("false")
  @JsonPropertyDescription("Count matching rows per rule and delete nothing.")
  public Boolean dryRun = false;

  @Default("false")
  @JsonPropertyDescription("Run VACUUM (ANALYZE) on the tables that lost rows.")
  public Boolean vacuumAnalyze = false;

  @JsonPropertyDescription("Webhook notifications about runs.")
  public Notify notify;

  @Default("10")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("How many runs status.history keeps.")
  public Integer historyLimit = 10;

  @JsonPropertyDescription(
      "MaintenanceWindow in this namespace; runs start only while its phase is Active.")
  public LocalObjectRef maintenanceWindowRef;

  @JsonPropertyDescription(
      "Free-form value; a new value (like any spec change except suspend) requests a run now"
          + " (GitOps trigger).")
  public String runRequestId;

  /**
   * Where and when to notify. Neither list has a default in the schema, so the operator can tell
   * which one a resource sets; either unset or empty means {@code [Failure]}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Notify {
    @Required
    @JsonPropertyDescription("Secret key holding a Slack-compatible webhook URL.")
    public SecretKeyRef webhookSecretRef;

    @JsonPropertyDescription(
        "Results that send a notification: Success, Failure, Incomplete. Default: [Failure].")
    public List<NotifyOn> results;

    /**
     * The old name of {@link #results}. YAML 1.1 readers (kubectl, Helm, Argo CD) read an unquoted
     * {@code on:} key as the boolean {@code true}, so it arrives only from JSON or a quoted {@code
     * "on":}. The generated CRD files quote the key for the same reason.
     *
     * @deprecated use {@link #results}
     */
    @Deprecated
    @JsonPropertyDescription(
        "Deprecated: use results. YAML 1.1 tools (kubectl, Helm, Argo CD) read an unquoted key on"
            + " as true; it works only quoted (\"on\":) or in JSON.")
    public List<NotifyOn> on;

    /**
     * {@link #on} as kubectl, Helm and Argo CD stored an unquoted {@code on:} key under the CRDs
     * before {@link #results}: as {@code "true"}. The API server drops fields its schema lacks
     * whenever it reads an object, so without this property a resource written then would lose its
     * choice on upgrade.
     *
     * @deprecated use {@link #results}
     */
    @Deprecated
    @JsonProperty("true")
    @JsonPropertyDescription(
        "Deprecated: on as YAML 1.1 tools stored an unquoted on: key under earlier CRDs; use"
            + " results.")
    public List<NotifyOn> onStoredAsTrue;
  }

  /** Results that can trigger a notification. */
  public enum NotifyOn {
    Success,
    Failure,
    Incomplete
  }

  /** A key in a Secret of this namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKeyRef {
    @Required
    @JsonPropertyDescription("Secret name, in the same namespace.")
    public String name;

    @Default("url")
    @JsonPropertyDescription("Key within the Secret.")
    public String key = "url";
  }
}
