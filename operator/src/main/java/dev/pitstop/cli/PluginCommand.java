package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.Approval;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationSpec;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.reconciler.databasemigration.model.MigrationRequests;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code kubectl pitstop ...}: the kubectl plugin ({@code kubectl-pitstop} runs {@code java -jar
 * pitstop.jar kubectl "$@"}). It works on the resources in the cluster of the current kube context,
 * as kubectl does: {@code status}, {@code plan}, {@code approve}, {@code run}, {@code cancel} and
 * {@code history}. What it changes, it changes through the annotations the operator documents, so
 * the operator does the work and the RBAC of the user applies.
 */
public final class PluginCommand implements Command {
  static final String NAME = "kubectl";

  private static final Set<String> VALUES = Set.of("namespace");
  private static final Set<String> FLAGS = Set.of("all-namespaces");
  private static final Map<String, String> ALIASES =
      Map.of("n", "namespace", "A", "all-namespaces");

  private final Supplier<KubernetesClient> clients;
  private final Clock clock;

  public PluginCommand() {
    this(PluginCommand::currentContext, Clock.systemUTC());
  }

  /**
   * A client for the current kube context, as kubectl uses it; refused at once without one, instead
   * of retrying the in-cluster address.
   */
  private static KubernetesClient currentContext() {
    Config config = Config.autoConfigure(null);
    boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null;
    if (config.getCurrentContext() == null && !inCluster) {
      throw new UsageException(
          "no current kube context: set KUBECONFIG or create ~/.kube/config, as for kubectl;"
              + " nothing was changed");
    }
    config.setRequestRetryBackoffLimit(1);
    config.setConnectionTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  PluginCommand(Supplier<KubernetesClient> clients, Clock clock) {
    this.clients = clients;
    this.clock = clock;
  }

  @Override
  public String summary() {
    return "the kubectl plugin (kubectl pitstop status|plan|approve|run|cancel|history)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.isEmpty()) {
      throw new UsageException(
          "kubectl pitstop needs a command: status, plan NAME, approve NAME, run KIND/NAME,"
              + " cancel KIND/NAME or history NAME");
    }
    String command = args.get(0);
    Args parsed = Args.parse(args.subList(1, args.size()), VALUES, FLAGS, ALIASES);
    List<String> names = parsed.positional();
    try (KubernetesClient client = clients.get()) {
      String namespace =
          parsed
              .value("namespace")
              .orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
      boolean all = parsed.flag("all-namespaces");
      PluginResources resources = new PluginResources(client, namespace);
      return switch (command) {
        case "status" -> {
          noNames(command, names);
          yield status(resources, all, out);
        }
        case "plan" -> plan(resources.migration(one(command, names)), out);
        case "approve" -> approve(resources, resources.migration(one(command, names)), out);
        case "run" -> annotate(resources, one(command, names), Pitstop.RUN_REQUESTED_AT, out);
        case "cancel" -> annotate(resources, one(command, names), Pitstop.CANCEL, out);
        case "history" -> history(resources, resources.migration(one(command, names)), out, err);
        default ->
            throw new UsageException(
                "kubectl pitstop: unknown command '"
                    + command
                    + "'; the commands are status, plan, approve, run, cancel and history");
      };
    } catch (KubernetesClientException e) {
      err.println("kubectl pitstop " + command + ": the API server refused: " + reason(e));
      return FAILED;
    }
  }

  private static String reason(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return e.getMessage();
  }

  private static void noNames(String command, List<String> names) {
    if (!names.isEmpty()) {
      throw new UsageException("kubectl pitstop " + command + " takes no name, got " + names);
    }
  }

  private static String one(String command, List<String> names) {
    if (names.size() != 1) {
      throw new UsageException(
          "kubectl pitstop " + command + " takes one resource name, got " + names.size());
    }
    return names.get(0);
  }

  private static int status(PluginResources resources, boolean all, PrintStream out) {
    TextTable table =
        new TextTable("NAMESPACE", "KIND", "NAME", "PHASE", "READY", "PROGRESS", "MESSAGE");
    for (PluginResources.Row row : resources.rows(all)) {
      table.row(
          row.namespace(),
          row.kind(),
          row.name(),
          row.phase(),
          row.ready(),
          row.progress(),
          row.message());
    }
    if (table.isEmpty()) {
      out.println(
          all
              ? "no Pitstop resources in any namespace"
              : "no Pitstop resources in namespace " + resources.namespace());
    } else {
      table.print(out, "");
    }
    return OK;
  }

