package dev.pitstop.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Kubernetes control plane (etcd and kube-apiserver built from the upstream Go modules),
 * started by {@code e2e/control-plane.sh}, the same command a person uses, once per test JVM and
 * Kubernetes version, and stopped when the JVM ends.
 *
 * <p>{@value #VERSION_PROPERTY} picks the version (default: the newest module in {@code e2e/}).
 * {@value #SKIP_PROPERTY}{@code =true} skips every end-to-end test; without it, a machine without
 * the cached binaries and without Go fails the tests with the build script's instructions.
 */
final class ControlPlane {
  static final String VERSION_PROPERTY = "pitstop.e2e.kubernetes";
  static final String SKIP_PROPERTY = "pitstop.e2e.skip";

  private static final Pattern EXPORT = Pattern.compile("(?m)^export (KUBECONFIG|PATH)=(.*)$");
  private static final Map<String, ControlPlane> RUNNING = new ConcurrentHashMap<>();

  private final String version;
  private final Path runDir;
  private final Path kubeconfig;
  private final Path binDir;

  private ControlPlane(String version, Path runDir, Path kubeconfig, Path binDir) {
    this.version = version;
    this.runDir = runDir;
    this.kubeconfig = kubeconfig;
    this.binDir = binDir;
  }

  /** The control plane of the configured version, started on first use. */
  static ControlPlane shared() {
    Assumptions.assumeFalse(
        Boolean.getBoolean(SKIP_PROPERTY),
        "end-to-end tests skipped (-D" + SKIP_PROPERTY + "=true)");
    String version = System.getProperty(VERSION_PROPERTY, "").trim();
    return RUNNING.computeIfAbsent(version, ControlPlane::start);
  }

  private static ControlPlane start(String version) {
    Path runDir =
        Path.of("target", "e2e", "kubernetes-" + (version.isEmpty() ? "newest" : version))
            .toAbsolutePath();
    String out;
    try {
      out =
          E2eScripts.run(
              runDir.resolveSibling(runDir.getFileName() + "-start.log"),
              Map.of(
                  "PITSTOP_E2E_RUN_DIR",
                  runDir.toString(),
                  // A first build on this machine: every core, the tests wait for it.
                  "PITSTOP_E2E_BUILD_JOBS",
                  System.getenv()
                      .getOrDefault(
                          "PITSTOP_E2E_BUILD_JOBS",
                          String.valueOf(Runtime.getRuntime().availableProcessors()))),
              Duration.ofMinutes(30),
              "control-plane.sh",
              version.isEmpty() ? new String[] {"start"} : new String[] {"start", version});
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "could not start the Kubernetes control plane for the end-to-end tests: "
              + e.getMessage()
              + "\nTo run the build without them, add -D"
              + SKIP_PROPERTY
              + "=true (README.md).",
          e);
    }
    Matcher m = EXPORT.matcher(out);
    Path kubeconfig = null;
    Path binDir = null;
    while (m.find()) {
      if (m.group(1).equals("KUBECONFIG")) {
        kubeconfig = Path.of(m.group(2));
      } else {
        binDir = Path.of(m.group(2).replace(":$PATH", ""));
      }
    }
    if (kubeconfig == null || binDir == null) {
      throw new IllegalStateException("control-plane.sh printed no KUBECONFIG and PATH: " + out);
    }
    try {
      ControlPlane plane =
          new ControlPlane(
              Files.readString(runDir.resolve("version")).trim(), runDir, kubeconfig, binDir);
      Runtime.getRuntime().addShutdownHook(new Thread(plane::stop, "control-plane-stop"));
      return plane;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stop() {
    try {
      E2eScripts.run(
          runDir.resolve("stop.log"),
          Map.of("PITSTOP_E2E_RUN_DIR", runDir.toString()),
          Duration.ofSeconds(60),
          "control-plane.sh",
          "stop");
    } catch (RuntimeException e) {
      // The JVM is ending and cannot do more; control-plane.sh stop or the next start ends them.
    }
  }

  /** The Kubernetes release, e.g. {@code v1.37.2}. */
  String version() {
    return version;
  }

  /** The admin kubeconfig (a client certificate in group {@code system:masters}). */
  Path adminKubeconfig() {
    return kubeconfig;
  }

  /** kubectl of the same release. */
  Kubectl kubectl() {
    return new Kubectl(binDir.resolve("kubectl"), kubeconfig);
  }

  /** The control plane's certificate authority, for other kubeconfigs. */
  Path certificateAuthority() {
    return runDir.resolve("pki/ca.crt");
  }

  /** Where the control plane's logs are. */
  Path runDir() {
    return runDir;
  }
}
