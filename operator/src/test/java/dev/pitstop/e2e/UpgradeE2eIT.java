package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upgrade from the previous CRD/operator pair ({@link PreviousVersion}, built from the git
 * history) to this one, and a rollback: every resource stays reconciled, and a CleanupSchedule
 * whose unquoted {@code notify.on} kubectl stored as {@code "true"} under the previous CRDs keeps
 * its choice.
 */
@EndToEnd
class UpgradeE2eIT {
  private static final String NAMESPACE = "e2e-upgrade";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private static Path manifests;

  @BeforeAll
  static void install() {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
    manifests = release.plane().runDir().resolve("upgrade");
  }

  @AfterAll
  static void restoreCrds() {
    release.deleteWithoutOperator(
        NAMESPACE, "CleanupSchedule", "DatabaseMigration", "MaintenanceWindow");
    kubectl.ok("apply", "--server-side", "-f", ProjectFiles.crds().toString());
  }

  private String get(String resource, String path) {
    return kubectl.ok("get", resource, "-n", NAMESPACE, "-o", "jsonpath=" + path);
  }

  private String ready(String resource) {
    return get(resource, "{.status.conditions[?(@.type==\"Ready\")].status}");
  }

  private Path write(String name, String... lines) {
    return Kubectl.write(manifests, name, String.join("\n", lines) + "\n");
  }

