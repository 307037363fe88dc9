package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ThirdLane;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar pitstop.jar migrate} interrupted inside {@code CREATE INDEX CONCURRENTLY}, which
 * is held by an open writer on the table so the interruption lands while the build waits: the
 * client killed with SIGKILL (the server finishes the index, nothing records the migration), or the
 * build's session terminated (PostgreSQL leaves an INVALID index). Running {@code migrate} again
 * finishes the migration with no repair by hand. Skipped when the jar has not been built.
 */
@ThirdLane
class ConcurrentIndexKillIT {
  private static final Path JAR = Path.of("target", "pitstop.jar");

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path tmp;

  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Files.isRegularFile(JAR), "no " + JAR.toAbsolutePath() + "; run mvn package");
    pg.execute("CREATE TABLE accounts (id int PRIMARY KEY, email text, status text)");
    pg.execute("INSERT INTO accounts VALUES (1, 'a@x', 'active'), (2, 'b@x', 'closed')");
    dir = Files.createDirectory(tmp.resolve("migrations"));
  }

  private void writeMigration(String firstIndex, String secondIndex) throws Exception {
    Files.writeString(
        dir.resolve("V1__account_indexes.sql"),
        firstIndex + ";\n" + secondIndex + ";\nCREATE TABLE account_notes (id int);\n");
  }

  @Test
  void aKilledClientWhoseIndexTheServerFinishedIsCompletedByTheNextRun() throws Exception {
    writeMigration(
        "CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status)\n"
            + "  WHERE status <> 'closed'",
        "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email)");
    Process migrate;
    try (Connection writer = openWriter()) {
      migrate = start();
      awaitBuildWaiting("accounts_status_idx");
      migrate.destroyForcibly(); // SIGKILL: the server keeps building
      assertThat(migrate.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(migrate.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
      writer.commit();
    }
    // the build ends in the server, and the sessions of the killed client with it
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pitstop'")
                    == 0);
    assertThat(valid("accounts_status_idx")).isEqualTo("true");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE type <> 'BASELINE'"))
        .isZero();

    CliRun again = finish(start());

    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out())
        .contains(
            "V1__account_indexes.sql: statement 1 (line 1): index public.accounts_status_idx"
                + " already exists, valid and as this statement builds it (an earlier run ended"
                + " after building it); statement skipped")
        .contains("applied 1 migration");
    assertThat(valid("accounts_email_key")).isEqualTo("true");
    assertThat(pg.tableExists("account_notes")).isTrue();
    assertThat(
            pg.queryStrings(
                "SELECT script FROM pitstop_schema_history WHERE success AND type <> 'BASELINE'"))
        .containsExactly("V1__account_indexes.sql");
  }

  @Test
  void theNextRunWaitsForTheBuildOfAKilledClientThatTheServerStillRuns() throws Exception {
    writeMigration(
        "CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status)",
        "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email)");
    CliRun again;
    try (Connection writer = openWriter()) {
      Process migrate = start();
      awaitBuildWaiting("accounts_status_idx");
      migrate.destroyForcibly(); // SIGKILL: the build goes on in the server, held by the writer
      assertThat(migrate.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(valid("accounts_status_idx")).isEqualTo("false");

      Process next = start(); // as a restarted operator would, at once
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.readString(tmp.resolve("out.txt")).contains("waiting for that build"));
      assertThat(next.isAlive()).isTrue();
      // The next run waits holding nothing the build needs. Waiting for the build's lock on the
      // table would do so in a transaction whose snapshot, when it has one, the build waits for
      // before it marks the index valid: a deadlock that PostgreSQL ends by failing the build.
      await()
          .alias("for 2 s, one session of pitstop waiting for a lock: the killed client's build")
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  pg.queryLong(
                          "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pitstop'"
                              + " AND wait_event_type = 'Lock'")
                      == 1);
      assertThat(next.isAlive()).isTrue();
      writer.commit();
      again = finish(next);
    }

    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out())
        .containsPattern(
            "V1__account_indexes.sql: statement 1 \\(line 1\\): index"
                + " public.accounts_status_idx is still being built by session [0-9]+ \\(an"
                + " earlier run whose client ended\\); waiting for that build to end")
        .contains(
            "V1__account_indexes.sql: statement 1 (line 1): index public.accounts_status_idx"
                + " already exists, valid and as this statement builds it (an earlier run ended"
                + " after building it); statement skipped")
        .doesNotContain("dropped invalid index");
    assertThat(valid("accounts_status_idx")).isEqualTo("true");
    assertThat(valid("accounts_email_key")).isEqualTo("true");
    assertThat(
            pg.queryStrings(
                "SELECT script FROM pitstop_schema_history WHERE success AND type <> 'BASELINE'"))
        .containsExactly("V1__account_indexes.sql");
  }

  @Test
  void aBuildWhoseSessionIsTerminatedIsDroppedAndBuiltAgainByTheNextRun() throws Exception {
    writeMigration(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_key ON accounts (email)",
        "CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status)");
    CliRun first;
    try (Connection writer = openWriter()) {
      Process migrate = start();
      awaitBuildWaiting("accounts_email_key");
      assertThat(
              pg.queryLong(
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                      + " WHERE starts_with(query, 'CREATE UNIQUE INDEX CONCURRENTLY')"))
          .isEqualTo(1);
      first = finish(migrate);
      writer.commit();
    }
    assertThat(first.exit()).as(first.all()).isEqualTo(1);
    assertThat(first.err())
        .contains("SQLSTATE 57P01")
        .contains(
            "index public.accounts_email_key was left INVALID and is dropped before"
                + " V1__account_indexes.sql runs again");
    assertThat(valid("accounts_email_key")).isEqualTo("false");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE type <> 'BASELINE'"))
        .isZero();

    CliRun again = finish(start());

    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out())
        .contains(
            "V1__account_indexes.sql: statement 1 (line 1): dropped invalid index"
                + " public.accounts_email_key left by an interrupted build; building it again");
    assertThat(valid("accounts_email_key")).isEqualTo("true"); // not kept by IF NOT EXISTS
    assertThat(valid("accounts_status_idx")).isEqualTo("true");
    assertThat(pg.tableExists("account_notes")).isTrue();
    assertThat(
            pg.queryStrings(
                "SELECT script FROM pitstop_schema_history WHERE success AND type <> 'BASELINE'"))
        .containsExactly("V1__account_indexes.sql");
  }

  /** A transaction that wrote to the table: a concurrent build waits for it to end. */
  private Connection openWriter() throws Exception {
    Connection writer = pg.dataSource().getConnection();
    writer.setAutoCommit(false);
    writer.createStatement().execute("INSERT INTO accounts VALUES (3, 'c@x', 'active')");
    return writer;
  }

  private void awaitBuildWaiting(String index) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND application_name = 'pitstop' AND starts_with(query, 'CREATE')"
                            + " AND strpos(query, ?) > 0",
                        " " + index + " ON ")
                    == 1);
  }

  private String valid(String index) {
    return pg.queryStrings(
            "SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass(?)", index)
        .get(0);
  }

  private Process start() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    // the accounts table predates the migrations: baselined at 0, V1 runs
    command.addAll(
        List.of(
            "migrate",
            "--dir",
            dir.toString(),
            "--baseline-on-migrate",
            "--baseline-version",
            "0"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(tmp.resolve("out.txt").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    builder.environment().keySet().removeIf(name -> name.contains("DATABASE_URL"));
    builder.environment().remove("PITSTOP_LOG_LEVEL");
    builder.environment().put("PITSTOP_DATABASE_URL", databaseUrl(pg));
    return builder.start();
  }

  private CliRun finish(Process process) throws Exception {
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("pitstop.jar finished").isTrue();
    return new CliRun(
        process.exitValue(),
        Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
  }
}
