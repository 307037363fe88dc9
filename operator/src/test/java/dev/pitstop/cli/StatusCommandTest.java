package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.testing.PostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop status}: applied and pending migrations, nothing changed. */
class StatusCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void files() throws Exception {
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id int);");
    Files.writeString(dir.resolve("V2__seed.sql"), "INSERT INTO courses VALUES (1);");
    Files.writeString(
        dir.resolve("R__ids.sql"), "CREATE OR REPLACE VIEW ids AS SELECT id FROM courses;");
  }

  private CliRun cli(String command, String... extra) {
    String[] args = new String[extra.length + 5];
    args[0] = command;
    args[1] = "--dir";
    args[2] = dir.toString();
    args[3] = "--database-url";
    args[4] = databaseUrl(pg);
    System.arraycopy(extra, 0, args, 5, extra.length);
    return CliRun.of(Map.of(), args);
  }

  private static String lineOf(String text, String containing) {
    return text.lines()
        .filter(line -> line.contains(containing))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line with " + containing + " in:\n" + text));
  }

  @Test
  void listsAppliedAndPendingMigrationsInOneTable() {
    assertThat(cli("migrate", "--target", "1").exit()).isZero();

    CliRun run = cli("status");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("history table public.pitstop_schema_history")
        .contains("current version 1, 2 applied, 1 pending");
    assertThat(lineOf(run.out(), "VERSION"))
        .containsSubsequence("VERSION", "DESCRIPTION", "TYPE", "SCRIPT", "INSTALLED ON", "STATE");
    assertThat(lineOf(run.out(), "V1__create_courses.sql"))
        .contains("create courses")
        .endsWith("Success");
    assertThat(lineOf(run.out(), "R__ids.sql")).endsWith("Success");
    assertThat(lineOf(run.out(), "V2__seed.sql")).contains("seed").endsWith("Pending");
    assertThat(pg.tableExists("courses")).isTrue();
    assertThat(pg.rowCount("courses")).isZero();
  }

  @Test
  void onAFreshDatabaseEverythingIsPendingAndNothingIsCreated() {
    CliRun run = cli("status");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("(does not exist yet)")
        .contains("current version none, 0 applied, 3 pending");
    assertThat(lineOf(run.out(), "V1__create_courses.sql")).endsWith("Pending");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  /** Nothing is applied yet: the baseline migrate would record first is pending, not current. */
  @Test
  void aBaselineMigrateWouldRecordInANewHistoryIsPendingNotTheCurrentVersion() {
    pg.execute("CREATE TABLE legacy (id int)");

    CliRun dryRun = cli("migrate", "--dry-run", "--baseline-on-migrate", "--baseline-version", "0");

    assertThat(dryRun.exit()).as(dryRun.err()).isZero();
    assertThat(dryRun.out())
        .contains("does not exist yet (migrate creates it with a baseline at version 0")
        .contains("current version none, 0 applied, 3 pending");
    // as kubectl pitstop history prints a DatabaseMigration with baselineOnMigrate
    MigrationInfo info =
        new MigrationEngine(pg.dataSource())
            .info(
                MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .build());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StatusCommand.print(info, "the database", new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String history = bytes.toString(StandardCharsets.UTF_8);
    assertThat(history).contains("current version none, 0 applied, 3 pending");
    assertThat(lineOf(history, "BASELINE")).endsWith("Pending (recorded first)");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void changedFileIsMarkedAndListedAsAProblemButStatusStillSucceeds() throws Exception {
    assertThat(cli("migrate").exit()).isZero();
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id bigint);");

    CliRun run = cli("status");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(lineOf(run.out(), "V1__create_courses.sql")).endsWith("Changed");
    assertThat(run.out())
        .contains("1 problem:")
        .contains("V1__create_courses.sql was changed after it was applied");
  }

  @Test
  void aPasswordThatIsAlsoAWordIsNeverShownNorRevealedByMasking() {
    String url = databaseUrl(pg).replace(CliRun.PASSWORD, "pitstop");
    try {
      CliRun run = CliRun.of(Map.of(), "status", "--dir", dir.toString(), "--database-url", url);

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("history table public.pitstop_schema_history");
      assertThat(run.all()).doesNotContain("****").doesNotContain(":pitstop@");

    } finally {
      KnownSecrets.forget("pitstop");
    }
  }
}
