package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shipped examples, each kind as a platform engineer drives it with kubectl on a real API
 * server: apply, wait for its condition, {@code kubectl get pitstop}, Events in {@code kubectl
 * describe}, an edit, a delete. One operator replica runs with the chart's settings and as the
 * chart's ServiceAccount, so every step also proves the chart's RBAC is enough.
 */
@EndToEnd
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplesE2eIT {
  private PitstopRelease release;
  private Kubectl kubectl;
  private OperatorReplica operator;
  private TestDatabase app;
  private TestDatabase sandbox;

  @BeforeAll
  void install() {
    release = PitstopRelease.shared();
    kubectl = release.kubectl();
    app = E2eDatabases.fresh("app");
    sandbox = E2eDatabases.fresh("sandbox");
    kubectl.apply(E2eDatabases.secret("app-db", "default", "app"));
    kubectl.apply(E2eDatabases.secret("sandbox-db", "default", "sandbox"));
    operator = OperatorReplica.start(release, "pitstop-examples-0", Map.of()).awaitReady();
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (operator != null) {
      operator.close();
    }
  }

  private static Path example(String file) {
    return ProjectFiles.examples().resolve(file);
  }

  private void waitFor(String condition, String resource) {
    Kubectl.Result result =
        kubectl.run("wait", "--for=condition=" + condition, "--timeout=90s", resource);
    assertThat(result.exitCode())
        .as("%s\n%s\noperator log:\n%s", result, describe(resource), operator.tail())
        .isZero();
  }

  private String describe(String resource) {
    return kubectl.run("describe", resource).output();
  }

  private String jsonPath(String resource, String path) {
    return kubectl.ok("get", resource, "-o", "jsonpath=" + path);
  }

  @Test
  @Order(1)
  void databaseMigration() {
    kubectl.ok(
        "apply", "-f", example("database-migration/01-migrations-configmap.yaml").toString());
    kubectl.ok("apply", "-f", example("database-migration/02-databasemigration.yaml").toString());
    waitFor("Ready", "databasemigration/app-schema");
    assertThat(
            app.queryStrings(
                "SELECT version FROM pitstop_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank"))
        .containsExactly("1", "2", "2.1", "3", "4", "5", "6");

    String table = kubectl.ok("get", "pitstop");
    assertThat(table)
        .as("kubectl get pitstop")
        .contains("databasemigration.pitstop.dev/app-schema")
        .containsPattern("APPLIED\\s+READY\\s+VERSION\\s+PENDING\\s+PHASE")
        .containsPattern("app-schema\\s+\\S+\\s+8\\s+True\\s+6\\s+0\\s+Succeeded");
    assertThat(describe("dbm/app-schema"))
        .contains("Events:")
        .containsPattern("Normal\\s+MigrationSucceeded");

    // An edit: a new migration in the inline source is applied by the running operator.
    kubectl.ok(
        "patch",
        "dbm/app-schema",
        "--type=json",
        "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/source/inline/-\",\"value\":"
            + "{\"name\":\"V7__course_level.sql\",\"sql\":\"ALTER TABLE courses ADD COLUMN level int;\"}}]");
    await("V7 applied")
        .atMost(Duration.ofSeconds(60))
        .until(() -> jsonPath("dbm/app-schema", "{.status.currentVersion}"), v -> v.equals("7"));
    assertThat(
            app.queryLong(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'courses' AND column_name = 'level'"))
        .isEqualTo(1);
  }

  @Test
  @Order(2)
  void cleanupSchedule() {
    kubectl.ok("apply", "-f", example("cleanup-schedule/00-webhook-secret.yaml").toString());
    kubectl.ok("apply", "-f", example("cleanup-schedule/01-cleanupschedule.yaml").toString());
    waitFor("Ready", "cleanupschedule/platform-cleanup");
    app.execute(
        "INSERT INTO sessions (user_email, expires_at) SELECT 'u' || n, now() - interval '1 hour'"
            + " FROM generate_series(1, 50) n;"
            + " INSERT INTO sessions (user_email, expires_at) SELECT 'v' || n, now() + interval '1 day'"
            + " FROM generate_series(1, 20) n");

    kubectl.ok(
        "annotate",
        "cls/platform-cleanup",
        "pitstop.dev/run-requested-at=2026-12-05T01:00:00Z",
        "--overwrite");
    await("the requested run")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> jsonPath("cls/platform-cleanup", "{.status.lastRun.result}"),
            r -> r.equals("Succeeded"));
    assertThat(app.queryLong("SELECT count(*) FROM sessions")).isEqualTo(20);
    assertThat(kubectl.ok("get", "pitstop"))
        .containsPattern(
            "cleanupschedule.pitstop.dev/platform-cleanup\\s+\\S+\\s+0 3 \\* \\* \\*\\s+True\\s+Succeeded\\s+50\\s");
    assertThat(describe("cls/platform-cleanup")).containsPattern("Normal\\s+CleanupSucceeded");

    kubectl.ok(
        "patch", "cls/platform-cleanup", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
    await("suspended: no next run")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jsonPath(
                    "cls/platform-cleanup",
                    "{.status.conditions[?(@.type==\"Progressing\")].reason}/{.status.nextRunTime}"),
            "Suspended/"::equals);
  }

  @Test
  @Order(3)
  void maintenanceWindow() {
    kubectl.ok("apply", "-f", example("maintenance-window/00-application.yaml").toString());
    kubectl.ok("apply", "-f", example("maintenance-window/01-maintenancewindow.yaml").toString());
    waitFor("Drained", "mw/release");
    assertThat(jsonPath("mw/release", "{.status.phase}")).isEqualTo("Active");
    assertThat(kubectl.ok("get", "pitstop"))
        .containsPattern("maintenancewindow.pitstop.dev/release\\s+\\S+\\s+.*\\sActive\\s");
    assertThat(jsonPath("deployment/shop-worker", "{.spec.replicas}")).isEqualTo("0");
    assertThat(jsonPath("cronjob/shop-report", "{.spec.suspend}")).isEqualTo("true");

    kubectl.ok(
        "apply", "-f", example("maintenance-window/02-gated-databasemigration.yaml").toString());
    waitFor("Ready", "dbm/release-42");

    kubectl.ok("patch", "mw/release", "--type=merge", "-p", "{\"spec\":{\"active\":false}}");
    await("restored")
        .atMost(Duration.ofSeconds(60))
        .until(() -> jsonPath("deployment/shop-worker", "{.spec.replicas}"), r -> r.equals("2"));
    assertThat(jsonPath("cronjob/shop-report", "{.spec.suspend}")).isEqualTo("false");
    assertThat(describe("mw/release"))
        .containsPattern("Normal\\s+ScaledDown")
        .containsPattern("Normal\\s+Restored");
    assertThat(kubectl.ok("get", "pitstop")).contains("maintenancewindow.pitstop.dev/release");
  }

  @Test
  @Order(4)
  void sandboxReset() {
    kubectl.ok("apply", "-f", example("sandbox-reset/01-databasemigration.yaml").toString());
    waitFor("Ready", "dbm/sandbox-schema");
    assertThat(sandbox.queryLong("SELECT count(*) FROM courses")).isEqualTo(12);
    kubectl.ok("apply", "-f", example("sandbox-reset/02-seed-configmap.yaml").toString());
    kubectl.ok("apply", "-f", example("sandbox-reset/03-sandboxreset.yaml").toString());
    waitFor("Ready", "sbr/sandbox-nightly");
    assertThat(sandbox.queryLong("SELECT count(*) FROM courses")).isEqualTo(3);
    assertThat(sandbox.queryLong("SELECT count(*) FROM tasks")).isEqualTo(5);
    assertThat(kubectl.ok("get", "pitstop"))
        .containsPattern(
            "sandboxreset.pitstop.dev/sandbox-nightly\\s+\\S+\\s+True\\s+Succeeded\\s+\\d+\\s.*Succeeded");
    assertThat(describe("sbr/sandbox-nightly")).containsPattern("Normal\\s+ResetSucceeded");

    // An edit: a new runRequestId empties the sandbox again (the rows added since go) and reseeds.
    sandbox.execute("INSERT INTO courses (title) VALUES ('added after the reset')");
    kubectl.ok(
        "patch",
        "sbr/sandbox-nightly",
        "--type=merge",
        "-p",
        "{\"spec\":{\"runRequestId\":\"again\"}}");
    await("the requested reset")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> jsonPath("sbr/sandbox-nightly", "{.status.observedRunRequestId}"),
            "again"::equals);
    waitFor("Ready", "sbr/sandbox-nightly");
    assertThat(sandbox.queryLong("SELECT count(*) FROM courses")).isEqualTo(3);
  }

  @Test
  @Order(5)
  void deletingEachResourceRemovesItThroughTheOperator() {
    for (String resource :
        new String[] {
          "sbr/sandbox-nightly",
          "mw/release",
          "cls/platform-cleanup",
          "dbm/release-42",
          "dbm/app-schema",
          "dbm/sandbox-schema"
        }) {
      Kubectl.Result deleted = kubectl.run("delete", resource, "--timeout=60s");
      assertThat(deleted.exitCode()).as("%s\noperator log:\n%s", deleted, operator.tail()).isZero();
    }
    assertThat(kubectl.ok("get", "pitstop", "-A", "-o", "name")).isEmpty();
    assertThat(operator.isAlive()).isTrue();
  }
}
