package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.PostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code pitstop maintenance enter|status|exit} against a real PostgreSQL. */
class MaintenanceCommandTest {
  private static final String TASKS = "SELECT count(*) FROM tasks WHERE status = 'running'";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void tasksTable() {
    pg.execute("CREATE TABLE tasks (id serial PRIMARY KEY, status text NOT NULL)");
  }

  @Test
  void enterWaitsForTasksThenWritesMaintenanceAndExitWritesRunning() throws Exception {
    pg.execute("INSERT INTO tasks (status) VALUES ('running'), ('running')");
    CompletableFuture<Integer> entered =
        CompletableFuture.supplyAsync(
            () -> run("maintenance", "enter", "--tasks-query", TASKS, "--poll-interval", "50ms"));

    awaitOutput("2 task(s) pending");
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("waiting_for_maintenance");
    pg.execute("UPDATE tasks SET status = 'done' WHERE id = 1");
    awaitOutput("1 task(s) pending");
    pg.execute("UPDATE tasks SET status = 'done'");

    assertThat(entered.get(30, TimeUnit.SECONDS)).isEqualTo(Command.OK);
    assertThat(stdout()).contains("mode maintenance: drained in");
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("maintenance");

    assertThat(run("maintenance", "status")).isEqualTo(Command.OK);
    assertThat(stdout()).contains("mode: maintenance").contains("pending tasks: 0");

    assertThat(run("maintenance", "exit")).isEqualTo(Command.OK);
    assertThat(stdout()).containsPattern("holder \\S+ released; mode running written to");
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("running");
  }

  @Test
  void aSampleThatFailsIsPrintedAndTheDrainGoesOn() throws Exception {
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    // New sessions of this database give up on a lock after 50ms.
    pg.execute("ALTER DATABASE \"" + pg.databaseName() + "\" SET lock_timeout = '50ms'");
    CompletableFuture<Integer> entered =
        CompletableFuture.supplyAsync(
            () -> run("maintenance", "enter", "--tasks-query", TASKS, "--poll-interval", "50ms"));
    awaitOutput("1 task(s) pending");

    try (Connection dba = pg.dataSource().getConnection();
        Statement statement = dba.createStatement()) {
      dba.setAutoCommit(false);
      statement.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
      awaitOutput("retrying: --tasks-query failed: ");
      assertThat(stdout().lines().filter(l -> l.startsWith("retrying: ")).findFirst())
          .hasValueSatisfying(l -> assertThat(l).contains("lock timeout").contains("55P03"));
      statement.execute("UPDATE tasks SET status = 'done'");
      dba.commit();
    }

    assertThat(entered.get(30, TimeUnit.SECONDS)).as(stderr()).isEqualTo(Command.OK);
    assertThat(stdout()).contains("mode maintenance: drained in");
  }

  @Test
  void enterTimesOutWithExitCode1AndModeRunningAgain() {
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");
    pg.execute("CREATE SCHEMA ops");

    int code =
        run(
            "maintenance",
            "enter",
            "--tasks-query",
            TASKS,
            "--mode-table",
            "ops.mode",
            "--timeout",
            "300ms",
            "--poll-interval",
            "50ms");

    assertThat(code).as(stderr()).isEqualTo(Command.FAILED);
    assertThat(stderr().lines())
        .containsExactly(
            "pitstop maintenance: not drained in time: 1 task(s) pending (timeout 300ms); holder "
                + MaintenanceCommand.defaultHolder()
                + " released, mode is running");
    assertThat(mode("ops.mode")).isEqualTo("running");
  }

