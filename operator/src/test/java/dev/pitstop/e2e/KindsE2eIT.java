package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A second release that reconciles DatabaseMigrations only ({@code kinds}), in one watched
 * namespace: its operator runs as its own ServiceAccount with only the rights the chart then
 * renders (none on workloads), becomes ready and applies a migration. And namespace users get the
 * kinds through the chart's ClusterRoles for Kubernetes' built-in view and edit roles.
 */
@EndToEnd
class KindsE2eIT {
  private static final String RELEASE = "pitstop-dbm";
  private static final String RELEASE_NAMESPACE = "pitstop-dbm";
  private static final String NAMESPACE = "e2e-kinds";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private static OperatorReplica operator;

  @BeforeAll
  static void install() {
    kubectl = PitstopRelease.shared().namespace(NAMESPACE);
    release =
        PitstopRelease.another(
            RELEASE,
            RELEASE_NAMESPACE,
            """
            crds: {install: false}
            leaderElection: {enabled: false}
            watchNamespaces: [e2e-kinds]
            kinds: {sandboxResets: false, cleanupSchedules: false, maintenanceWindows: false}
            rbac: {aggregateToDefaultRoles: false}
            """);
    operator = OperatorReplica.start(release, "pitstop-dbm-0", Map.of()).awaitReady();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    kubectl.run("delete", "dbm,secret", "--all", "-n", NAMESPACE, "--timeout=30s");
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void anOperatorForOneKindRunsWithoutAnyRightOnWorkloads() {
    String serviceAccount = "system:serviceaccount:" + RELEASE_NAMESPACE + ":" + RELEASE;
    List<String> granted = new ArrayList<>();
    for (String resource :
        List.of("deployments.apps", "statefulsets.apps", "cronjobs.batch", "jobs.batch", "pods")) {
      for (String verb : List.of("list", "watch", "patch")) {
        if (canI(serviceAccount, verb, resource)) {
          granted.add(verb + " " + resource);
        }
      }
    }
    for (String verb : List.of("patch", "update")) {
      if (canI(serviceAccount, verb, "maintenancewindows.pitstop.dev/status")) {
        granted.add(verb + " maintenancewindows/status");
      }
    }
    assertThat(canI(serviceAccount, "patch", "databasemigrations.pitstop.dev/status"))
        .as("the kind it reconciles")
        .isTrue();
    assertThat(granted).as("rights a release without MaintenanceWindows must not have").isEmpty();

    TestDatabase db = E2eDatabases.fresh("e2e_kinds");
    kubectl.apply(E2eDatabases.secret("kinds-db", NAMESPACE, db.name()));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: only-kind, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: kinds-db}}",
            "  source:",
            "    inline:",
            "      - {name: V1__t.sql, sql: 'CREATE TABLE t (id int);'}",
            ""));
    Kubectl.Result ready =
        kubectl.run(
            "wait", "--for=condition=Ready", "--timeout=90s", "dbm/only-kind", "-n", NAMESPACE);
    assertThat(ready.exitCode()).as("%s\noperator log:\n%s", ready, operator.tail()).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE success"))
        .isEqualTo(1);
    assertThat(operator.output())
        .as("no request of the operator was refused")
        .doesNotContainIgnoringCase("forbidden");
  }

  @Test
  void namespaceUsersGetTheKindsThroughTheViewAndEditRoles() {
    // Kubernetes' controller manager aggregates these ClusterRoles into view, edit and admin;
    // bound directly here, the real server decides what each grants.
    String view = PitstopRelease.NAMESPACE + "-" + PitstopRelease.NAME + "-view";
    String edit = PitstopRelease.NAMESPACE + "-" + PitstopRelease.NAME + "-edit";
    kubectl.ok(
        "create", "rolebinding", "viewer", "--clusterrole=" + view, "--user=vera", "-n", NAMESPACE);
    kubectl.ok(
        "create",
        "rolebinding",
        "editor-view",
        "--clusterrole=" + view,
        "--user=ed",
        "-n",
        NAMESPACE);
    kubectl.ok(
        "create", "rolebinding", "editor", "--clusterrole=" + edit, "--user=ed", "-n", NAMESPACE);

    assertThat(canI("vera", "list", "databasemigrations.pitstop.dev")).isTrue();
    assertThat(canI("vera", "get", "maintenancewindows.pitstop.dev/status")).isTrue();
    assertThat(canI("vera", "create", "databasemigrations.pitstop.dev")).isFalse();
    assertThat(canI("ed", "create", "sandboxresets.pitstop.dev")).isTrue();
    assertThat(canI("ed", "patch", "cleanupschedules.pitstop.dev")).isTrue();
    assertThat(canI("ed", "delete", "maintenancewindows.pitstop.dev")).isTrue();
    assertThat(canI("ed", "patch", "databasemigrations.pitstop.dev/status"))
        .as("status stays the operator's")
        .isFalse();
    assertThat(canI("ed", "get", "secrets")).isFalse();
  }

  /** {@code kubectl auth can-i}; {@code kinds.group/status} asks for the status subresource. */
  private static boolean canI(String user, String verb, String resource) {
    List<String> args =
        new ArrayList<>(List.of("auth", "can-i", "--as=" + user, verb, "-n", NAMESPACE));
    String[] parts = resource.split("/", 2);
    args.add(parts[0]);
    if (parts.length > 1) {
      args.add("--subresource=" + parts[1]);
    }
    return kubectl.run(args.toArray(String[]::new)).exitCode() == 0;
  }
}
