package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a platform engineer does with kubectl around a run: approve exactly the plan shown (the
 * digest in status), including one that approval OnRisk stopped for its measured findings, and
 * delete a DatabaseMigration while it runs, which cancels its statement on the server and waits for
 * it through the finalizer.
 */
@EndToEnd
class LifecycleE2eIT {
  private static final String NAMESPACE = "e2e-lifecycle";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private static OperatorReplica operator;

  @BeforeAll
  static void install() {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
    operator = OperatorReplica.start(release, "pitstop-lifecycle-0", Map.of()).awaitReady();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    kubectl.run("delete", "dbm,configmap,secret", "--all", "-n", NAMESPACE, "--timeout=30s");
    if (operator != null) {
      operator.close();
    }
  }

  private static String migration(
      String name, String database, String configMap, boolean requireApproval) {
    return String.join(
        "\n",
        "apiVersion: pitstop.dev/v1alpha1",
        "kind: DatabaseMigration",
        "metadata: {name: " + name + ", namespace: " + NAMESPACE + "}",
        "spec:",
        "  database: {secretRef: {name: " + database + "}}",
        "  requireApproval: " + requireApproval,
        "  source: {configMapRefs: [{name: " + configMap + "}]}",
        "");
  }

  private static String configMap(String name, Map<String, String> files) {
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "
                + name
                + ", namespace: "
                + NAMESPACE
                + "}\ndata:\n");
    files.forEach(
        (file, sql) -> yaml.append("  ").append(file).append(": \"").append(sql).append("\"\n"));
    return yaml.toString();
  }

  private static String get(String name, String jsonPath) {
    return kubectl.ok("get", "dbm/" + name, "-n", NAMESPACE, "-o", "jsonpath=" + jsonPath);
  }

  @Test
  void theApprovalCarriesThePlansDigestAndAChangeAfterItNeedsANewOne() {
    TestDatabase db = E2eDatabases.fresh("e2e_lifecycle_approval");
    kubectl.apply(E2eDatabases.secret("approval-db", NAMESPACE, db.name()));
    kubectl.apply(configMap("approval-sql", Map.of("V1__t.sql", "CREATE TABLE t (id int);")));
    kubectl.apply(migration("approved", "approval-db", "approval-sql", true));

    String digest =
        await("a plan to approve")
            .atMost(Duration.ofSeconds(60))
            .until(() -> get("approved", "{.status.plan.digest}"), d -> !d.isBlank());
    assertThat(get("approved", "{.status.phase}")).isEqualTo("WaitingForApproval");
    assertThat(get("approved", "{.status.plan.scripts[0].statements[0]}"))
        .isEqualTo("CREATE TABLE t (id int)");

    // SQL added after the plan was read: the digest the user saw no longer approves anything.
    kubectl.apply(
        configMap(
            "approval-sql",
            Map.of("V1__t.sql", "CREATE TABLE t (id int); CREATE TABLE sneaked (id int);")));
    String newDigest =
        await("a new plan")
            .atMost(Duration.ofSeconds(60))
            // Between the two plans status.plan is empty (the new request clears it).
            .until(
                () -> get("approved", "{.status.plan.digest}"),
                d -> !d.isBlank() && !d.equals(digest));
    kubectl.ok("annotate", "dbm/approved", "-n", NAMESPACE, "pitstop.dev/approve=" + digest);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("approved", "{.status.phase}"), "WaitingForApproval"::equals);
    assertThat(db.tableExists("sneaked")).isFalse();

    kubectl.ok(
        "annotate",
        "dbm/approved",
        "-n",
        NAMESPACE,
        "--overwrite",
        "pitstop.dev/approve=" + newDigest);
    await("applied")
        .atMost(Duration.ofSeconds(60))
        .until(() -> get("approved", "{.status.phase}"), "Succeeded"::equals);
    assertThat(db.tableExists("sneaked")).isTrue();
  }

  @Test
  void onRiskARiskyMigrationWaitsWithItsFindingsAndKubectlAnnotateApprovesIt() {
    TestDatabase db = E2eDatabases.fresh("e2e_lifecycle_onrisk");
    db.execute("CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL)");
    db.execute("INSERT INTO orders SELECT g, g FROM generate_series(1, 1000) g");
    db.execute("ANALYZE orders");
    kubectl.apply(E2eDatabases.secret("onrisk-db", NAMESPACE, db.name()));
    kubectl.apply(
        configMap(
            "onrisk-sql",
            Map.of("V1__widen.sql", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;")));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: onrisk, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: onrisk-db}}",
            "  approval: OnRisk",
            "  baselineOnMigrate: true",
            "  baselineVersion: \"0\"",
            "  source: {configMapRefs: [{name: onrisk-sql}]}",
            ""));

    String digest =
        await("a plan with findings")
            .atMost(Duration.ofSeconds(90))
            .until(() -> get("onrisk", "{.status.plan.digest}"), d -> !d.isBlank());
    assertThat(get("onrisk", "{.status.phase}")).isEqualTo("WaitingForApproval");
    assertThat(get("onrisk", "{.status.plan.measured}")).isEqualTo("true");
    assertThat(get("onrisk", "{.status.plan.highestSeverity}")).isEqualTo("Error");
    assertThat(get("onrisk", "{.status.plan.findings[*].code}")).contains("PS108");
    assertThat(get("onrisk", "{.status.plan.findings[*].relation}")).contains("public.orders");
    assertThat(
            db.queryStrings(
                "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'amount'"))
        .as("nothing applied before the approval")
        .containsExactly("integer");

    kubectl.ok("annotate", "dbm/onrisk", "-n", NAMESPACE, "pitstop.dev/approve=" + digest);
    await("applied")
        .atMost(Duration.ofSeconds(60))
        .until(() -> get("onrisk", "{.status.phase}"), "Succeeded"::equals);
    assertThat(
            db.queryStrings(
                "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'amount'"))
        .containsExactly("bigint");
  }

  @Test
  void deletingARunningMigrationCancelsItOnTheServerBeforeItGoes() {
    TestDatabase db = E2eDatabases.fresh("e2e_lifecycle_delete");
    kubectl.apply(E2eDatabases.secret("delete-db", NAMESPACE, db.name()));
    kubectl.apply(
        configMap(
            "delete-sql",
            Map.of(
                "V1__first.sql", "CREATE TABLE first (id int);",
                "V2__slow.sql", "CREATE TABLE slow (id int); SELECT pg_sleep(120);",
                "V3__third.sql", "CREATE TABLE third (id int);")));
    kubectl.apply(migration("running", "delete-db", "delete-sql", false));
    String sleeping =
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
            + " AND datname = current_database() AND query LIKE 'SELECT pg_sleep(120)%'";
    await("V2 running").atMost(Duration.ofSeconds(60)).until(() -> db.queryLong(sleeping) == 1);
    assertThat(get("running", "{.metadata.finalizers}")).contains("pitstop.dev");

    // kubectl waits for the finalizer: the object is gone only once the run has stopped.
    kubectl.ok("delete", "dbm/running", "-n", NAMESPACE, "--timeout=60s");

    assertThat(db.queryLong(sleeping)).as("the statement was cancelled on the server").isZero();
    assertThat(db.tableExists("first")).isTrue();
    assertThat(db.tableExists("slow")).as("V2 rolled back").isFalse();
    assertThat(db.tableExists("third")).as("nothing further started").isFalse();
    assertThat(
            kubectl.events(
                NAMESPACE, "involvedObject.name=running", "-o", "jsonpath={.items[*].reason}"))
        .contains("CancelRequested", "DeletedAfterRun");
  }
}
