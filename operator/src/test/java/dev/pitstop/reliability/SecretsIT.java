package dev.pitstop.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitstop.testing.LogCapture;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.SecretScan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7, item 6: a happy path and a failure per kind, with distinctive passwords in both Secret
 * layouts; afterwards the password is in no status, Event, log line or metric. (Cross-namespace
 * Secret references are refused for all four kinds in {@link BadInputIT}.)
 */
class SecretsIT {
  private static final String NAMESPACE = "default";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();
  private LogCapture logs;

  /** One run of one kind: its manifest, the phase it must reach, and the Secret it reads. */
  record Scenario(
      String name, String manifest, String phase, String password, Secrets.Layout layout) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Scenario> scenarios() {
    return List.of(
        new Scenario(
            "DatabaseMigration succeeds",
            dbm("V1__t.sql", "CREATE TABLE t (id int);"),
            "Succeeded",
            "mig-ok-Pw-4471",
            Secrets.Layout.FIELDS),
        new Scenario(
            "DatabaseMigration fails",
            dbm("V1__t.sql", "INSERT INTO no_such_table VALUES (1);"),
            "Failed",
            "p@ss:w/rd?#%&=+ mig-fail-4472",
            Secrets.Layout.URI),
        new Scenario(
            "SandboxReset succeeds",
            sbr("${DATABASE}"),
            "Succeeded",
            "p@ss:w/rd?#%&=+ sbr-ok-4473",
            Secrets.Layout.URI),
        new Scenario(
            "SandboxReset fails",
            sbr("production"),
            "Failed",
            "sbr-fail-Pw-4474",
            Secrets.Layout.FIELDS),
        new Scenario(
            "CleanupSchedule succeeds",
            cls("olderThan: {column: expires_at, age: 0s}"),
            "Succeeded",
            "cls-ok-Pw-4475",
            Secrets.Layout.FIELDS),
        new Scenario(
            "CleanupSchedule fails",
            cls("olderThan: {column: no_such_column, age: 0s}"),
            "Failed",
            "p@ss:w/rd?#%&=+ cls-fail-4476",
            Secrets.Layout.URI),
        new Scenario(
            "MaintenanceWindow opens",
            mw("SELECT count(*) FROM tasks WHERE status = 'stuck'"),
            "Active",
            "p@ss:w/rd?#%&=+ mw-ok-4477",
            Secrets.Layout.URI),
        new Scenario(
            "MaintenanceWindow fails to drain",
            mw("SELECT count(*) FROM tasks WHERE status = 'running'"),
            "Failed",
            "mw-fail-Pw-4478",
            Secrets.Layout.FIELDS));
  }

  @BeforeEach
  void startCapturingLogs() {
    logs = new LogCapture();
  }

  @AfterEach
  void stopCapturingLogs() {
    logs.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void passwordAppearsNowhere(Scenario scenario) {
    AppSchema.create(pg);
    Secrets.create(kube.client(), NAMESPACE, "app-db", pg, scenario.password(), scenario.layout());
    String manifest = scenario.manifest().replace("${DATABASE}", pg.databaseName());
    JsonNode parsed = Serialization.unmarshal(manifest, JsonNode.class);
    HasMetadata resource =
        Serialization.unmarshal(manifest, Kinds.type(parsed.path("kind").asText()));
    resource.getMetadata().setNamespace(NAMESPACE);
    RunRequests.create(kube.client(), resource);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              GenericKubernetesResource current =
                  kube.client()
                      .genericKubernetesResources(resource.getApiVersion(), resource.getKind())
                      .inNamespace(NAMESPACE)
                      .withName(resource.getMetadata().getName())
                      .get();
              JsonNode tree = Serialization.jsonMapper().valueToTree(current);
              assertThat(tree.at("/status/phase").asText())
                  .as("%s: %s", scenario, tree.path("status"))
                  .isEqualTo(scenario.phase());
            });

    SecretScan scan = SecretScan.of(kube, logs);
    assertThat(scan.placeCount()).as("status, Events, logs and /metrics").isGreaterThan(3);
    scan.assertNotFound(scenario.password());
  }

  private static String dbm(String file, String sql) {
    return """
        apiVersion: pitstop.dev/v1alpha1
        kind: DatabaseMigration
        metadata: {name: release}
        spec:
          database: {secretRef: {name: app-db}}
          # the application's tables are there before the first migration
          baselineOnMigrate: true
          baselineVersion: "0"
          source: {inline: [{name: %s, sql: "%s"}]}
        """
        .formatted(file, sql);
  }

  private static String sbr(String confirm) {
    return """
        apiVersion: pitstop.dev/v1alpha1
        kind: SandboxReset
        metadata: {name: sandbox}
        spec:
          database: {secretRef: {name: app-db}}
          confirmDatabaseName: "%s"
          preserveRows: [{table: users, where: "role = 'admin'"}]
        """
        .formatted(confirm);
  }

  private static String cls(String predicate) {
    return """
        apiVersion: pitstop.dev/v1alpha1
        kind: CleanupSchedule
        metadata:
          name: nightly
          annotations: {pitstop.dev/run-requested-at: "now"}
        spec:
          database: {secretRef: {name: app-db}}
          schedule: "0 2 * * *"
          rules: [{name: old-sessions, table: sessions, %s}]
        """
        .formatted(predicate);
  }

  private static String mw(String tasksQuery) {
    return """
        apiVersion: pitstop.dev/v1alpha1
        kind: MaintenanceWindow
        metadata: {name: release-window}
        spec:
          database: {secretRef: {name: app-db}}
          active: true
          modeTable: pitstop_maintenance_mode
          drain: {tasks: {query: "%s"}, timeout: 3s}
        """
        .formatted(tasksQuery);
  }
}
