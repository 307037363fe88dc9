package dev.pitstop.e2e;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The operator jar and CRDs of the previous version, built once per machine from the git history by
 * {@code e2e/build-previous-operator.sh}.
 *
 * @param jar the previous operator jar
 * @param crds the previous CRD files
 */
record PreviousVersion(Path jar, Path crds) {
  /**
   * The last revision before the CRDs renamed {@code notify.on} and the operator tolerated fields
   * it does not know; the pair a cluster runs before upgrading to this one.
   */
  static final String REVISION = "b689fba4d14e";

  private static PreviousVersion built;

  static synchronized PreviousVersion get() {
    if (built == null) {
      Path script = ProjectFiles.root().resolve("e2e/build-previous-operator.sh");
      try {
        Path log = Files.createTempFile("pitstop-previous-", ".log");
        Process process =
            new ProcessBuilder(script.toString(), REVISION).redirectError(log.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
          throw new IllegalStateException(
              "could not build the previous operator ("
                  + script
                  + " "
                  + REVISION
                  + "):\n"
                  + Files.readString(log));
        }
        Path dir = Path.of(out.strip());
        built = new PreviousVersion(dir.resolve("pitstop.jar"), dir.resolve("crds"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return built;
  }
}
