package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleStatus;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.PitstopStatus;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The Pitstop resources of the cluster as the kubectl plugin reads and annotates them. */
final class PluginResources {
  /** The kinds with the names kubectl accepts for them: kind, plural, singular, short name. */
  private record Kind(
      Class<? extends CustomResource<?, ?>> type, String kind, List<String> names) {}

  private static final List<Kind> KINDS =
      List.of(
          new Kind(
              DatabaseMigration.class,
              "DatabaseMigration",
              List.of("databasemigrations", "databasemigration", "dbm")),
          new Kind(
              SandboxReset.class, "SandboxReset", List.of("sandboxresets", "sandboxreset", "sbr")),
          new Kind(
              CleanupSchedule.class,
              "CleanupSchedule",
              List.of("cleanupschedules", "cleanupschedule", "cls")),
          new Kind(
              MaintenanceWindow.class,
              "MaintenanceWindow",
              List.of("maintenancewindows", "maintenancewindow", "mw")));

  /** One line of {@code kubectl pitstop status}. */
  record Row(
      String namespace,
      String kind,
      String name,
      String phase,
      String ready,
      String progress,
      String message) {}

  private final KubernetesClient client;
  private final String namespace;

  PluginResources(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  String namespace() {
    return namespace;
  }

  /** {@code kind/name} as kubectl prints it. */
  static String id(HasMetadata resource) {
    return resource.getKind().toLowerCase(Locale.ROOT) + "/" + resource.getMetadata().getName();
  }

  /** Every Pitstop resource of the namespace, or of all namespaces. */
  List<Row> rows(boolean allNamespaces) {
    List<Row> rows = new ArrayList<>();
    for (Kind kind : KINDS) {
      var operation = client.resources(kind.type());
      List<? extends CustomResource<?, ?>> items =
          allNamespaces
              ? operation.inAnyNamespace().list().getItems()
              : operation.inNamespace(namespace).list().getItems();
      for (CustomResource<?, ?> item : items) {
        rows.add(row(kind.kind(), item));
      }
    }
    rows.sort(
        Comparator.comparing(Row::namespace).thenComparing(Row::kind).thenComparing(Row::name));
    return rows;
  }

  private static Row row(String kind, CustomResource<?, ?> item) {
    Object status = item.getStatus();
    String phase = "";
    String progress = "";
    String ready = "";
    String message = "";
    if (status instanceof PitstopStatus common) {
      message = common.message == null ? "" : common.message;
      ready =
          common.conditions.stream()
              .filter(c -> "Ready".equals(c.type))
              .map(c -> c.status)
              .findFirst()
              .orElse("");
    }
    if (status instanceof DatabaseMigrationStatus s) {
      phase = s.phase == null ? "" : s.phase.toString();
      if (s.progress != null && s.progress.index != null && s.progress.total != null) {
        progress = "migration " + s.progress.index + "/" + s.progress.total;
      } else if (s.currentVersion != null) {
        progress =
            "at "
                + s.currentVersion
                + (s.pendingCount == null ? "" : ", " + s.pendingCount + " pending");
      }
    } else if (status instanceof SandboxResetStatus s) {
      phase = s.phase == null ? "" : s.phase.toString();
      if (s.progress != null && s.progress.tablesTotal != null) {
        progress = "table " + s.progress.tablesDone + "/" + s.progress.tablesTotal;
      }
    } else if (status instanceof CleanupScheduleStatus s) {
      phase = s.phase == null ? "" : s.phase.toString();
      if (s.progress != null && s.progress.rowsDeleted != null) {
        progress = s.progress.rowsDeleted + " rows deleted";
      }
    } else if (status instanceof MaintenanceWindowStatus s) {
      phase = s.phase == null ? "" : s.phase.toString();
      if (s.drain != null && s.drain.step != null) {
        progress = "drain: " + s.drain.step;
      }
    }
    return new Row(
        item.getMetadata().getNamespace(),
        kind,
        item.getMetadata().getName(),
        phase,
        ready,
        progress,
        message);
  }

  /** The DatabaseMigration {@code ref} names ({@code NAME} or {@code dbm/NAME}). */
  DatabaseMigration migration(String ref) {
    HasMetadata found = find(ref.contains("/") ? ref : "databasemigration/" + ref);
    if (found instanceof DatabaseMigration migration) {
      return migration;
    }
    throw new UsageException(ref + " is a " + found.getKind() + ", not a DatabaseMigration");
  }

  /**
   * The resource {@code ref} names: {@code KIND/NAME} with any name kubectl takes for the kind, or
   * a bare {@code NAME} that exactly one kind has in the namespace.
   */
  HasMetadata find(String ref) {
    String[] parts = ref.split("/", 2);
    if (parts.length == 2) {
      Kind kind =
          KINDS.stream()
              .filter(k -> k.names().contains(parts[0].toLowerCase(Locale.ROOT)))
              .findFirst()
              .orElseThrow(
                  () ->
                      new UsageException(
                          "'"
                              + parts[0]
                              + "' is not a Pitstop kind; use dbm, sbr, cls or mw (or their full"
                              + " names)"));
      return get(kind, parts[1])
          .orElseThrow(
              () ->
                  new UsageException(
                      kind.kind() + " '" + parts[1] + "' not found in namespace " + namespace));
    }
    List<HasMetadata> matches = new ArrayList<>();
    for (Kind kind : KINDS) {
      get(kind, ref).ifPresent(matches::add);
    }
    if (matches.isEmpty()) {
      throw new UsageException("no Pitstop resource named '" + ref + "' in namespace " + namespace);
    }
    if (matches.size() > 1) {
      throw new UsageException(
          "'"
              + ref
              + "' names "
              + matches.stream().map(PluginResources::id).toList()
              + " in namespace "
              + namespace
              + "; say which, e.g. "
              + id(matches.get(0)));
    }
    return matches.get(0);
  }

  private Optional<HasMetadata> get(Kind kind, String name) {
    return Optional.ofNullable(
        client.resources(kind.type()).inNamespace(namespace).withName(name).get());
  }

  /** Sets one annotation with a JSON merge patch, as {@code kubectl annotate --overwrite} does. */
  void annotate(HasMetadata resource, String annotation, String value) {
    String patch =
        Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(annotation, value))));
    client
        .resource(resource)
        .inNamespace(resource.getMetadata().getNamespace())
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  Optional<ConfigMap> configMap(String name) {
    return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name).get());
  }

  Optional<Secret> secret(String name) {
    return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
  }
}
