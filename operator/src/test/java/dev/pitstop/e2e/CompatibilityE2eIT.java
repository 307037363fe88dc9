package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What happens around an upgrade: objects written under a newer CRD (fields this operator does not
 * know, in spec and status) are reconciled and keep those fields; an informer that stops (here: its
 * CRD is deleted) makes {@code /readyz} fail, naming it, until it runs again.
 */
@EndToEnd
class CompatibilityE2eIT {
  private static final String NAMESPACE = "e2e-compat";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private OperatorReplica operator;

  @BeforeAll
  static void install() {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
  }

  @AfterEach
  void stop() throws InterruptedException {
    kubectl.run("delete", "dbm", "--all", "-n", NAMESPACE, "--timeout=30s");
    if (operator != null) {
      operator.close();
    }
    // The CRDs as shipped, whatever a test changed (one field manager: the newer properties go).
    kubectl.ok("apply", "--server-side", "-f", ProjectFiles.crds().toString());
  }

  private static Path crd(String plural) {
    return ProjectFiles.crds().resolve(plural + ".pitstop.dev-v1.yml");
  }

  /** The shipped CRD with one more spec and status property, as a newer version would have. */
  private static Path newerCrd(Path dir) {
    try {
      String crd = Files.readString(crd("databasemigrations"));
      String spec = "          spec:\n            properties:\n";
      String status = "          status:\n            properties:\n";
      assertThat(crd).contains(spec, status);
      String newer =
          crd.replace(
                  spec, spec + "              rolloutStrategy:\n                type: \"string\"\n")
              .replace(
                  status,
                  status + "              rolloutState:\n                type: \"string\"\n");
      return Kubectl.write(dir, "databasemigrations-newer.yml", newer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void unknownSpecAndStatusFieldsAreReconciledAndKept() {
    Path newer = newerCrd(release.plane().runDir().resolve("compat"));
    kubectl.ok("apply", "--server-side", "--force-conflicts", "-f", newer.toString());
    E2eDatabases.fresh("e2e_compat");
    kubectl.apply(E2eDatabases.secret("app-db", NAMESPACE, "e2e_compat"));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: from-newer, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: app-db}}",
            "  rolloutStrategy: canary",
            "  source:",
            "    inline:",
            "    - {name: V1__t.sql, sql: \"CREATE TABLE t (id int);\"}",
            ""));
    kubectl.ok(
        "patch",
        "dbm/from-newer",
        "-n",
        NAMESPACE,
        "--subresource=status",
        "--type=merge",
        "-p",
        "{\"status\":{\"rolloutState\":\"written-by-a-newer-operator\"}}");

    operator = OperatorReplica.start(release, "pitstop-compat-0", Map.of()).awaitReady();

    await("reconciled")
        .atMost(Duration.ofSeconds(60))
        .until(() -> jsonPath("{.status.phase}"), "Succeeded"::equals);
    assertThat(jsonPath("{.spec.rolloutStrategy}")).isEqualTo("canary");
    assertThat(jsonPath("{.status.rolloutState}"))
        .as("a status field of a newer version survives this operator's status writes")
        .isEqualTo("written-by-a-newer-operator");
    assertThat(operator.isAlive()).isTrue();
  }

  private String jsonPath(String path) {
    return kubectl.ok("get", "dbm/from-newer", "-n", NAMESPACE, "-o", "jsonpath=" + path);
  }

  @Test
  void readinessFailsNamingTheStoppedInformerAndRecovers() throws Exception {
    kubectl.ok("delete", "maintenancewindows", "--all", "-A", "--timeout=30s");
    operator = OperatorReplica.start(release, "pitstop-compat-1", Map.of()).awaitReady();

    kubectl.ok("delete", "crd", "maintenancewindows.pitstop.dev", "--timeout=30s");

    await("readiness fails")
        .atMost(Duration.ofSeconds(60))
        .until(() -> operator.status("/readyz"), s -> s != 200);
    assertThat(operator.get("/readyz").body()).containsIgnoringCase("maintenancewindow");

    kubectl.ok("apply", "--server-side", "-f", crd("maintenancewindows").toString());
    await("readiness recovers")
        .atMost(Duration.ofSeconds(90))
        .until(() -> operator.status("/readyz"), s -> s == 200);
    assertThat(operator.isAlive()).isTrue();
  }
}
