package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leader election as the chart runs it (on by default, one Lease per release): a replica stopped
 * with SIGTERM releases its Lease and exits promptly; a standby takes over from a replica that
 * died, within the lease duration, and no migration is applied twice.
 */
@EndToEnd
class LeaderElectionE2eIT {
  private static final String NAMESPACE = "e2e-leader";
  private static PitstopRelease release;
  private static Kubectl kubectl;
  private static String leaseNamespace;
  private static String leaseName;
  private OperatorReplica first;
  private OperatorReplica second;

  @BeforeAll
  static void install() {
    release = PitstopRelease.shared();
    kubectl = release.namespace(NAMESPACE);
    // The chart's Lease, read once: lease() is polled.
    Map<String, String> env = release.operatorEnvironment();
    leaseNamespace = env.get("PITSTOP_LEASE_NAMESPACE");
    leaseName = env.get("PITSTOP_LEASE_NAME");
  }

  @AfterEach
  void stopReplicas() throws InterruptedException {
    for (OperatorReplica replica : new OperatorReplica[] {first, second}) {
      if (replica != null) {
        replica.close();
      }
    }
    release.deleteWithoutOperator(NAMESPACE, "DatabaseMigration");
  }

  private Optional<Lease> lease() {
    return Optional.ofNullable(
        release
            .admin()
            .resources(Lease.class)
            .inNamespace(leaseNamespace)
            .withName(leaseName)
            .get());
  }

  private String holder() {
    return lease().map(l -> l.getSpec().getHolderIdentity()).orElse("");
  }

  /** Whether the Lease names {@code replica}: its identity is {@code <hostname>_<uuid>}. */
  private boolean holds(OperatorReplica replica) {
    return holder().startsWith(replica.name() + "_");
  }

  private void awaitLeader(OperatorReplica replica, Duration atMost) {
    await(replica.name() + " holds the Lease").atMost(atMost).until(() -> holds(replica));
  }

  @Test
  void sigtermReleasesTheLeaseAndExitsWithinTenSeconds() throws Exception {
    first = OperatorReplica.start(release, "pitstop-sigterm-0", Map.of()).awaitReady();
    awaitLeader(first, Duration.ofSeconds(60));

    Duration exit = first.terminate(Duration.ofSeconds(10));

    assertThat(exit).isLessThan(Duration.ofSeconds(10));
    // 143 (128 + SIGTERM) is how the JVM ends on SIGTERM once its shutdown hooks are done.
    assertThat(first.exitCode()).as("exit code after SIGTERM\n%s", first.tail()).isIn(0, 143);
    assertThat(first.output()).contains("Pitstop operator stopped");
    assertThat(holder())
        .as("the Lease after a graceful stop (%s)", lease().map(Lease::getSpec).orElse(null))
        .isNullOrEmpty();
  }

  /**
   * A rollout stops the operator in the middle of a migration: the migration finishes and this
   * process reports it (status and Event) before it exits, with no other operator running.
   */
  @Test
  void sigtermDuringAMigrationLetsItFinishAndReportsItBeforeExiting() throws Exception {
    TestDatabase db = E2eDatabases.fresh("e2e_sigterm");
    kubectl.apply(E2eDatabases.secret("app-db", NAMESPACE, "e2e_sigterm"));
    first = OperatorReplica.start(release, "pitstop-rollout-0", Map.of()).awaitReady();
    awaitLeader(first, Duration.ofSeconds(60));
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: rollout, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: app-db}}",
            "  source:",
            "    inline:",
            "    - {name: V1__first.sql, sql: \"CREATE TABLE t (id int);\"}",
            "    - name: V2__slow.sql",
            "      sql: \"ALTER TABLE t ADD COLUMN note text; SELECT pg_sleep(3);\"",
            ""));
    await("V2 running")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                db.queryLong(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%'"
                        + " AND pid <> pg_backend_pid()"),
            n -> n > 0);

    first.terminate(Duration.ofSeconds(50));

    assertThat(first.output()).contains("Pitstop operator stopped");
    assertThat(
            db.queryStrings(
                "SELECT version FROM pitstop_schema_history WHERE success ORDER BY installed_rank"))
        .as("V2 finished after SIGTERM")
        .containsExactly("1", "2");
    assertThat(kubectl.ok("get", "dbm/rollout", "-n", NAMESPACE, "-o", "jsonpath={.status.phase}"))
        .as("the stopping operator reported the run; no other operator runs\n%s", first.tail())
        .isEqualTo("Succeeded");
    assertThat(
            kubectl.events(
                NAMESPACE,
                "involvedObject.name=rollout,reason=MigrationSucceeded",
                "-o",
                "jsonpath={.items[*].message}"))
        .as("the Event of what the run applied")
        .contains("applied 2 migration(s); current version 2");
  }

  @Test
  void standbyTakesOverWithinTheLeaseDurationAndNoMigrationRunsTwice() throws Exception {
    TestDatabase db = E2eDatabases.fresh("e2e_leader");
    // The record of runs lives outside the migrated schema, which must be empty or have a history.
    db.execute(
        "CREATE SCHEMA audit;"
            + " CREATE TABLE audit.runs (migration text NOT NULL, at timestamptz DEFAULT now())");
    kubectl.apply(E2eDatabases.secret("app-db", NAMESPACE, "e2e_leader"));
    first = OperatorReplica.start(release, "pitstop-a", Map.of()).awaitReady();
    awaitLeader(first, Duration.ofSeconds(60));
    second = OperatorReplica.start(release, "pitstop-b", Map.of()).awaitReady();
    assertThat(holds(first)).as("the second replica waits as a standby: %s", holder()).isTrue();

    // V2 is still running on the leader when the leader dies: its transaction never commits.
    kubectl.apply(
        String.join(
            "\n",
            "apiVersion: pitstop.dev/v1alpha1",
            "kind: DatabaseMigration",
            "metadata: {name: takeover, namespace: " + NAMESPACE + "}",
            "spec:",
            "  database: {secretRef: {name: app-db}}",
            "  source:",
            "    inline:",
            "    - {name: V1__first.sql, sql: \"INSERT INTO audit.runs (migration) VALUES ('V1');\"}",
            "    - name: V2__slow.sql",
            "      sql: \"INSERT INTO audit.runs (migration) VALUES ('V2'); SELECT pg_sleep(4);\"",
            ""));
    await("V2 running on the leader")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                db.queryLong(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%'"
                        + " AND pid <> pg_backend_pid()"),
            n -> n > 0);
    long leaseSeconds = lease().orElseThrow().getSpec().getLeaseDurationSeconds();

    long killed = System.nanoTime();
    first.kill();
    awaitLeader(second, Duration.ofSeconds(leaseSeconds + 10));
    Duration takeover = Duration.ofNanos(System.nanoTime() - killed);

    await("the standby finishes the migration")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                kubectl.ok(
                    "get", "dbm/takeover", "-n", NAMESPACE, "-o", "jsonpath={.status.phase}"),
            "Succeeded"::equals);
    assertThat(takeover)
        .as("takeover after the leader died; the Lease lasts %d s", leaseSeconds)
        .isLessThanOrEqualTo(Duration.ofSeconds(leaseSeconds + 5));
    assertThat(db.queryStrings("SELECT migration FROM audit.runs ORDER BY migration"))
        .as("each migration's effect exactly once")
        .containsExactly("V1", "V2");
    assertThat(
            db.queryStrings(
                "SELECT version FROM pitstop_schema_history WHERE success ORDER BY installed_rank"))
        .containsExactly("1", "2");
    assertThat(second.isAlive()).isTrue();
  }
}
