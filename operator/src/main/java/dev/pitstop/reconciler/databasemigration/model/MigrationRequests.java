package dev.pitstop.reconciler.databasemigration.model;

import dev.pitstop.api.v1alpha1.Approval;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.OnChecksumMismatch;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.migration.ChecksumMismatchPolicy;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.Placeholders;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.RunDigest;
import dev.pitstop.reconciler.model.SourceScripts;
import dev.pitstop.reconciler.model.SpecException;
import dev.pitstop.time.Durations;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a DatabaseMigration's spec into a {@link MigrationRequest}: the one translation shared by
 * the reconciler and {@code pitstop run -f}, so both apply exactly the same scripts with the same
 * settings.
 *
 * @param request what to hand to the engine
 * @param sourceDigest a digest of the scripts' names and contents
 * @param runDigest a digest of what a run does (see {@link #SETTINGS}): a new value runs again
 * @param earlierRunDigest the digest earlier versions took of the same spec (with its source as
 *     written, in its order): a status recording it has seen this run digest, so an upgrade runs
 *     nothing and asks for no new approval
 */
public record MigrationRequests(
    MigrationRequest request, String sourceDigest, String runDigest, String earlierRunDigest) {

  /**
   * Spec fields that shape how or when migrations run, not which ones or where: changing them
   * starts nothing and applies to the next run.
   */
  public static final List<String> SETTINGS =
      List.of(
          "lockTimeout",
          "statementTimeout",
          "maintenanceWindowRef",
          "requireApproval",
          "approval",
          "approvalSeverity",
          "planDatabase",
          "notify");

  /**
   * What the run digest leaves out of the spec: the settings; the source, which counts only by its
   * scripts (their names and contents are in the content digest, in name order), so listing the
   * same scripts in another order, or moving one from a ConfigMap to an inline entry, is the same
   * run; and {@code runRequestId}, a request compared on its own (taking it out requests nothing).
   */
  private static final List<String> NOT_DIGESTED =
      java.util.stream.Stream.concat(
              SETTINGS.stream(), java.util.stream.Stream.of("source", "runRequestId"))
          .toList();

  /**
   * Spec fields added after the first release, at their defaults: left out of the run digest then,
   * so the defaults an upgrade fills in start no run (nor ask for a new approval).
   */
  private static final Map<String, Object> LATER_DEFAULTS =
      Map.of(
          "baselineOnMigrate", false,
          "baselineVersion", MigrationRequest.DEFAULT_BASELINE_VERSION,
          "baselineDescription", MigrationRequest.DEFAULT_BASELINE_DESCRIPTION);

  /**
   * Validates the spec and gathers its scripts.
   *
   * @param configMaps looks up a ConfigMap of the resource's namespace by name
   * @throws SpecException naming the field that is missing or invalid, or the missing ConfigMap
   */
  public static MigrationRequests prepare(
      DatabaseMigration resource, Function<String, Optional<ConfigMap>> configMaps)
      throws SpecException {
    DatabaseMigrationSpec spec = resource.getSpec();
    if (spec == null) {
      throw SpecException.invalid("spec is required");
    }
    DatabaseTargets.secretName(resource, spec.database, "spec.database");
    if (spec.source == null) {
      throw SpecException.invalid("spec.source is required");
    }
    SourceScripts scripts = SourceScripts.collect(spec.source, "spec.source", configMaps);
    List<MigrationScript> migrationScripts =
        scripts.entries().stream().map(e -> new MigrationScript(e.getKey(), e.getValue())).toList();
    Optional<String> noMigration = MigrationScripts.noMigration(migrationScripts, "spec.source");
    if (noMigration.isPresent()) {
      throw SpecException.invalid(noMigration.get());
    }
    try {
      MigrationRequest request =
          MigrationRequest.builder(migrationScripts)
              .historyTable(
                  spec.historyTable == null
                      ? MigrationRequest.DEFAULT_HISTORY_TABLE
                      : spec.historyTable)
              .targetVersion(spec.targetVersion == null ? "latest" : spec.targetVersion)
              .outOfOrder(Boolean.TRUE.equals(spec.outOfOrder))
              .skipDefaultCallbacks(Boolean.TRUE.equals(spec.skipDefaultCallbacks))
              .placeholders(spec.placeholders == null ? Map.of() : spec.placeholders)
              .placeholderReplacement(!Boolean.FALSE.equals(spec.placeholderReplacement))
              .placeholderPrefix(
                  spec.placeholderPrefix == null
                      ? Placeholders.DEFAULT_PREFIX
                      : spec.placeholderPrefix)
              .placeholderSuffix(
                  spec.placeholderSuffix == null
                      ? Placeholders.DEFAULT_SUFFIX
                      : spec.placeholderSuffix)
              .baselineOnMigrate(Boolean.TRUE.equals(spec.baselineOnMigrate))
              .baselineVersion(
                  spec.baselineVersion == null
                      ? MigrationRequest.DEFAULT_BASELINE_VERSION
                      : spec.baselineVersion)
              .baselineDescription(
                  spec.baselineDescription == null
                      ? MigrationRequest.DEFAULT_BASELINE_DESCRIPTION
                      : spec.baselineDescription)
              .onChecksumMismatch(
                  spec.onChecksumMismatch == OnChecksumMismatch.Repair
                      ? ChecksumMismatchPolicy.REPAIR
                      : ChecksumMismatchPolicy.FAIL)
              .lockTimeout(
                  Durations.parse(
                      spec.lockTimeout == null ? "10s" : spec.lockTimeout, "spec.lockTimeout"))
              .statementTimeout(
                  Durations.parse(
                      spec.statementTimeout == null ? "0s" : spec.statementTimeout,
                      "spec.statementTimeout"))
              .build();
      return new MigrationRequests(
          request,
          scripts.digest(),
          RunDigest.of(spec, NOT_DIGESTED, LATER_DEFAULTS, scripts.digest()),
          RunDigest.of(spec, SETTINGS, LATER_DEFAULTS, scripts.digest()));
    } catch (IllegalArgumentException e) {
      throw SpecException.invalid(e.getMessage());
    } catch (MigrationException e) {
      throw SpecException.invalid(MigrationStatuses.fieldMessage(e));
    }
  }

  /**
   * Whether {@code pitstop.dev/approve} carries {@code runDigest}: the approval is of that content
   * (scripts, database, settings that change which SQL runs), so any change needs a new one.
   */
  public static boolean approved(DatabaseMigration resource, String runDigest) {
    return runDigest != null && runDigest.equals(annotation(resource, Pitstop.APPROVE));
  }

  /** What a run does before, or instead of, applying. */
  public enum Gate {
    /** Apply at once: no approval asked, or this content is approved. */
    APPLY,
    /** Plan only: {@code validateOnly}, or approval Always without approval of this content. */
    PLAN_ONLY,
    /**
     * Approval OnRisk without approval of this content: make a measured plan, wait for approval if
     * it has a finding at or above the threshold (or cannot be measured), else apply.
     */
    PLAN_THEN_APPLY;

    /** Whether the run makes a plan measured on a scratch copy. */
    public boolean measures() {
      return this != APPLY;
    }
  }

  /**
   * What a run of {@code spec} does first.
   *
   * @param approved whether the user approved this content's plan
   */
  public static Gate gate(DatabaseMigrationSpec spec, boolean approved) {
    Approval approval = Approval.effective(spec.approval, spec.requireApproval);
    if (Boolean.TRUE.equals(spec.validateOnly) || (approval == Approval.Always && !approved)) {
      return Gate.PLAN_ONLY;
    }
    return approval == Approval.OnRisk && !approved ? Gate.PLAN_THEN_APPLY : Gate.APPLY;
  }

  /**
   * Whether a run only plans: {@code validateOnly}, or approval Always (or the older {@code
   * requireApproval}) without approval.
   *
   * @param approved whether the user approved this content's plan
   */
  public static boolean planOnly(DatabaseMigrationSpec spec, boolean approved) {
    return gate(spec, approved) == Gate.PLAN_ONLY;
  }

  /**
   * Whether a plan of {@code spec} waits for approval rather than applying or settling as Planned:
   * approval Always (or {@code requireApproval}) or OnRisk, without approval of this content.
   */
  public static boolean asksApproval(DatabaseMigrationSpec spec, boolean approved) {
    return !approved && Approval.effective(spec.approval, spec.requireApproval) != Approval.Never;
  }

  /** Whether the spec asks for approval only when the measured plan finds a risk. */
  public static boolean onRisk(DatabaseMigrationSpec spec) {
    return Approval.effective(spec.approval, spec.requireApproval) == Approval.OnRisk;
  }

  /** The lowest finding severity that asks for approval with OnRisk; unset means Warning. */
  public static Severity threshold(DatabaseMigrationSpec spec) {
    return spec.approvalSeverity == null
        ? Severity.WARNING
        : Severity.valueOf(spec.approvalSeverity.name().toUpperCase(Locale.ROOT));
  }

  /** The value of an annotation of the resource, {@code null} if absent. */
  public static String annotation(DatabaseMigration resource, String name) {
    Map<String, String> a = resource.getMetadata().getAnnotations();
    return a == null ? null : a.get(name);
  }
}
