package dev.pitstop.reconciler;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.reconciler.model.DatabaseTargets;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a DatabaseMigration, SandboxReset or CleanupSchedule references by name in its namespace:
 * the Secret of {@code spec.database} (and any further Secrets), the ConfigMaps its scripts come
 * from, and the MaintenanceWindow of {@code spec.maintenanceWindowRef}. Each is read from an
 * informer cache ({@link ReferencedObjects}), and a change to one reconciles the resources
 * referencing it.
 *
 * @param <P> the primary resource type
 */
public final class OperationReferences<P extends HasMetadata> {
  private final Function<P, DatabaseRef> database;
  private final Function<P, LocalObjectRef> window;
  private final ReferencedObjects<Secret, P> secrets;
  private final ReferencedObjects<ConfigMap, P> configMaps;
  private final ReferencedObjects<MaintenanceWindow, P> windows;

  /**
   * @param database the resource's {@code spec.database}
   * @param otherSecrets names of Secrets referenced besides the database's (never null)
   * @param scripts where the resource's scripts come from; {@code null} for a kind without scripts
   * @param window the resource's {@code spec.maintenanceWindowRef}
   */
  public OperationReferences(
      Function<P, DatabaseRef> database,
      Function<P, Collection<String>> otherSecrets,
      Function<P, ScriptSource> scripts,
      Function<P, LocalObjectRef> window) {
    this.database = database;
    this.window = window;
    this.secrets =
        new ReferencedObjects<>(
            Secret.class,
            "secrets",
            r -> {
              List<String> names = new ArrayList<>(names(database.apply(r)));
              names.addAll(otherSecrets.apply(r));
              return names;
            });
    this.configMaps =
        scripts == null
            ? null
            : new ReferencedObjects<>(
                ConfigMap.class, "configmaps", r -> configMapNames(scripts.apply(r)));
    this.windows =
        new ReferencedObjects<>(MaintenanceWindow.class, "windows", r -> names(window.apply(r)));
  }

  /** A kind that references the database's Secret, script ConfigMaps and a window. */
  public static <P extends HasMetadata> OperationReferences<P> withScripts(
      Function<P, DatabaseRef> database,
      Function<P, ScriptSource> scripts,
      Function<P, LocalObjectRef> window) {
    return new OperationReferences<>(database, r -> List.of(), scripts, window);
  }

  /**
   * The informer event sources of the referenced kinds (Secrets, ConfigMaps if any, windows),
   * followed by {@code wakeups}, to return from {@code prepareEventSources}.
   */
  public List<EventSource<?, P>> eventSources(
      EventSourceContext<P> context, EventSource<?, P> wakeups) {
    List<EventSource<?, P>> sources = new ArrayList<>();
    sources.add(secrets.eventSource(context));
    if (configMaps != null) {
      sources.add(configMaps.eventSource(context));
    }
    sources.add(windows.eventSource(context));
    sources.add(wakeups);
    return List.copyOf(sources);
  }

  /** The Secret {@code name} of the resource's namespace, from the cache. */
  public Optional<Secret> secret(Context<P> context, String name) {
    return secrets.get(context, name);
  }

  /** The resourceVersion of the database Secret, from the cache; null when it is missing. */
  public String secretVersion(P resource, Context<P> context) {
    List<String> names = names(database.apply(resource));
    return names.isEmpty()
        ? null
        : secrets
            .get(context, names.get(0))
            .map(s -> s.getMetadata().getResourceVersion())
            .orElse(null);
  }

  /** The ConfigMap {@code name} of the resource's namespace, from the cache. */
  public Optional<ConfigMap> configMap(Context<P> context, String name) {
    if (configMaps == null) {
      throw new IllegalStateException("this kind references no ConfigMaps");
    }
    return configMaps.get(context, name);
  }

  /** Whether the resource's maintenance window (if it names one) lets it start at {@code now}. */
  public WindowGate.Decision gate(P resource, Context<P> context, Instant now) {
    return WindowGate.check(window.apply(resource), name -> windows.get(context, name), now);
  }

  /** The database of {@code spec.database}, connected through a pool. */
  public DatabaseTargets.Target target(DatabaseTargets targets, P resource, Context<P> context)
      throws SpecException {
    return targets.resolve(
        resource, database.apply(resource), "spec.database", n -> secrets.get(context, n));
  }

  private static List<String> names(DatabaseRef ref) {
    return ref == null || ref.secretRef == null || ref.secretRef.name == null
        ? List.of()
        : List.of(ref.secretRef.name);
  }

  private static List<String> names(LocalObjectRef ref) {
    return ref == null || ref.name == null ? List.of() : List.of(ref.name);
  }

  private static List<String> configMapNames(ScriptSource scripts) {
    return scripts == null || scripts.configMapRefs == null
        ? List.of()
        : scripts.configMapRefs.stream().map(c -> c.name).toList();
  }
}