  /**
   * Prints {@code status.plan}: digest, status message, whether it was measured, the pending
   * scripts with their first statements, and the findings with their allowed reasons.
   */
  static int plan(DatabaseMigration migration, PrintStream out) {
    DatabaseMigrationStatus status = migration.getStatus();
    DatabaseMigrationStatus.MigrationPlan plan = status == null ? null : status.plan;
    String name = migration.getMetadata().getName();
    if (plan == null || plan.digest == null) {
      out.println(
          "databasemigration/"
              + name
              + " has no plan in its status"
              + (status == null || status.message == null ? "" : ": " + status.message));
      return FAILED;
    }
    out.println("databasemigration/" + name + " plan " + plan.digest);
    if (status.message != null) {
      out.println(status.message);
    }
    if (Boolean.TRUE.equals(plan.measured)) {
      out.println(
          "measured on a scratch copy of the schema: "
              + (plan.findings.isEmpty()
                  ? "no findings"
                  : (plan.findings.size() + (plan.moreFindings == null ? 0 : plan.moreFindings))
                      + " finding(s)"
                      + (plan.highestSeverity == null
                          ? ", all allowed in the files"
                          : ", highest " + plan.highestSeverity.name().toLowerCase(Locale.ROOT))));
    } else if (Boolean.FALSE.equals(plan.measured)) {
      out.println(
          "not measured"
              + (plan.notMeasured == null ? "" : ": " + plan.notMeasured)
              + " (locks and rewrites unknown)");
    }
    for (DatabaseMigrationStatus.PlannedScript script : plan.scripts) {
      out.println();
      out.println(
          "  "
              + script.script
              + " ("
              + (script.statementCount == null ? "?" : script.statementCount)
              + " statement"
              + (Integer.valueOf(1).equals(script.statementCount) ? "" : "s")
              + ")");
      script.statements.forEach(s -> out.println("    " + s));
    }
    if (plan.moreScripts != null && plan.moreScripts > 0) {
      out.println();
      out.println("  ... and " + plan.moreScripts + " more script(s)");
    }
    if (!plan.findings.isEmpty()) {
      out.println();
      out.println("findings:");
      for (DatabaseMigrationStatus.PlanFinding f : plan.findings) {
        out.println(
            "  "
                + f.code
                + (f.slug == null ? "" : " " + f.slug)
                + " "
                + (f.severity == null ? "?" : f.severity.name().toLowerCase(Locale.ROOT))
                + " "
                + f.script
                + (f.line == null ? "" : ":" + f.line)
                + ": "
                + f.message);
        if (f.allowedReason != null) {
          out.println("      allowed: " + f.allowedReason);
        }
      }
      if (plan.moreFindings != null && plan.moreFindings > 0) {
        out.println("  ... and " + plan.moreFindings + " more finding(s)");
      }
    }
    if (!plan.notCopied.isEmpty()) {
      out.println();
      out.println(
          "not reproduced on the scratch copy (statements using them may fail there): "
              + String.join(", ", plan.notCopied));
    }
    out.println();
    out.println("approve exactly this plan: kubectl pitstop approve " + name);
    return OK;
  }

  private static int approve(
      PluginResources resources, DatabaseMigration migration, PrintStream out) {
    nothingToApprove(migration)
        .ifPresent(
            why -> {
              throw new UsageException(why);
            });
    String name = migration.getMetadata().getName();
    String digest = migration.getStatus().plan.digest;
    resources.annotate(migration, Pitstop.APPROVE, digest);
    out.println(
        "databasemigration/"
            + name
            + " approved: plan "
            + digest
            + " (a change to the scripts after this needs a new approval)");
    return OK;
  }

