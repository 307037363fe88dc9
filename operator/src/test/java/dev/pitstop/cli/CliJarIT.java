package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.ThirdLane;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as users run it: {@code java -jar operator/target/pitstop.jar ...} in a separate
 * JVM, with the real exit code and output. Skipped when the jar has not been built.
 */
@ThirdLane
class CliJarIT {
  private static final Path JAR = Path.of("target", "pitstop.jar");

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path tmp;

  @BeforeEach
  void jarIsBuilt() {
    assumeTrue(Files.isRegularFile(JAR), "no " + JAR.toAbsolutePath() + "; run mvn package");
  }

  private CliRun java(String... args) throws Exception {
    return finish(start(args));
  }

  private Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(name -> name.contains("DATABASE_URL"));
    builder.environment().remove("PITSTOP_LOG_LEVEL");
    // The URL travels in the environment, as it should in real use, not on the command line.
    builder.environment().put("PITSTOP_DATABASE_URL", databaseUrl(pg));
    return builder.start();
  }

  private CliRun finish(Process process) throws Exception {
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("pitstop.jar finished").isTrue();
    return new CliRun(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void migrateAppliesAFolderAndExitsZeroWithoutLogNoise() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("migrations"));
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id int);");
    Files.writeString(dir.resolve("V2__seed.sql"), "INSERT INTO courses VALUES (1), (2);");

    CliRun run = java("migrate", "--dir", dir.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("[1/2] applying V1__create_courses.sql")
        .contains("applied 2 migrations");
    assertThat(run.err()).isEmpty();
    assertThat(pg.rowCount("courses")).isEqualTo(2);
  }

  @Test
  void badUsageExitsTwoWithOneLine() throws Exception {
    CliRun run = java("migrate", "--dir", tmp.resolve("absent").toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err().lines())
        .containsExactly(
            "pitstop migrate: --dir "
                + tmp.resolve("absent")
                + " does not exist; nothing was changed");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void migrateWhoseSessionIsKilledExitsOneWithOneSentenceAndNoStackTrace() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("migrations"));
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id int);");
    Files.writeString(dir.resolve("V2__slow.sql"), "SELECT pg_sleep(60);");

    Process migrate = start("migrate", "--dir", dir.toString());
    pg.awaitActiveStatement("SELECT pg_sleep");
    terminatePitstopSessions();
    CliRun run = finish(migrate);

    assertThat(run.exit()).as(run.all()).isEqualTo(1);
    assertThat(run.err().lines()).as(run.err()).hasSize(1);
    assertThat(run.err())
        .startsWith("pitstop migrate: V2__slow.sql failed at line 1 (statement 1): ")
        .contains("SQLSTATE 57P01")
        .endsWith("migrations up to version 1 stay applied\n");
    assertNoStackTrace(run);
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__create_courses.sql");
  }

  @Test
  void resetWhoseSessionIsKilledExitsOneWithOneSentenceAndNoStackTrace() throws Exception {
    pg.execute("CREATE TABLE courses (id int)");
    pg.execute("INSERT INTO courses VALUES (1), (2)");
    Path seed = tmp.resolve("seed.sql");
    Files.writeString(seed, "SELECT pg_sleep(60);");

    Process reset = start("reset", "--confirm", pg.databaseName(), "--seed", seed.toString());
    pg.awaitActiveStatement("SELECT pg_sleep");
    terminatePitstopSessions();
    CliRun run = finish(reset);

    assertThat(run.exit()).as(run.all()).isEqualTo(1);
    assertThat(run.err().lines()).as(run.err()).hasSize(1);
    assertThat(run.err())
        .startsWith("pitstop reset: Seed seed.sql failed at line 1: ")
        .contains("SQLSTATE 57P01")
        .contains("the reset was rolled back and nothing changed");
    assertNoStackTrace(run);
    assertThat(pg.rowCount("courses")).as("rolled back").isEqualTo(2);
  }

  @Test
  void anUnreachableDatabaseExitsOneWithOneSentence() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path dir = Files.createDirectory(tmp.resolve("migrations"));
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id int);");

    CliRun run =
        java(
            "migrate",
            "--dir",
            dir.toString(),
            "--database-url",
            "postgresql://app@127.0.0.1:" + closedPort + "/app");

    assertThat(run.exit()).as(run.all()).isEqualTo(1);
    assertThat(run.err().lines())
        .containsExactly(
            "pitstop migrate: The connection to 127.0.0.1:"
                + closedPort
                + " was refused; check the host and port and that PostgreSQL is running;"
                + " nothing was changed");
    assertNoStackTrace(run);
  }

  /** Ends every session of the jar, as {@code pg_terminate_backend} from another session does. */
  private void terminatePitstopSessions() {
    assertThat(
            pg.queryLong(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND application_name = 'pitstop'"))
        .isPositive();
  }

  private static void assertNoStackTrace(CliRun run) {
    assertThat(run.err().lines())
        .noneMatch(line -> line.contains("at dev.pitstop") || line.contains("Exception"));
  }

  @Test
  void runAppliesTheExampleManifestsAndPrintsTheirStatus() throws Exception {
    CliRun run =
        java("run", "-f", ProjectFiles.examples().resolve("database-migration").toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("\nstatus:\n").contains("  phase: Succeeded\n");
    assertThat(run.all()).doesNotContain(PASSWORD).doesNotContain("change-me");
    assertThat(pg.tableExists("courses")).isTrue();
    assertThat(pg.tableExists("course_summary")).isTrue();
  }
}
