package dev.pitstop.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --keep-running} driven by the real kubectl, as the walkthrough's "try the failure
 * paths" does: the kubectl of the end-to-end tests' Kubernetes release (built by {@code
 * e2e/build-control-plane.sh}); {@code -Dpitstop.e2e.skip=true} skips it, as it skips them.
 */
class DemoKubectlIT {
  private static final String SKIP_PROPERTY = "pitstop.e2e.skip";

  @TempDir Path dir;

  @Test
  void kubectlDrivesTheRunningDemo() throws Exception {
    Assumptions.assumeFalse(
        Boolean.getBoolean(SKIP_PROPERTY),
        "kubectl tests skipped (-D" + SKIP_PROPERTY + "=true), as the end-to-end tests are");
    Path kubectl = kubectl();
    Path jar = Path.of("target/pitstop-demo.jar").toAbsolutePath();
    assertThat(jar).as("the shaded jar, built by mvn package").isRegularFile();
    Path kubeconfig = dir.resolve("kube/config");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process demo =
        new ProcessBuilder(
                java,
                "-jar",
                jar.toString(),
                "demo",
                "--plain",
                "--keep-running",
                "--kubeconfig",
                kubeconfig.toString(),
                "--examples",
                ProjectFiles.examples().toString())
            .redirectErrorStream(true)
            .start();
    StringBuffer output = new StringBuffer();
    Thread reader = drain(demo.getInputStream(), output);
    try {
      await()
          .atMost(Duration.ofMinutes(4))
          .until(() -> output.toString().contains("export KUBECONFIG=") || !demo.isAlive());
      assertThat(output.toString())
          .contains("export KUBECONFIG=" + kubeconfig)
          .containsPattern("Kubernetes API on http://\\S+")
          .contains("Deployment shop-worker: 2 replicas")
          .doesNotContain("does not exist");
      Kubectl k = new Kubectl(kubectl, kubeconfig);

      // The category: every example resource, with its printer columns.
      String all = k.ok("get", "pitstop");
      assertThat(all)
          .containsPattern("databasemigration.pitstop.dev/app-schema +.*Succeeded")
          .containsPattern("databasemigration.pitstop.dev/release-42 +.*Succeeded")
          .containsPattern("maintenancewindow.pitstop.dev/release +.*running +Idle")
          .containsPattern("sandboxreset.pitstop.dev/sandbox-nightly +.*Succeeded")
          .containsPattern("cleanupschedule.pitstop.dev/platform-cleanup +.*Scheduled");

      // apply (with kubectl's default validation) of an edited copy of the example.
      String example =
          Files.readString(
              ProjectFiles.examples().resolve("database-migration/02-databasemigration.yaml"));
      String copy = example.replaceFirst("(?m)^  name: app-schema$", "  name: app-schema-copy");
      assertThat(copy).isNotEqualTo(example);
      Path copyFile = Files.writeString(dir.resolve("copy.yaml"), copy);
      assertThat(k.ok("apply", "-f", copyFile.toString()))
          .contains("databasemigration.pitstop.dev/app-schema-copy created");
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  k.ok("get", "dbm", "app-schema-copy", "-o", "jsonpath={.status.phase}")
                      .equals("Succeeded"));
      assertThat(k.ok("get", "dbm"))
          .containsPattern("app-schema-copy +\\S+ +8 +True +6 +0 +Succeeded");

      // A field the CRD does not declare is refused, as a real API server refuses it.
      Path typo =
          Files.writeString(
              dir.resolve("typo.yaml"),
              copy.replaceFirst("(?m)^spec:$", "spec:\n  lockTimeuot: 10s")
                  .replace("app-schema-copy", "app-schema-typo"));
      Kubectl.Result refused = k.run("apply", "-f", typo.toString());
      assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
      assertThat(refused.err()).contains("unknown field \"spec.lockTimeuot\"");

      assertThat(k.ok("describe", "dbm/app-schema-copy"))
          .contains("Events:")
          .containsPattern("Normal +MigrationStarted .*pitstop-operator")
          .containsPattern("Normal +MigrationSucceeded .*pitstop-operator");

      // The run annotation starts another run, with its value in the run's id.
      k.ok("annotate", "dbm/app-schema-copy", "pitstop.dev/run-requested-at=now", "--overwrite");
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  k.ok(
                          "get",
                          "events",
                          "--field-selector",
                          "involvedObject.name=app-schema-copy,reason=MigrationStarted",
                          "-o",
                          "jsonpath={.items[*].message}")
                      .contains("/now)"));