  /**
   * Why {@code migration} has no plan to approve, as one sentence: it does not wait for approval
   * ({@code spec.approval} Never or unset), or no plan waits yet; empty when one does.
   */
  static Optional<String> nothingToApprove(DatabaseMigration migration) {
    String name = "databasemigration/" + migration.getMetadata().getName();
    DatabaseMigrationSpec spec = migration.getSpec();
    if (spec != null && Approval.effective(spec.approval, spec.requireApproval) == Approval.Never) {
      return Optional.of(
          name
              + " does not wait for approval (spec.approval is "
              + (spec.approval == null ? "unset" : "Never")
              + "): its migrations apply when due; set spec.approval to OnRisk or Always to review"
              + " plans first; nothing was changed");
    }
    DatabaseMigrationStatus status = migration.getStatus();
    if (status == null || status.plan == null || status.plan.digest == null) {
      String now =
          status == null || status.phase == null
              ? "the operator has not reported on it yet"
              : "it is " + status.phase + (status.message == null ? "" : ": " + status.message);
      return Optional.of(name + " has no plan to approve yet (" + now + "); nothing was changed");
    }
    return Optional.empty();
  }

  private int annotate(PluginResources resources, String ref, String annotation, PrintStream out) {
    HasMetadata resource = resources.find(ref);
    if (annotation.equals(Pitstop.CANCEL) && resource instanceof MaintenanceWindow window) {
      resources.annotate(window, annotation, Instant.now(clock).toString());
      out.println(
          PluginResources.id(window)
              + ": cancel requested; the window open now closes and restores");
      return OK;
    }
    if (annotation.equals(Pitstop.RUN_REQUESTED_AT) && resource instanceof MaintenanceWindow) {
      throw new UsageException(
          PluginResources.id(resource)
              + " opens by its schedule or spec.active; there is no run to request");
    }
    resources.annotate(resource, annotation, Instant.now(clock).toString());
    out.println(
        PluginResources.id(resource)
            + (annotation.equals(Pitstop.CANCEL)
                ? ": cancel requested; the running "
                    + runOf(resource)
                    + " stops and rolls back its transaction"
                : ": run requested"));
    return OK;
  }

  private static String runOf(HasMetadata resource) {
    if (resource instanceof SandboxReset) {
      return "reset";
    }
    if (resource instanceof CleanupSchedule) {
      return "cleanup";
    }
    return "migration";
  }

  private static int history(
      PluginResources resources, DatabaseMigration migration, PrintStream out, PrintStream err) {
    String id = PluginResources.id(migration);
    MigrationRequests prepared;
    ConnectionSettings settings;
    try {
      prepared = MigrationRequests.prepare(migration, resources::configMap);
      settings =
          DatabaseTargets.settings(
              migration, migration.getSpec().database, "spec.database", resources::secret);
    } catch (SpecException e) {
      err.println(id + ": " + e.getMessage());
      return lastRun(migration, out);
    }
    try (CommandDatabase database = CommandDatabase.open(settings)) {
      MigrationInfo info =
          new MigrationEngine(database.requireReachable().dataSource()).info(prepared.request());
      StatusCommand.print(info, database.describe(), out);
      return OK;
    } catch (CommandFailedException | MigrationException e) {
      err.println(
          id
              + ": the database cannot be read from here ("
              + e.getMessage()
              + "); showing the last run recorded in status");
      return lastRun(migration, out);
    }
  }

  private static int lastRun(DatabaseMigration migration, PrintStream out) {
    DatabaseMigrationStatus status = migration.getStatus();
    if (status == null) {
      out.println(PluginResources.id(migration) + " has no status yet");
      return FAILED;
    }
    out.println(
        "current version "
            + (status.currentVersion == null ? "none" : status.currentVersion)
            + ", "
            + (status.appliedCount == null ? 0 : status.appliedCount)
            + " applied; applied by the last run:");
    TextTable table = new TextTable("VERSION", "DESCRIPTION", "CHECKSUM", "TIME (MS)");
    List<DatabaseMigrationStatus.AppliedMigration> applied = new ArrayList<>(status.lastApplied);
    for (DatabaseMigrationStatus.AppliedMigration m : applied) {
      table.row(
          m.version == null ? "R" : m.version,
          m.description == null ? "" : m.description,
          m.checksum == null ? "" : String.valueOf(m.checksum),
          m.executionTimeMs == null ? "" : String.valueOf(m.executionTimeMs));
    }
    if (table.isEmpty()) {
      out.println("  (none)");
    } else {
      table.print(out, "  ");
    }
    return OK;
  }
}
