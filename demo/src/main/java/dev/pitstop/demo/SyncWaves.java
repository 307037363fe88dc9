package dev.pitstop.demo;

import dev.pitstop.cli.UsageException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Argo CD sync waves in the demo's manifests: objects are applied wave by wave, lowest first, and a
 * wave only once every Pitstop resource of the earlier waves has reached its expected phase (as
 * Argo CD waits for them to be healthy). Without the annotation an object is in wave 0.
 */
final class SyncWaves {
  static final String ANNOTATION = "argocd.argoproj.io/sync-wave";

  private SyncWaves() {}

  /** The waves of all objects, lowest first. */
  static SortedSet<Integer> of(List<ExampleManifests.ManifestFile> files) {
    SortedSet<Integer> waves = new TreeSet<>();
    for (ExampleManifests.ManifestFile file : files) {
      for (HasMetadata object : file.objects()) {
        waves.add(of(file, object));
      }
    }
    return waves;
  }

  /** The wave of one object of {@code file}. */
  static int of(ExampleManifests.ManifestFile file, HasMetadata object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(ANNOTATION);
    if (value == null) {
      return 0;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new UsageException(
          file.name()
              + ": "
              + object.getKind()
              + " "
              + object.getMetadata().getName()
              + ": annotation "
              + ANNOTATION
              + " must be a whole number, not '"
              + value
              + "'");
    }
  }
}