      // A failure path of the walkthrough: change a migration that was already applied.
      String migrations =
          Files.readString(
              ProjectFiles.examples().resolve("database-migration/01-migrations-configmap.yaml"));
      String changed = migrations.replace("title text NOT NULL,", "title varchar(200) NOT NULL,");
      assertThat(changed).isNotEqualTo(migrations);
      Path changedFile = Files.writeString(dir.resolve("migrations.yaml"), changed);
      assertThat(k.ok("apply", "-f", changedFile.toString()))
          .contains("configmap/app-migrations configured");
      k.ok("annotate", "dbm/app-schema", "pitstop.dev/run-requested-at=changed", "--overwrite");
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> k.ok("get", "dbm", "app-schema", "-o", "yaml").contains("ChecksumMismatch"));
    } finally {
      // SIGTERM, as Process.destroy() sends it, but without closing the output still to read.
      demo.toHandle().destroy();
      boolean stopped = demo.waitFor(1, TimeUnit.MINUTES);
      if (!stopped) {
        demo.destroyForcibly();
      }
      assertThat(stopped).as("stops on SIGTERM").isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertThat(output.toString()).as(output.toString()).contains("pitstop demo: stopping");
  }

  /**
   * The e2e suite's kubectl: {@code e2e/build-control-plane.sh} prints its bin directory (and
   * builds it first when it is not in the cache).
   */
  private static Path kubectl() throws IOException, InterruptedException {
    Path script = ProjectFiles.root().resolve("e2e/build-control-plane.sh");
    String version = System.getProperty("pitstop.e2e.kubernetes", "").trim();
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    if (!version.isEmpty()) {
      command.add(version);
    }
    Process build = new ProcessBuilder(command).redirectErrorStream(false).start();
    String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(build.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = build.waitFor();
    assertThat(code)
        .as(
            "no kubectl: %s failed (build it with e2e/build-control-plane.sh, or skip these tests"
                + " with -D%s=true):%n%s",
            script, SKIP_PROPERTY, err)
        .isZero();
    String[] lines = out.strip().split("\n");
    Path kubectl = Path.of(lines[lines.length - 1].strip(), "kubectl");
    assertThat(kubectl).isExecutable();
    return kubectl;
  }

  private static Thread drain(InputStream in, StringBuffer into) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                  into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                into.append(e);
              }
            },
            "demo-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** kubectl with the demo's kubeconfig. */
  private record Kubectl(Path binary, Path kubeconfig) {
    record Result(List<String> args, int exitCode, String out, String err) {
      @Override
      public String toString() {
        return "kubectl " + String.join(" ", args) + " → exit " + exitCode + "\n" + out + err;
      }
    }

    Result run(String... args) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of(binary.toString()));
      command.addAll(List.of("--kubeconfig", kubeconfig.toString()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).start();
      p.getOutputStream().close();
      StringBuffer err = new StringBuffer();
      Thread errors = drain(p.getErrorStream(), err);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      errors.join(TimeUnit.SECONDS.toMillis(10));
      return new Result(List.of(args), p.exitValue(), out, err.toString());
    }

    /** Runs kubectl, asserts exit 0 and returns its standard output. */
    String ok(String... args) throws IOException, InterruptedException {
      Result result = run(args);
      assertThat(result.exitCode()).as(result.toString()).isZero();
      return result.out();
    }
  }
}
