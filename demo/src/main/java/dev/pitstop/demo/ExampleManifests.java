package dev.pitstop.demo;

import dev.pitstop.cli.UsageException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The manifests the demo applies: from a folder ({@code --examples DIR}, else {@code ./examples}),
 * else the copy of {@code examples/} packaged in the jar. Files are applied in path order.
 */
final class ExampleManifests {
  private ExampleManifests() {}

  /** One file's objects, with where they came from. */
  record ManifestFile(String name, List<HasMetadata> objects) {}

  static List<ManifestFile> load(KubernetesClient client, Path folder) throws IOException {
    if (folder != null) {
      if (!Files.isDirectory(folder)) {
        throw new UsageException("--examples: " + folder + " is not a folder");
      }
      return fromFolder(client, folder);
    }
    Path local = Path.of("examples");
    if (Files.isDirectory(local)) {
      return fromFolder(client, local);
    }
    return fromJar(client);
  }

  private static List<ManifestFile> fromFolder(KubernetesClient client, Path folder)
      throws IOException {
    List<ManifestFile> files = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path p : paths.filter(ExampleManifests::isYaml).sorted().toList()) {
        try (InputStream in = Files.newInputStream(p)) {
          files.add(new ManifestFile(folder.relativize(p).toString(), client.load(in).items()));
        }
      }
    }
    return files;
  }

  private static List<ManifestFile> fromJar(KubernetesClient client) throws IOException {
    Path jar;
    try {
      jar =
          Path.of(
              ExampleManifests.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    List<ManifestFile> files = new ArrayList<>();
    if (!Files.isRegularFile(jar)) {
      return files;
    }
    try (JarFile jarFile = new JarFile(jar.toFile())) {
      List<JarEntry> entries = new ArrayList<>();
      for (Enumeration<JarEntry> e = jarFile.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        if (entry.getName().startsWith("examples/") && isYaml(Path.of(entry.getName()))) {
          entries.add(entry);
        }
      }
      entries.sort((a, b) -> a.getName().compareTo(b.getName()));
      for (JarEntry entry : entries) {
        try (InputStream in = jarFile.getInputStream(entry)) {
          files.add(
              new ManifestFile(
                  entry.getName().substring("examples/".length()), client.load(in).items()));
        }
      }
    }
    return files;
  }

  private static boolean isYaml(Path p) {
    String name = p.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }
}
