package dev.pitstop.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Folders of the project that tests read; Maven passes them as system properties. */
public final class ProjectFiles {
  private ProjectFiles() {}

  /** The committed CRDs, {@code crds/}. */
  public static Path crds() {
    return folder("pitstop.crds.dir", "../crds");
  }

  /** CRDs the build generated from the API classes. */
  public static Path generatedCrds() {
    return folder("pitstop.generated.crds.dir", "target/classes/META-INF/fabric8");
  }

  /** The example manifests, {@code examples/}. */
  public static Path examples() {
    return folder("pitstop.examples.dir", "../examples");
  }

  private static Path folder(String property, String fallback) {
    Path path = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException(property + " points at a missing folder: " + path);
    }
    return path;
  }
}
