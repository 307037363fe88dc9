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

  /** The repository's root folder (Dockerfile, docs/, helm/). */
  public static Path root() {
    return folder("pitstop.root.dir", "..");
  }

  /** The Helm chart, {@code helm/pitstop/}. */
  public static Path chart() {
    return existing(root().resolve("helm/pitstop"));
  }

  /** The documentation, {@code docs/}. */
  public static Path docs() {
    return existing(root().resolve("docs"));
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

  private static Path existing(Path path) {
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException("missing folder: " + path);
    }
    return path;
  }
}