  /**
   * Every resource is reconciled by {@code operator}: the migration and the cleanups act on a new
   * run request, the window on a spec edit.
   */
  private void assertReconciled(OperatorReplica operator, String request, List<String> cleanups) {
    // The migration first: the cleanups delete from the table it creates.
    List<String> requested = new ArrayList<>(List.of("dbm/schema"));
    requested.addAll(cleanups);
    for (String resource : requested) {
      kubectl.ok(
          "annotate",
          resource,
          "-n",
          NAMESPACE,
          "pitstop.dev/run-requested-at=" + request,
          "--overwrite");
      if (resource.equals("dbm/schema")) {
        await("the migration acts on " + request)
            .atMost(Duration.ofSeconds(60))
            .failFast("the operator exited:\n" + operator.tail(), () -> !operator.isAlive())
            .until(
                () -> get(resource, "{.status.observedRunRequest}/{.status.phase}"),
                (request + "/Succeeded")::equals);
      }
    }
    kubectl.ok(
        "patch",
        "mw/window",
        "-n",
        NAMESPACE,
        "--type=merge",
        "-p",
        "{\"spec\":{\"pollInterval\":\"" + (request.length() * 100) + "ms\"}}");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("dbm/schema", request + "/Succeeded");
    cleanups.forEach(c -> expected.put(c, request + "/True"));
    expected.put("mw/window", "current/True");
    try {
      awaitReconciled(operator, cleanups, expected);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          e.getMessage()
              + "\n"
              + kubectl.run("describe", "dbm,cls,mw", "-n", NAMESPACE).output()
              + "\noperator log:\n"
              + operator.tail(),
          e);
    }
  }

  private void awaitReconciled(
      OperatorReplica operator, List<String> cleanups, Map<String, String> expected) {
    await(operator.name() + " reconciles every resource")
        .atMost(Duration.ofSeconds(60))
        .failFast("the operator exited:\n" + operator.tail(), () -> !operator.isAlive())
        .until(
            () -> {
              Map<String, String> seen = new LinkedHashMap<>();
              seen.put(
                  "dbm/schema", get("dbm/schema", "{.status.observedRunRequest}/{.status.phase}"));
              cleanups.forEach(
                  c -> seen.put(c, get(c, "{.status.observedRunRequest}") + "/" + ready(c)));
              String generations =
                  get("mw/window", "{.metadata.generation}/{.status.observedGeneration}");
              String[] g = generations.split("/", -1);
              seen.put(
                  "mw/window",
                  (g[0].equals(g[1]) ? "current" : generations) + "/" + ready("mw/window"));
              return seen;
            },
            expected::equals);
  }

  @Test
  void resourcesStayReconciledThroughAnUpgradeAndARollback() throws Exception {
    PreviousVersion previous = PreviousVersion.get();
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
    String database = "  database: {secretRef: {name: app-db}}";
    Path schema =
        write(
            "dbm.yaml",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: schema, namespace: " + NAMESPACE + "}",
            "spec:",
            database,
            "  source:",
            "    inline:",
            "    - name: V1__sessions.sql",
            "      sql: \"CREATE TABLE sessions (id int, expires_at timestamptz);\"");
    String cleanup =
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: CleanupSchedule",
            "metadata: {name: NAME, namespace: " + NAMESPACE + "}",
            "spec:",
            database,
            "  schedule: \"0 3 * * *\"",
            "  rules:",
            "  - {name: expired, table: sessions, olderThan: {column: expires_at, age: 0s}}",
            "");
    Path plain = write("cls-plain.yaml", cleanup.replace("NAME", "plain"));
    // The previous example's notify block: kubectl reads the unquoted key on as true.
    String notify = "  notify:\n    webhookSecretRef: {name: hook, key: url}\n";
    Path nightlyOn =
        write(
            "cls-nightly.yaml",
            cleanup.replace("NAME", "nightly") + notify + "    on: [Success, Incomplete]");
    Path window =
        write(
            "mw.yaml",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: MaintenanceWindow",
            "metadata: {name: window, namespace: " + NAMESPACE + "}",
            "spec:",
            database,
            "  active: false");

    // The previous pair.
    kubectl.ok("apply", "--server-side", "--force-conflicts", "-f", previous.crds().toString());
    for (Path file : List.of(schema, plain, window)) {
      kubectl.ok("apply", "-f", file.toString());
    }
    try (OperatorReplica operator =
        OperatorReplica.start(release, "pitstop-previous-0", Map.of(), previous.jar())
            .awaitReady()) {
      assertReconciled(operator, "previous", List.of("cls/plain"));
    }
    // Applied while no operator ran: the previous operator could not read it (its informer
    // stopped on the unknown field "true"), which this version fixes.
    kubectl.ok("apply", "-f", nightlyOn.toString());
    assertThat(get("cls/nightly", "{.spec.notify}")).contains("\"true\"");

    // The upgrade: the CRDs, then the operator.
    kubectl.ok("apply", "--server-side", "-f", ProjectFiles.crds().toString());
    try (OperatorReplica operator =
        OperatorReplica.start(release, "pitstop-current-0", Map.of()).awaitReady()) {
      assertReconciled(operator, "upgraded", List.of("cls/plain", "cls/nightly"));
      assertThat(get("cls/nightly", "{.spec.notify}"))
          .as("the notify choice written under the previous CRDs survives the upgrade")
          .contains("Success", "Incomplete");
      assertThat(kubectl.events(NAMESPACE, "involvedObject.name=nightly"))
          .contains("DeprecatedField", "notify.results");
      // What the upgrade notes ask: the key renamed to results.
      Path nightlyResults =
          write(
              "cls-nightly.yaml",
              cleanup.replace("NAME", "nightly") + notify + "    results: [Success, Incomplete]");
      kubectl.ok("apply", "-f", nightlyResults.toString());
      assertThat(get("cls/nightly", "{.spec.notify}")).doesNotContain("\"true\"");
    }

    // The rollback: the previous CRDs, then the previous operator.
    kubectl.ok("apply", "--server-side", "--force-conflicts", "-f", previous.crds().toString());
    try (OperatorReplica operator =
        OperatorReplica.start(release, "pitstop-previous-1", Map.of(), previous.jar())
            .awaitReady()) {
      assertReconciled(operator, "rolled-back", List.of("cls/plain", "cls/nightly"));
      assertThat(operator.isAlive()).isTrue();
    }
  }
}
