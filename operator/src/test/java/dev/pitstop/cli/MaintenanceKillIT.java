package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar pitstop.jar maintenance enter} killed with SIGKILL while it waits (no shutdown
 * hook runs, nothing is released): the mode must not stay stuck. Once the holder's lease ends,
 * {@code maintenance status} shows the mode running and no holder, and a new {@code enter} takes
 * the mode. Skipped when the jar has not been built.
 */
class MaintenanceKillIT {
  private static final Path JAR = Path.of("target", "pitstop.jar");
  private static final String TASKS = "SELECT count(*) FROM tasks";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path tmp;

  @BeforeEach
  void jarIsBuilt() {
    assumeTrue(Files.isRegularFile(JAR), "no " + JAR.toAbsolutePath() + "; run mvn package");
  }

  @Test
  void aKilledEnterStopsHoldingTheModeWhenItsLeaseEnds() throws Exception {
    pg.execute("CREATE TABLE tasks (id int)");
    pg.execute("INSERT INTO tasks VALUES (1)");
    Process enter =
        start(
            "maintenance",
            "enter",
            "--tasks-query",
            TASKS,
            "--holder",
            "killed",
            "--lease",
            "1s",
            "--poll-interval",
            "100ms",
            "--timeout",
            "10m");
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> holders("killed") == 1);
      assertThat(mode()).isEqualTo("waiting_for_maintenance");
    } finally {
      enter.destroyForcibly(); // SIGKILL: the process cannot release its holder
    }
    assertThat(enter.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(enter.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    assertThat(holders("killed")).as("nothing released it").isEqualTo(1);

    // The lease (1s) ends by the database's clock; nobody writes the row in between.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(*) FROM pitstop_maintenance_mode_holders"
                            + " WHERE expires_at > now()")
                    == 0);

    CliRun status = cli("maintenance", "status");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("mode: running (the row still says waiting_for_maintenance")
        .containsPattern("(?m)^holders: none$")
        .containsPattern("(?m)^  killed  waiting_for_maintenance  expired at ");

    pg.execute("DELETE FROM tasks");
    CliRun again = cli("maintenance", "enter", "--tasks-query", TASKS, "--holder", "next");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(mode()).isEqualTo("maintenance");
    assertThat(holders("killed")).as("the next write dropped the expired holder").isZero();

    CliRun exit = cli("maintenance", "exit");
    assertThat(exit.exit()).as(exit.err()).isZero();
    assertThat(mode()).isEqualTo("running");
  }

  private Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(tmp.resolve("out.txt").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    builder.environment().keySet().removeIf(name -> name.contains("DATABASE_URL"));
    builder.environment().put("PITSTOP_DATABASE_URL", databaseUrl(pg));
    return builder.start();
  }

  private CliRun cli(String... args) {
    return CliRun.of(Map.of("PITSTOP_DATABASE_URL", databaseUrl(pg)), args);
  }

  private long holders(String name) {
    if (!pg.tableExists("pitstop_maintenance_mode_holders")) {
      return 0;
    }
    return pg.queryLong(
        "SELECT count(*) FROM pitstop_maintenance_mode_holders WHERE holder = ?", name);
  }

  private String mode() {
    return pg.queryStrings("SELECT mode FROM pitstop_maintenance_mode").get(0);
  }
}
