package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upgrade from the CRDs before {@code notify.results} ({@code e2e/previous-crds/}, where kubectl
 * stored the example's {@code notify.on} as {@code "true"}) to the current ones, and back: every
 * resource stays reconciled and keeps what it asked for.
 */
@EndToEnd
class UpgradeE2eIT {
  private static final String NAMESPACE = "e2e-upgrade";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private OperatorReplica operator;

  @BeforeAll
  static void install() {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
  }

  @AfterAll
  static void restoreCrds() {
    kubectl.run("delete", "cls,dbm", "--all", "-n", NAMESPACE, "--timeout=30s");
    kubectl.ok("apply", "--server-side", "-f", ProjectFiles.crds().toString());
  }

  private static Path previousCrds() {
    try {
      return Path.of(UpgradeE2eIT.class.getResource("/e2e/previous-crds").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private String get(String resource, String path) {
    return kubectl.ok("get", resource, "-n", NAMESPACE, "-o", "jsonpath=" + path);
  }

  @Test
  void resourcesWrittenUnderThePreviousCrdsStayReconciledAfterAnUpgradeAndARollback()
      throws Exception {
    kubectl.ok("apply", "--server-side", "-f", previousCrds().toString());
    E2eDatabases.fresh("e2e_upgrade");
    kubectl.apply(E2eDatabases.secret("app-db", NAMESPACE, "e2e_upgrade"));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Secret",
            "metadata: {name: hook, namespace: " + NAMESPACE + "}",
            "stringData: {url: \"http://127.0.0.1:9/hook\"}",
            ""));
    Path manifests = release.plane().runDir().resolve("upgrade");
    Path schema =
        Kubectl.write(
            manifests,
            "dbm.yaml",
            String.join(
                "\n",
                "apiVersion: pitstop.dev/v1alpha1",
                "kind: DatabaseMigration",
                "metadata: {name: schema, namespace: " + NAMESPACE + "}",
                "spec:",
                "  database: {secretRef: {name: app-db}}",
                "  source:",
                "    inline:",
                "    - name: V1__sessions.sql",
                "      sql: \"CREATE TABLE sessions (id int, expires_at timestamptz);\"",
                ""));
    // As the previous example had it: kubectl reads the unquoted key on as true.
    Path cleanup =
        Kubectl.write(
            manifests,
            "cls.yaml",
            String.join(
                "\n",
                "apiVersion: pitstop.dev/v1alpha1",
                "kind: CleanupSchedule",
                "metadata: {name: nightly, namespace: " + NAMESPACE + "}",
                "spec:",
                "  database: {secretRef: {name: app-db}}",
                "  schedule: \"0 3 * * *\"",
                "  rules:",
                "  - {name: expired, table: sessions, olderThan: {column: expires_at, age: 0s}}",
                "  notify:",
                "    webhookSecretRef: {name: hook, key: url}",
                "    on: [Success, Incomplete]",
                ""));
    kubectl.ok("apply", "-f", schema.toString());
    kubectl.ok("apply", "-f", cleanup.toString());
    assertThat(get("cls/nightly", "{.spec.notify}"))
        .as("stored under the previous CRD")
        .contains("\"true\"");

    // The upgrade: the current CRDs, then the current operator.
    kubectl.ok("apply", "--server-side", "-f", ProjectFiles.crds().toString());
    operator = OperatorReplica.start(release, "pitstop-upgrade-0", Map.of()).awaitReady();
    try {
      await("the migration")
          .atMost(Duration.ofSeconds(60))
          .until(() -> get("dbm/schema", "{.status.phase}"), "Succeeded"::equals);
      await("the schedule")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> get("cls/nightly", "{.status.conditions[?(@.type==\"Ready\")].status}"),
              "True"::equals);
      assertThat(get("cls/nightly", "{.spec.notify}"))
          .as("the notify choice written under the previous CRD survives the upgrade")
          .contains("Success", "Incomplete");
      assertThat(
              kubectl.ok(
                  "get",
                  "events",
                  "-n",
                  NAMESPACE,
                  "--field-selector",
                  "involvedObject.name=nightly"))
          .contains("notify.results");

      // The rollback: the previous CRDs again; what the current operator wrote stays readable.
      kubectl.ok("apply", "--server-side", "-f", previousCrds().toString());
      kubectl.ok(
          "annotate",
          "dbm/schema",
          "-n",
          NAMESPACE,
          "pitstop.dev/run-requested-at=after-rollback",
          "--overwrite");
      await("reconciled after the rollback")
          .atMost(Duration.ofSeconds(60))
          .until(() -> get("dbm/schema", "{.status.observedRunRequest}"), "after-rollback"::equals);
      assertThat(get("dbm/schema", "{.status.phase}")).isEqualTo("Succeeded");
      assertThat(operator.status("/readyz")).isEqualTo(200);
    } finally {
      operator.close();
    }
  }
}
