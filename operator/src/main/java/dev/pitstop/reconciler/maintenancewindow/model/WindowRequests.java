package dev.pitstop.reconciler.maintenancewindow.model;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowSpec;
import dev.pitstop.maintenance.DrainRequest;
import dev.pitstop.maintenance.Field;
import dev.pitstop.maintenance.MaintenanceException;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.time.CronSchedule;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.time.Duration;
import java.util.List;

/**
 * A MaintenanceWindow's spec, checked and parsed: every bad value is refused with one sentence
 * naming its field, before anything is changed.
 */
public record WindowRequests(
    CronSchedule schedule,
    Duration duration,
    boolean active,
    DatabaseRef database,
    String modeTable,
    Duration pollInterval,
    Duration timeout,
    List<Drain.WorkloadSelector> workloads,
    LabelSelector cronJobs,
    LabelSelector jobs,
    String tasksQuery,
    Duration tasksStatementTimeout,
    List<String> roles,
    Duration gracePeriod,
    boolean terminate,
    boolean blockNew) {

  /** Whether the window touches the database (mode row, tasks, sessions). */
  public boolean usesDatabase() {
    return database != null;
  }

  /**
   * The engine request for this plan; deadlines and recorded state are added by the caller.
   *
   * @throws MaintenanceException never for a plan that parsed (the same checks ran in {@link
   *     #prepare})
   */
  public DrainRequest.Builder request() {
    return DrainRequest.builder()
        .tasksQuery(tasksQuery)
        .tasksStatementTimeout(tasksStatementTimeout)
        .modeTable(modeTable)
        .roles(roles)
        .gracePeriod(gracePeriod)
        .terminate(terminate)
        .blockNew(blockNew)
        .pollInterval(pollInterval);
  }

  public static WindowRequests prepare(MaintenanceWindow window) throws SpecException {
    MaintenanceWindowSpec spec = window.getSpec();
    if (spec == null) {
      throw SpecException.invalid("spec is required");
    }
    CronSchedule schedule = null;
    Duration duration = null;
    try {
      if (spec.schedule != null && !spec.schedule.isBlank()) {
        schedule =
            CronSchedule.parse(spec.schedule, spec.timeZone, "spec.schedule", "spec.timeZone");
        if (spec.duration == null || spec.duration.isBlank()) {
          throw SpecException.invalid("spec.duration is required when spec.schedule is set");
        }
        duration = positive(spec.duration, "spec.duration");
      }
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    }
    Drain drain = spec.drain == null ? new Drain() : spec.drain;
    Duration pollInterval = positive(or(spec.pollInterval, "500ms"), "spec.pollInterval");
    Duration timeout = positive(or(drain.timeout, "15m"), "spec.drain.timeout");
    List<Drain.WorkloadSelector> workloads = drain.workloads == null ? List.of() : drain.workloads;
    for (int i = 0; i < workloads.size(); i++) {
      checkWorkload(workloads.get(i), "spec.drain.workloads[" + i + "]");
    }
    LabelSelector cronJobs = selector(drain.cronJobs, "spec.drain.cronJobs.selector", "CronJob");
    LabelSelector jobs = selector(drain.jobs, "spec.drain.jobs.selector", "Job");
    Drain.Connections connections = drain.connections;
    List<String> roles =
        connections == null || connections.roles == null ? List.of() : connections.roles;
    boolean terminate = connections != null && Boolean.TRUE.equals(connections.terminate);
    boolean blockNew = connections != null && Boolean.TRUE.equals(connections.blockNew);
    Duration grace =
        duration(
            connections == null ? "2m" : or(connections.gracePeriod, "2m"),
            "spec.drain.connections.gracePeriod");
    String tasksQuery = drain.tasks == null ? null : drain.tasks.query;
    if (drain.tasks != null && (tasksQuery == null || tasksQuery.isBlank())) {
      throw SpecException.invalid(
          "spec.drain.tasks.query is required when spec.drain.tasks is set");
    }
    Duration tasksTimeout =
        positive(
            drain.tasks == null ? "10s" : or(drain.tasks.statementTimeout, "10s"),
            "spec.drain.tasks.statementTimeout");
    boolean needsDatabase =
        tasksQuery != null
            || !roles.isEmpty()
            || (spec.modeTable != null && !spec.modeTable.isBlank());
    if (needsDatabase && spec.database == null) {
      throw SpecException.invalid(
          "spec.database is required when spec.drain.tasks, spec.drain.connections or"
              + " spec.modeTable is set");
    }
    if (connections != null && roles.isEmpty() && (terminate || blockNew)) {
      throw SpecException.invalid(
          "spec.drain.connections.roles must name at least one role for terminate or blockNew");
    }
    WindowRequests plan =
        new WindowRequests(
            schedule,
            duration,
            Boolean.TRUE.equals(spec.active),
            spec.database,
            spec.modeTable,
            pollInterval,
            timeout,
            workloads,
            cronJobs,
            jobs,
            tasksQuery,
            tasksTimeout,
            roles,
            grace,
            terminate,
            blockNew);
    try {
      plan.request().build();
    } catch (MaintenanceException e) {
      throw SpecException.invalid(fieldName(e.field()) + " " + e.getMessage());
    }
    if (plan.database != null) {
      DatabaseTargets.secretName(window, plan.database, "spec.database");
    }
    return plan;
  }

  /** How the spec names an engine field. */
  public static String fieldName(Field field) {
    if (field == null) {
      return "spec.database:";
    }
    return switch (field) {
      case TASKS_QUERY -> "spec.drain.tasks.query";
      case TASKS_STATEMENT_TIMEOUT -> "spec.drain.tasks.statementTimeout";
      case MODE_TABLE -> "spec.modeTable";
      case ROLES -> "spec.drain.connections.roles:";
      case GRACE_PERIOD -> "spec.drain.connections.gracePeriod";
      case TERMINATE -> "spec.drain.connections.terminate:";
      case BLOCK_NEW -> "spec.drain.connections.blockNew:";
      case POLL_INTERVAL -> "spec.pollInterval";
      case TIMEOUT -> "spec.drain.timeout:";
      case HOLDER, LEASE -> "metadata:"; // set by the operator from the window's name
    };
  }

  private static void checkWorkload(Drain.WorkloadSelector w, String field) throws SpecException {
    if (w == null || w.kind == null) {
      throw SpecException.invalid(field + ".kind must be Deployment or StatefulSet");
    }
    boolean named = w.name != null && !w.name.isBlank();
    if (named == (w.selector != null)) {
      throw SpecException.invalid(field + ": set exactly one of name or selector");
    }
    if (!named) {
      String problem = LabelSelectors.problem(w.selector, w.kind.name());
      if (problem != null) {
        throw SpecException.invalid(field + ".selector " + problem);
      }
    }
  }

  private static LabelSelector selector(Drain.Selection selection, String field, String objects)
      throws SpecException {
    if (selection == null) {
      return null;
    }
    String problem = LabelSelectors.problem(selection.selector, objects);
    if (problem != null) {
      throw SpecException.invalid(field + " " + problem);
    }
    return selection.selector;
  }

  private static Duration positive(String text, String field) throws SpecException {
    Duration d = duration(text, field);
    if (d.isZero()) {
      throw SpecException.invalid(field + " must be longer than 0");
    }
    return d;
  }

  private static Duration duration(String text, String field) throws SpecException {
    try {
      return Durations.parse(text, field);
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    }
  }

  private static String or(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}
