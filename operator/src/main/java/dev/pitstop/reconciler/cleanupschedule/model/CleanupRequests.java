package dev.pitstop.reconciler.cleanupschedule.model;

import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.cleanup.CleanupException;
import dev.pitstop.cleanup.CleanupRequest;
import dev.pitstop.cleanup.DeletionRule;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.time.CronSchedule;
import dev.pitstop.time.Durations;
import java.time.Duration;

/**
 * A CleanupSchedule's spec, validated without the database: the schedule, the engine request, and
 * the explicit run request of the spec. Every problem is one sentence naming the spec field.
 *
 * @param schedule the cron schedule in its time zone
 * @param startingDeadline how late a missed fire time may still run
 * @param suspended whether scheduled runs are stopped
 * @param historyLimit how many runs status.history keeps
 * @param request what the engine runs
 * @param runRequestId spec.runRequestId: a new value requests a run; no other spec change does
 */
public record CleanupRequests(
    CronSchedule schedule,
    Duration startingDeadline,
    boolean suspended,
    int historyLimit,
    CleanupRequest request,
    String runRequestId) {

  /** Validates {@code resource}'s spec; the lock scope is its namespace/name. */
  public static CleanupRequests prepare(CleanupSchedule resource) throws SpecException {
    CleanupScheduleSpec spec = resource.getSpec();
    if (spec == null) {
      throw SpecException.invalid("spec is required");
    }
    DatabaseTargets.secretName(resource, spec.database, "spec.database");
    CronSchedule schedule;
    Duration deadline;
    try {
      schedule = CronSchedule.parse(spec.schedule, spec.timeZone, "spec.schedule", "spec.timeZone");
      deadline = Durations.parse(orDefault(spec.startingDeadline, "1h"), "spec.startingDeadline");
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    }
    if (spec.notify != null
        && (spec.notify.webhookSecretRef == null || isBlank(spec.notify.webhookSecretRef.name))) {
      throw SpecException.invalid("spec.notify.webhookSecretRef.name is required");
    }
    String notifyConflict = spec.notify == null ? null : CleanupNotices.conflict(spec.notify);
    if (notifyConflict != null) {
      throw SpecException.invalid(notifyConflict);
    }
    int historyLimit = spec.historyLimit == null ? 10 : spec.historyLimit;
    if (historyLimit < 1 || historyLimit > 100) {
      throw SpecException.invalid(
          "spec.historyLimit must be between 1 and 100, not " + historyLimit);
    }
    String scope = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    return new CleanupRequests(
        schedule,
        deadline,
        Boolean.TRUE.equals(spec.suspend),
        historyLimit,
        request(spec, scope),
        spec.runRequestId);
  }

  /**
   * The engine request of a spec.
   *
   * @param scope what the per-rule advisory locks are scoped to, e.g. {@code namespace/name}
   */
  public static CleanupRequest request(CleanupScheduleSpec spec, String scope)
      throws SpecException {
    if (spec.rules == null || spec.rules.isEmpty()) {
      throw SpecException.invalid("spec.rules must list at least one rule");
    }
    try {
      CleanupRequest.Builder builder =
          CleanupRequest.builder()
              .lockScope(scope)
              .batchSize(spec.batchSize == null ? 1000 : spec.batchSize)
              .pauseBetweenBatches(
                  Durations.parse(
                      orDefault(spec.pauseBetweenBatches, "50ms"), "spec.pauseBetweenBatches"))
              .maxDuration(Durations.parse(orDefault(spec.maxDuration, "30m"), "spec.maxDuration"))
              .lockTimeout(Durations.parse(orDefault(spec.lockTimeout, "5s"), "spec.lockTimeout"))
              .statementTimeout(
                  Durations.parse(orDefault(spec.statementTimeout, "30s"), "spec.statementTimeout"))
              .dryRun(Boolean.TRUE.equals(spec.dryRun))
              .vacuumAnalyze(Boolean.TRUE.equals(spec.vacuumAnalyze));
      for (int i = 0; i < spec.rules.size(); i++) {
        builder.rule(rule(spec.rules.get(i), i));
      }
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    } catch (CleanupException e) {
      throw SpecException.invalid(fieldMessage(e));
    }
  }

  /** An engine error as one sentence about a spec field: {@code spec.rules[x].where: ...}. */
  public static String fieldMessage(CleanupException e) {
    String message = e.getMessage();
    if (e.subject() != null && message.startsWith(e.subject())) {
      return "spec." + message;
    }
    return e.subject() == null ? message : "spec." + e.subject() + ": " + message;
  }

  private static DeletionRule rule(CleanupRule rule, int index) throws SpecException {
    String at = "spec.rules[" + index + "]";
    if (rule == null || isBlank(rule.name)) {
      throw SpecException.invalid(at + ".name is required");
    }
    String field = "spec.rules[" + rule.name + "]";
    if (isBlank(rule.table)) {
      throw SpecException.invalid(field + ".table is required");
    }
    int criteria =
        (rule.olderThan != null ? 1 : 0)
            + (rule.orphanedBy != null ? 1 : 0)
            + (rule.where != null ? 1 : 0);
    if (criteria != 1) {
      throw SpecException.invalid(
          field + " must set exactly one of olderThan, orphanedBy or where");
    }
    if (rule.olderThan != null) {
      require(rule.olderThan.column, field + ".olderThan.column");
      Duration age = Durations.parse(orDefault(rule.olderThan.age, ""), field + ".olderThan.age");
      return DeletionRule.olderThan(rule.name, rule.table, rule.olderThan.column, age);
    }
    if (rule.orphanedBy != null) {
      require(rule.orphanedBy.column, field + ".orphanedBy.column");
      require(rule.orphanedBy.parentTable, field + ".orphanedBy.parentTable");
      require(rule.orphanedBy.parentColumn, field + ".orphanedBy.parentColumn");
      return DeletionRule.orphanedBy(
          rule.name,
          rule.table,
          rule.orphanedBy.column,
          rule.orphanedBy.parentTable,
          rule.orphanedBy.parentColumn);
    }
    return DeletionRule.where(rule.name, rule.table, rule.where);
  }

  private static void require(String value, String field) throws SpecException {
    if (isBlank(value)) {
      throw SpecException.invalid(field + " is required");
    }
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
