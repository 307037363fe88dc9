package dev.pitstop.operator;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.SecondLane;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar pitstop.jar operator} as a process: reconciles, and stops cleanly on SIGTERM.
 */
@SecondLane
class OperatorProcessIT {
  private static final String LEASE = "pitstop-operator";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @TempDir Path dir;

  @Test
  void runsFromTheJarAndShutsDownCleanlyOnSigterm() throws Exception {
    Path jar = Path.of("target/pitstop.jar").toAbsolutePath();
    Assumptions.assumeTrue(Files.isRegularFile(jar), "the shaded jar is built by mvn package");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds())) {
      int port = freePort();
      Path log = dir.resolve("operator.log");
      Process process = start(api, log, "--ssa=false", "--http-port", String.valueOf(port));
      try {
        awaitReady(port);

        api.client()
            .resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw-process-test"))
            .create();
        api.client()
            .resource(configMap("migrations", Map.of("V1__t.sql", "CREATE TABLE t (id int);")))
            .create();
        api.client().resource(migration("app", "app-db", "migrations")).create();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    api.client()
                        .resources(DatabaseMigration.class)
                        .inNamespace("default")
                        .withName("app")
                        .get(),
                r -> r.getStatus() != null && r.getStatus().phase == MigrationPhase.Succeeded);
        assertThat(pg.tableExists("t")).isTrue();

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(45, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        String output = Files.readString(log);
        assertThat(output)
            .contains("Pitstop operator started")
            .contains("Pitstop operator stopped");
        assertThat(output).doesNotContain("pw-process-test");
      } finally {
        process.destroyForcibly();
      }
    }
  }

  /**
   * With leader election on (the chart's default), SIGTERM stops the process promptly: stopping
   * ends leader election, and that must not end the JVM from inside its own shutdown hook, where it
   * would wait forever for that hook. On the way out the process releases the Lease, so a standby
   * does not wait for it to expire.
   */
  @Test
  void withLeaderElectionSigtermExitsWithinTenSecondsAndReleasesTheLease() throws Exception {
    Path jar = Path.of("target/pitstop.jar").toAbsolutePath();
    Assumptions.assumeTrue(Files.isRegularFile(jar), "the shaded jar is built by mvn package");
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds())) {
      int port = freePort();
      Path log = dir.resolve("operator.log");
      Process process =
          start(
              api,
              log,
              "--ssa=false",
              "--leader-election=true",
              "--lease-namespace",
              "default",
              "--http-port",
              String.valueOf(port));
      try {
        awaitReady(port);
        Lease held =
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () -> api.client().leases().inNamespace("default").withName(LEASE).get(),
                    l -> l != null && l.getSpec().getHolderIdentity() != null);
        assertThat(held.getSpec().getLeaseDurationSeconds()).isEqualTo(15);

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(10, TimeUnit.SECONDS))
            .as("exits within 10 s of SIGTERM; log:%n%s", Files.readString(log))
            .isTrue();
        assertThat(Files.readString(log))
            .contains("Stopped leading: the operator is stopping")
            .contains("Released the leader-election Lease default/" + LEASE)
            .contains("Pitstop operator stopped");
        Lease released = api.client().leases().inNamespace("default").withName(LEASE).get();
        assertThat(released.getSpec().getHolderIdentity()).as("no holder").isNullOrEmpty();
        assertThat(released.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        assertThat(released.getSpec().getLeaseTransitions())
            .isEqualTo(held.getSpec().getLeaseTransitions());
        assertThat(released.getSpec().getRenewTime()).isAfter(held.getSpec().getRenewTime());
      } finally {
        process.destroyForcibly();
      }
    }
  }

  /**
   * Starts {@code java -jar pitstop.jar operator ARGS} against {@code api}, output to {@code log}.
   */
  private Process start(EmbeddedKubernetesApi api, Path log, String... args) throws IOException {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{name: embedded, cluster: {server: \""
                + api.client().getMasterUrl()
                + "\"}}]",
            "users: [{name: test, user: {token: test}}]",
            "contexts: [{name: test, context: {cluster: embedded, user: test, namespace: default}}]",
            "current-context: test",
            ""));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(Path.of("target/pitstop.jar").toAbsolutePath().toString());
    command.add("operator");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return builder.start();
  }

  private static void awaitReady(int port) {
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/readyz"))
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
