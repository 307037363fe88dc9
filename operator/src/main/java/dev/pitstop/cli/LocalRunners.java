package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.SandboxReset;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link LocalRunner}s {@code pitstop run -f} dispatches to, by kind. Add a kind's runner to
 * {@link #standard()}.
 */
public final class LocalRunners {
  /** Every Pitstop kind, whether or not it has a runner yet. */
  static final List<Class<? extends CustomResource<?, ?>>> KINDS =
      List.of(
          DatabaseMigration.class,
          MaintenanceWindow.class,
          SandboxReset.class,
          CleanupSchedule.class);

  private final Map<String, LocalRunner<?>> byKind = new LinkedHashMap<>();

  /** The runners of the shipped jar. */
  public static LocalRunners standard() {
    return new LocalRunners()
        .register(new DatabaseMigrationLocalRunner())
        .register(new SandboxResetLocalRunner())
        .register(new CleanupScheduleLocalRunner());
  }

  /** Adds {@code runner} for its kind, replacing any other runner of that kind. */
  public LocalRunners register(LocalRunner<?> runner) {
    byKind.put(HasMetadata.getKind(runner.type()), runner);
    return this;
  }

  /** The runner of {@code kind} (e.g. {@code DatabaseMigration}), if there is one. */
  public Optional<LocalRunner<?>> forKind(String kind) {
    return Optional.ofNullable(byKind.get(kind));
  }

  /** Whether {@code kind} is one of Pitstop's kinds. */
  static boolean isPitstopKind(String kind) {
    return KINDS.stream().anyMatch(type -> HasMetadata.getKind(type).equals(kind));
  }

  /** The names of Pitstop's kinds, for messages. */
  static List<String> kindNames() {
    return KINDS.stream().map(HasMetadata::getKind).toList();
  }
}
