package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jar the image ships, {@code target/pitstop.jar} (built by {@code mvn package} before this
 * runs): the operator and the CLI, and none of the test infrastructure that the demo jar and the
 * tests use (the embedded PostgreSQL binaries, fabric8's mock API server and the HTTP server, TLS
 * and networking libraries it brings).
 */
class OperatorJarIT {
  private static final Path JAR = Path.of("target", "pitstop.jar");

  static final long MAX_BYTES = 35L * 1024 * 1024;

  /** Entry name prefixes of the test infrastructure and the demo. */
  static final List<String> NOT_SHIPPED =
      List.of(
          "io/zonky/",
          "io/fabric8/mockwebserver/",
          "io/fabric8/kubernetes/client/server/mock/",
          "io/vertx/",
          "io/netty/",
          "org/bouncycastle/",
          "dev/pitstop/embedded/",
          "dev/pitstop/demo/",
          "examples/");

  /** zonky's compressed PostgreSQL distributions, e.g. {@code postgres-linux-x86_64.txz}. */
  private static final Pattern POSTGRES_BINARIES =
      Pattern.compile("(.*/)?postgres-linux-[^/]*\\.txz");

  private static List<String> entries;

  @BeforeAll
  static void read() throws IOException {
    assertThat(JAR).as("%s is built by mvn package", JAR.toAbsolutePath()).isRegularFile();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      entries = jar.stream().map(JarEntry::getName).toList();
    }
  }

  @Test
  void isTheOperatorAndCliJar() {
    assertThat(entries)
        .contains("dev/pitstop/Main.class", "dev/pitstop/cli/Cli.class", "pitstop-logback.xml");
  }

  @Test
  void isSmallerThan35MiB() throws IOException {
    long size = Files.size(JAR);
    assertThat(size).as("%s is %.1f MiB", JAR, size / (1024.0 * 1024.0)).isLessThan(MAX_BYTES);
  }

  @Test
  void holdsNoTestInfrastructure() {
    List<String> found =
        entries.stream()
            .filter(
                e ->
                    NOT_SHIPPED.stream().anyMatch(e::startsWith)
                        || POSTGRES_BINARIES.matcher(e).matches())
            .toList();
    assertThat(found.size())
        .as("test infrastructure in %s, e.g. %s", JAR, found.subList(0, Math.min(10, found.size())))
        .isZero();
  }
}
