package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl pitstop}: the launcher the build puts beside the jar, installed on PATH, run by
 * the real kubectl as a plugin against the real API server: plan, approve, history, status, run and
 * cancel of a DatabaseMigration the operator runs.
 */
@EndToEnd
class PluginE2eIT {
  private static final String NAMESPACE = "e2e-plugin";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private static OperatorReplica operator;
  private static Path plugins;

  @BeforeAll
  static void install() throws IOException {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
    plugins = Files.createDirectories(release.plane().runDir().resolve("plugins"));
    Path target = ProjectFiles.root().resolve("operator/target");
    Files.copy(
        target.resolve("kubectl-pitstop"),
        plugins.resolve("kubectl-pitstop"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(
        target.resolve("pitstop.jar"),
        plugins.resolve("pitstop.jar"),
        StandardCopyOption.REPLACE_EXISTING);
    operator = OperatorReplica.start(release, "pitstop-plugin-0", Map.of()).awaitReady();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (kubectl == null) {
      return; // the control plane did not start (e.g. -Dpitstop.e2e.skip=true)
    }
    kubectl.run("delete", "dbm,secret", "--all", "-n", NAMESPACE, "--timeout=30s");
    if (operator != null) {
      operator.close();
    }
  }

  private static Kubectl.Result pitstop(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "pitstop";
    System.arraycopy(args, 0, all, 1, args.length);
    return kubectl.plugin(plugins, all);
  }

  private static String ok(String... args) {
    Kubectl.Result result = pitstop(args);
    assertThat(result.exitCode()).as("%s\noperator log:\n%s", result, operator.tail()).isZero();
    return result.out();
  }

  private static String annotation(String name, String annotation) {
    return kubectl.ok(
        "get",
        "dbm/" + name,
        "-n",
        NAMESPACE,
        "-o",
        "jsonpath={.metadata.annotations." + annotation.replace(".", "\\.") + "}");
  }

  @Test
  void planApproveHistoryStatusRunAndCancelAMigration() {
    TestDatabase db = E2eDatabases.fresh("e2e_plugin");
    kubectl.apply(E2eDatabases.secret("plugin-db", NAMESPACE, db.name()));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: orders, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: plugin-db}}",
            "  requireApproval: true",
            "  source:",
            "    inline:",
            "      - {name: V1__orders.sql, sql: 'CREATE TABLE orders (id bigint PRIMARY KEY);'}",
            "      - {name: V2__total.sql, sql: 'ALTER TABLE orders ADD COLUMN total numeric;'}",
            ""));

    String digest =
        await("a plan")
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    kubectl.ok(
                        "get",
                        "dbm/orders",
                        "-n",
                        NAMESPACE,
                        "-o",
                        "jsonpath={.status.plan.digest}"),
                d -> !d.isBlank());
    String plan = ok("plan", "orders", "-n", NAMESPACE);
    assertThat(plan)
        .contains("databasemigration/orders plan " + digest)
        .contains("V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY)")
        .contains("V2__total.sql")
        .contains("kubectl pitstop approve orders");
    assertThat(db.queryLong("SELECT count(*) FROM pg_tables WHERE tablename = 'orders'"))
        .as("nothing runs before the approval")
        .isZero();

    assertThat(ok("approve", "orders", "-n", NAMESPACE)).contains("approved: plan " + digest);
    assertThat(annotation("orders", Pitstop.APPROVE)).isEqualTo(digest);
    Kubectl.Result ready =
        kubectl.run(
            "wait", "--for=condition=Ready", "--timeout=90s", "dbm/orders", "-n", NAMESPACE);
    assertThat(ready.exitCode()).as("%s\n%s", ready, operator.tail()).isZero();

    assertThat(ok("history", "orders", "-n", NAMESPACE))
        .as("the applied migrations, read from the database")
        .containsPattern("1\\s+orders\\s+SQL\\s+V1__orders.sql\\s+\\S+ \\S+\\s+Success")
        .containsPattern("2\\s+total\\s+SQL\\s+V2__total.sql\\s+\\S+ \\S+\\s+Success");

    assertThat(ok("status", "-n", NAMESPACE))
        .containsPattern("NAMESPACE\\s+KIND\\s+NAME\\s+PHASE\\s+READY\\s+PROGRESS\\s+MESSAGE")
        .containsPattern(NAMESPACE + "\\s+DatabaseMigration\\s+orders\\s+Succeeded\\s+True");
    assertThat(ok("status", "-A")).contains("orders");

    assertThat(ok("run", "dbm/orders", "-n", NAMESPACE))
        .contains("databasemigration/orders: run requested");
    assertThat(annotation("orders", Pitstop.RUN_REQUESTED_AT)).isNotBlank();
    await("the operator saw the run request")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                kubectl.ok(
                    "get",
                    "dbm/orders",
                    "-n",
                    NAMESPACE,
                    "-o",
                    "jsonpath={.status.observedRunRequest}"),
            v -> v.equals(annotation("orders", Pitstop.RUN_REQUESTED_AT)));

    assertThat(ok("cancel", "orders", "-n", NAMESPACE))
        .contains("databasemigration/orders: cancel requested");
    assertThat(annotation("orders", Pitstop.CANCEL)).isNotBlank();
  }

  @Test
  void badUseIsOneSentenceAndExitCodeTwo() {
    Kubectl.Result missing = pitstop("approve", "no-such-migration", "-n", NAMESPACE);
    assertThat(missing.exitCode()).as("%s", missing).isEqualTo(2);
    assertThat(missing.err())
        .contains("'no-such-migration' not found in namespace " + NAMESPACE)
        .doesNotContain("Exception");
    Kubectl.Result unknown = pitstop("frobnicate");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown command 'frobnicate'");
  }
}
