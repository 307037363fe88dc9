package dev.pitstop.reliability;

import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.SandboxReset;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/** The Java classes of the four Pitstop kinds, by kind name. */
final class Kinds {
  private static final Map<String, Class<? extends HasMetadata>> TYPES =
      Map.of(
          "DatabaseMigration", DatabaseMigration.class,
          "SandboxReset", SandboxReset.class,
          "CleanupSchedule", CleanupSchedule.class,
          "MaintenanceWindow", MaintenanceWindow.class);

  private Kinds() {}

  static Class<? extends HasMetadata> type(String kind) {
    Class<? extends HasMetadata> type = TYPES.get(kind);
    if (type == null) {
      throw new IllegalArgumentException("not a Pitstop kind: " + kind);
    }
    return type;
  }
}
