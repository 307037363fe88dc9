package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** What a MaintenanceWindow drains. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Drain {
  @JsonPropertyDescription(
      "Deployments and StatefulSets scaled to 0; original replicas are recorded and restored.")
  public List<WorkloadSelector> workloads = new ArrayList<>();

  @JsonPropertyDescription("CronJobs suspended during the window, then restored.")
  public Selection cronJobs;

  @JsonPropertyDescription("Jobs waited for until none has active pods.")
  public Selection jobs;

  @JsonPropertyDescription("Database sessions to wait for, terminate and block.")
  public Connections connections;

  @JsonPropertyDescription("Application tasks to wait for.")
  public Tasks tasks;

  @Default("15m")
  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("Not drained in time: phase Failed and everything restored.")
  public String timeout = "15m";

  /** A Deployment or StatefulSet by name or label selector. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "has(self.name) != has(self.selector)",
      message = "set exactly one of name or selector")
  @ValidationRule(
      value =
          "!has(self.selector) || has(self.selector.matchLabels) &&"
              + " size(self.selector.matchLabels) > 0 || has(self.selector.matchExpressions) &&"
              + " size(self.selector.matchExpressions) > 0",
      fieldPath = ".selector",
      message =
          "an empty selector selects every workload of the namespace; name labels in"
              + " matchLabels or matchExpressions")
  public static class WorkloadSelector {
    @Required
    @JsonPropertyDescription("Deployment or StatefulSet.")
    public WorkloadKind kind;

    @JsonPropertyDescription("Name of the workload.")
    public String name;

    @JsonPropertyDescription("Label selector matching workloads of this kind.")
    public LabelSelector selector;
  }

  /** Workload kinds a window scales. */
  public enum WorkloadKind {
    Deployment,
    StatefulSet
  }

  /** A label selection of objects. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value =
          "!has(self.selector) || has(self.selector.matchLabels) &&"
              + " size(self.selector.matchLabels) > 0 || has(self.selector.matchExpressions) &&"
              + " size(self.selector.matchExpressions) > 0",
      fieldPath = ".selector",
      message =
          "an empty selector selects every object of the namespace; name labels in matchLabels"
              + " or matchExpressions")
  public static class Selection {
    @Required
    @JsonPropertyDescription("Label selector.")
    public LabelSelector selector;
  }

  /** Database sessions to drain. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Connections {
    @JsonPropertyDescription("Roles whose sessions are drained.")
    public List<@Pattern(Patterns.IDENTIFIER) String> roles = new ArrayList<>();

    @Default("2m")
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("How long sessions may finish on their own.")
    public String gracePeriod = "2m";

    @Default("false")
    @JsonPropertyDescription("After gracePeriod, terminate the remaining sessions.")
    public Boolean terminate = false;

    @Default("false")
    @JsonPropertyDescription(
        "Set the roles' connection limit to 0 during the window (old value recorded and"
            + " restored).")
    public Boolean blockNew = false;
  }

  /** Application tasks to wait for. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Tasks {
    @Required
    @JsonPropertyDescription("A SELECT returning one number, which must reach 0.")
    public String query;

    @Default("10s")
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription(
        "statement_timeout of each run of the query (it runs read-only); a timeout is retried.")
    public String statementTimeout = "10s";
  }
}
