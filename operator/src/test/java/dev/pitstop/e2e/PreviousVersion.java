package dev.pitstop.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
      Path dir =
          Path.of(
              E2eScripts.run(
                      Path.of("target", "e2e", "previous-operator.log"),
                      Map.of(),
                      Duration.ofMinutes(15),
                      "build-previous-operator.sh",
                      REVISION)
                  .strip());
      built = new PreviousVersion(dir.resolve("pitstop.jar"), dir.resolve("crds"));
    }
    return built;
  }
}
