package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a MaintenanceWindow. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.schedule) || has(self.duration)",
    message = "spec.duration is required when spec.schedule is set")
@ValidationRule(
    value =
        "!has(self.drain) || !has(self.drain.tasks) && !has(self.drain.connections) || has(self.database)",
    fieldPath = ".database",
    message = "spec.database is required when spec.drain.tasks or spec.drain.connections is set")
public class MaintenanceWindowSpec {
  @JsonPropertyDescription(
      "The database; optional when only workloads are drained. Needed for connections, tasks"
          + " and modeTable.")
  public DatabaseRef database;

  @Pattern(Patterns.CRON)
  @JsonPropertyDescription("5-field cron expression for recurring windows; omit for on-demand.")
  public String schedule;

  @Default("UTC")
  @JsonPropertyDescription("IANA time zone for schedule, e.g. Europe/Berlin.")
  public String timeZone = "UTC";

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("How long a scheduled window lasts once it opens, e.g. 1h.")
  public String duration;

  @JsonPropertyDescription("On demand: true opens a window now, false closes it.")
  public Boolean active;

  @JsonPropertyDescription(
      "What to drain, in order: mode row, CronJobs, workloads, Jobs, tasks," + " connections.")
  public Drain drain;

  @Pattern(Patterns.QUALIFIED_NAME)
  @JsonPropertyDescription(
      "Optional table holding the mode row apps read to reject new work (created if missing).")
  public String modeTable;

  @Default("500ms")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription(
      "How often the database side (tasks, sessions) is polled while draining.")
  public String pollInterval = "500ms";

  @JsonPropertyDescription(
      "Chat messages about windows: Success when a window was drained and restored, Failure when"
          + " it failed (everything restored). {webhookSecretRef: {name, key}, results: [...]}.")
  public RunNotify notify;
}