  @Test
  void aSecondEnterJoinsTheFirstAndItsTimeoutLeavesTheModeInMaintenance() {
    assertThat(run("maintenance", "enter", "--tasks-query", TASKS, "--holder", "alice"))
        .as(stderr())
        .isEqualTo(Command.OK);
    assertThat(stdout()).contains("holder alice holds it until 'pitstop maintenance exit");
    pg.execute("INSERT INTO tasks (status) VALUES ('running')");

    int code =
        run(
            "maintenance",
            "enter",
            "--tasks-query",
            TASKS,
            "--holder",
            "bob",
            "--timeout",
            "300ms",
            "--poll-interval",
            "50ms");

    assertThat(code).isEqualTo(Command.FAILED);
    assertThat(stderr()).contains("holder bob released, mode is maintenance (held by alice)");
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("maintenance");

    pg.execute("UPDATE tasks SET status = 'done'");
    assertThat(
            run("maintenance", "enter", "--tasks-query", TASKS, "--holder", "bob", "--hold", "1h"))
        .isEqualTo(Command.OK);
    assertThat(run("maintenance", "status")).isEqualTo(Command.OK);
    assertThat(stdout())
        .containsPattern("(?m)^  alice  maintenance  until exit  since ")
        .containsPattern("(?m)^  bob  maintenance  expires at \\S+  since ");

    assertThat(run("maintenance", "exit")).isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("several holders").contains("alice, bob").contains("--all");
    assertThat(run("maintenance", "exit", "--holder", "alice")).isEqualTo(Command.OK);
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("maintenance");
    assertThat(run("maintenance", "exit", "--holder", "bob")).isEqualTo(Command.OK);
    assertThat(mode("pitstop_maintenance_mode")).isEqualTo("running");
  }

  @Test
  void badInputExitsWith2NamingTheFlagAndChangesNothing() {
    assertThat(run("maintenance", "enter")).isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("--tasks-query is required");

    assertThat(run("maintenance", "enter", "--tasks-query", "DELETE FROM tasks"))
        .isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("--tasks-query must be a single SELECT");

    assertThat(run("maintenance", "enter", "--tasks-query", "SELECT count(*) FROM nope"))
        .isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("--tasks-query failed").contains("nope");

    assertThat(run("maintenance", "enter", "--tasks-query", TASKS, "--timeout", "soon"))
        .isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("--timeout must be a duration");

    assertThat(run("maintenance", "enter", "--tasks-query", TASKS, "--mode-table", "a.b.c"))
        .isEqualTo(Command.USAGE);
    assertThat(run("maintenance", "pause")).isEqualTo(Command.USAGE);
    assertThat(run("maintenance")).isEqualTo(Command.USAGE);

    assertThat(pg.tableExists("pitstop_maintenance_mode")).isFalse();
  }

  @Test
  void withoutADatabaseUrlItSaysWhereToPutOne() {
    int code =
        Cli.standard()
            .run(
                List.of("maintenance", "status"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of());

    assertThat(code).isEqualTo(Command.USAGE);
    assertThat(stderr()).contains("--database-url").contains("PITSTOP_DATABASE_URL");
  }

  @Test
  void exitOfAHolderThatIsNotRegisteredSaysSo() {
    assertThat(run("maintenance", "exit", "--holder", "nobody")).isEqualTo(Command.OK);
    assertThat(stdout())
        .contains("holder nobody was not registered (already released or expired); mode running");
  }

  @Test
  void helpOfACommandPrintsItsSummaryAndExitsZero() {
    assertThat(run("maintenance", "--help")).isEqualTo(Command.OK);
    assertThat(stdout()).startsWith("pitstop maintenance: enter|status|exit maintenance mode");
    assertThat(stderr()).isEmpty();
  }

  @Test
  void statusWithoutARowSaysRunning() {
    assertThat(run("maintenance", "status", "--mode-table", "fresh_mode")).isEqualTo(Command.OK);
    assertThat(stdout()).contains("mode: running (no row in fresh_mode yet)");
  }

  private int run(String... args) {
    String url =
        pg.jdbcUrl()
            + (pg.jdbcUrl().contains("?") ? "&" : "?")
            + "user="
            + pg.user()
            + "&password="
            + pg.password();
    return Cli.standard()
        .run(
            new ArrayList<>(List.of(args)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("DATABASE_URL", url));
  }

  private String mode(String table) {
    return pg.queryStrings("SELECT mode FROM " + table).get(0);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void awaitOutput(String text) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(stdout()).contains(text));
  }
}
