package dev.pitstop.reconciler.sandboxreset.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.api.v1alpha1.PreservedRows;
import dev.pitstop.api.v1alpha1.ResetStrategy;
import dev.pitstop.api.v1alpha1.ResetTriggerMode;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.RunDigest;
import dev.pitstop.reconciler.model.SourceScripts;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.reset.DeletionStrategy;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetRequest;
import dev.pitstop.reset.SeedScript;
import dev.pitstop.reset.TriggerMode;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.time.CronSchedule;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads a SandboxReset's spec into what the engine and the scheduler need, refusing a bad field
 * with one sentence naming it. Shared by the reconciler and {@code pitstop run -f}.
 *
 * @param request the engine request
 * @param schedule the schedule, or {@code null} when the reset runs once per generation
 * @param startingDeadline how late a missed fire time may still run
 * @param seedDigest a digest of the seed scripts' names and contents
 * @param runDigest a digest of what a run does (see {@link #SETTINGS}): without a schedule, a new
 *     value runs the reset again
 * @param earlierRunDigest the digest earlier versions took of the same spec (the spec as written,
 *     in its order): a status recording it has seen this run digest, so an upgrade runs nothing
 */
public record ResetRequests(
    ResetRequest request,
    CronSchedule schedule,
    Duration startingDeadline,
    String seedDigest,
    String runDigest,
    String earlierRunDigest) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Spec fields that say when or how a reset runs, not what it does: changing them starts nothing
   * and applies to the next run.
   */
  public static final List<String> SETTINGS =
      List.of(
          "schedule",
          "timeZone",
          "suspend",
          "startingDeadline",
          "lockTimeout",
          "maintenanceWindowRef",
          "notify",
          "afterReset");

  /**
   * Reads the spec.
   *
   * @param configMaps looks up a ConfigMap of the resource's namespace (for seeds)
   */
  public static ResetRequests prepare(
      SandboxReset resource, Function<String, Optional<ConfigMap>> configMaps)
      throws SpecException {
    SandboxResetSpec spec = resource.getSpec();
    if (spec == null) {
      throw SpecException.invalid("spec is required");
    }
    DatabaseTargets.secretName(resource, spec.database, "spec.database");
    if (spec.confirmDatabaseName == null || spec.confirmDatabaseName.isBlank()) {
      throw SpecException.invalid(
          "spec.confirmDatabaseName is required: the name of the database to reset");
    }
    SourceScripts seeds = SourceScripts.collect(spec.seed, "spec.seed", configMaps);
    List<SeedScript> scripts = new ArrayList<>();
    for (Map.Entry<String, String> entry : seeds.entries()) {
      if (!entry.getKey().endsWith(".sql")) {
        throw SpecException.invalid(
            "spec.seed: seed '" + entry.getKey() + "' must be a file name ending in .sql");
      }
      scripts.add(new SeedScript(entry.getKey(), entry.getValue()));
    }
    try {
      ResetRequest.Builder builder =
          ResetRequest.builder(spec.confirmDatabaseName)
              .fieldNames(field -> "spec." + field)
              .schemas(spec.schemas == null ? List.of("public") : spec.schemas)
              .searchPath(spec.searchPath)
              .preserveTables(spec.preserveTables == null ? List.of() : spec.preserveTables)
              .keepHistoryTables(!Boolean.FALSE.equals(spec.keepHistoryTables))
              .strategy(
                  spec.strategy == ResetStrategy.Truncate
                      ? DeletionStrategy.TRUNCATE
                      : DeletionStrategy.DELETE)
              .triggers(
                  spec.triggers == ResetTriggerMode.DISABLE
                      ? TriggerMode.DISABLE
                      : TriggerMode.KEEP)
              .seeds(scripts)
              .vacuumAnalyze(
                  spec.afterReset != null && Boolean.TRUE.equals(spec.afterReset.vacuumAnalyze))
              .refreshMaterializedViews(
                  spec.afterReset != null
                      && Boolean.TRUE.equals(spec.afterReset.refreshMaterializedViews))
              .lockTimeout(
                  Durations.parse(
                      spec.lockTimeout == null ? "5s" : spec.lockTimeout, "spec.lockTimeout"));
      List<PreservedRows> rows = spec.preserveRows == null ? List.of() : spec.preserveRows;
      for (int i = 0; i < rows.size(); i++) {
        if (rows.get(i) == null || rows.get(i).table == null || rows.get(i).where == null) {
          throw SpecException.invalid("spec.preserveRows[" + i + "] needs both table and where");
        }
        builder.preserveRows(rows.get(i).table, rows.get(i).where);
      }
      return new ResetRequests(
          builder.build(),
          schedule(spec),
          startingDeadline(spec),
          seeds.digest(),
          RunDigest.of(normalised(spec), SETTINGS, seeds.digest()),
          RunDigest.of(digested(spec), SETTINGS, seeds.digest()));
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    } catch (ResetException e) {
      throw SpecException.invalid(withoutPeriod(e.getMessage()));
    }
  }

  /**
   * The spec as its digest sees it: {@code triggers: keep} and {@code keepHistoryTables: true} (the
   * defaults, and what every reset did before the fields existed) count as unset, so that resources
   * written before it, or with it spelled out, do not run again.
   */
  private static Map<String, Object> digested(SandboxResetSpec spec) {
    Map<String, Object> fields = JSON.convertValue(spec, new TypeReference<>() {});
    if ("keep".equals(fields.get("triggers"))) {
      fields.remove("triggers");
    }
    if (!Boolean.FALSE.equals(fields.get("keepHistoryTables"))) {
      fields.remove("keepHistoryTables");
    }
    return fields;
  }

  /**
   * The spec as its digest sees it, the same whatever way the same reset is written: the schemas
   * folded as PostgreSQL folds them ({@code PUBLIC} is {@code public}) and, like the tables and
   * rows to preserve, as a set (their order changes nothing a reset does); the seeds only by their
   * scripts (in the content digest, in name order, whichever ConfigMap or inline entry holds them);
   * {@code spec.runRequestId} not at all, as a request it is compared on its own (taking it out
   * requests nothing).
   */
  static Map<String, Object> normalised(SandboxResetSpec spec) {
    Map<String, Object> fields = digested(spec);
    fields.remove("seed");
    fields.remove("runRequestId");
    if (spec.schemas != null) {
      fields.put(
          "schemas", new TreeSet<>(spec.schemas.stream().map(ResetRequests::folded).toList()));
    }
    if (spec.preserveTables != null) {
      fields.put("preserveTables", new TreeSet<>(spec.preserveTables));
    }
    if (fields.get("preserveRows") instanceof List<?> rows) {
      fields.put("preserveRows", new TreeSet<>(rows.stream().map(String::valueOf).toList()));
    }
    return fields;
  }

  /** A schema name as PostgreSQL reads it: unquoted folded to lower case, quoted as written. */
  private static String folded(String schema) {
    try {
      return SqlIdentifiers.qualified(schema).name();
    } catch (IllegalArgumentException e) {
      return String.valueOf(schema); // refused when the request is built
    }
  }

  /** The schedule, or {@code null} when the reset runs once per generation. */
  public static CronSchedule schedule(SandboxResetSpec spec) {
    return spec.schedule == null || spec.schedule.isBlank()
        ? null
        : CronSchedule.parse(spec.schedule, spec.timeZone, "spec.schedule", "spec.timeZone");
  }

  public static Duration startingDeadline(SandboxResetSpec spec) {
    return Durations.parse(
        spec.startingDeadline == null ? "1h" : spec.startingDeadline, "spec.startingDeadline");
  }

  /** Whether the spec asks for a plan only. */
  public static boolean isDryRun(SandboxReset resource) {
    return resource.getSpec() != null && Boolean.TRUE.equals(resource.getSpec().dryRun);
  }

  private static String withoutPeriod(String message) {
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }
}
