package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop validate}: exit 0 when valid, 1 with one line per problem naming the file. */
class ValidateCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void files() throws Exception {
    Files.writeString(dir.resolve("V1__create_courses.sql"), "CREATE TABLE courses (id int);");
    Files.writeString(dir.resolve("V2__seed.sql"), "INSERT INTO courses VALUES (1);");
  }

  private CliRun cli(String command, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(command, "--dir", dir.toString(), "--database-url", databaseUrl(pg)));
    args.addAll(List.of(more));
    return CliRun.of(Map.of(), args.toArray(String[]::new));
  }

  @Test
  void matchingFilesAreValid() {
    assertThat(cli("migrate").exit()).isZero();

    CliRun run = cli("validate");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .startsWith("valid: 2 files in " + dir)
        .contains("current version 2, 2 applied, 0 pending");
    assertThat(run.err()).isEmpty();
  }

  /**
   * An ignored file is not counted among the files that match, and a history table whose name needs
   * quotes is named with them, as it can be given back to {@code --history-table}.
   */
  @Test
  void ignoredFilesAreCountedApartAndAHistoryTableIsNamedAsItCanBeGivenBack() throws Exception {
    Files.writeString(dir.resolve("001_notes.sql"), "SELECT 1;");
    String table = "app.\"Schema History\"";
    pg.execute("CREATE SCHEMA app");
    CliRun migrate = cli("migrate", "--history-table", table);
    assertThat(migrate.exit()).as(migrate.err()).isZero();
    assertThat(migrate.out())
        .contains(" with 2 files (1 ignored) from " + dir)
        .contains("(history table " + table + ")");

    CliRun run = cli("validate", "--history-table", table);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .startsWith("valid: 2 files (1 ignored) in " + dir + " match history table " + table + " ");
    Files.delete(dir.resolve("V2__seed.sql"));
    CliRun one = CliRun.of(Map.of(), "validate", "--dir", dir.toString());
    assertThat(one.out()).startsWith("valid: 1 file (1 ignored) in " + dir + " is named correctly");
  }

  @Test
  void modifiedAppliedFileIsInvalid() throws Exception {
    assertThat(cli("migrate").exit()).isZero();
    Files.writeString(dir.resolve("V2__seed.sql"), "INSERT INTO courses VALUES (2);");

    CliRun run = cli("validate");

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .startsWith("pitstop validate: V2__seed.sql was changed after it was applied");
    assertThat(pg.rowCount("courses")).isEqualTo(1);
  }

  @Test
  void missingAppliedFileAndFailedRowAreEachReportedOnTheirOwnLine() throws Exception {
    assertThat(cli("migrate").exit()).isZero();
    Files.delete(dir.resolve("V1__create_courses.sql"));
    pg.execute(
        "INSERT INTO pitstop_schema_history (installed_rank, version, description, type, script,"
            + " checksum, installed_by, execution_time, success)"
            + " VALUES (3, '3', 'broken', 'SQL', 'V3__broken.sql', 1, 'x', 0, false)");
    Files.writeString(dir.resolve("V3__broken.sql"), "SELECT 1;");

    CliRun run = cli("validate");

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err()).startsWith("pitstop validate: 2 problems:");
    assertThat(run.err().lines().filter(line -> line.startsWith("  ")))
        .hasSize(2)
        .anyMatch(line -> line.contains("V1__create_courses.sql"))
        .anyMatch(line -> line.contains("V3__broken.sql"));
  }

  @Test
  void everyBadFileNameIsReportedOnItsOwnLine() throws Exception {
    Files.writeString(dir.resolve("V3_missing_separator.sql"), "SELECT 1;");
    Files.writeString(dir.resolve("V2.0__same_version.sql"), "SELECT 1;");

    CliRun run = cli("validate");

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err()).startsWith("pitstop validate: 2 problems:");
    assertThat(run.err().lines().filter(line -> line.startsWith("  ")))
        .hasSize(2)
        .anyMatch(line -> line.contains("V3_missing_separator.sql"))
        .anyMatch(line -> line.contains("V2.0__same_version.sql") && line.contains("V2__seed.sql"));
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void withoutADatabaseOnlyNamesAreCheckedAndThatIsSaid() throws Exception {
    CliRun valid = CliRun.of(Map.of(), "validate", "--dir", dir.toString());
    assertThat(valid.exit()).as(valid.err()).isZero();
    assertThat(valid.out()).contains("valid: 2 files").contains("named correctly");
    assertThat(valid.err()).contains("no database given");

    Files.writeString(dir.resolve("X__other.sql"), "SELECT 1;");
    CliRun ignored = CliRun.of(Map.of(), "validate", "--dir", dir.toString());
    assertThat(ignored.exit()).as(ignored.err()).isZero();
    assertThat(ignored.err()).contains("warning: ignoring X__other.sql");

    Files.writeString(dir.resolve("V3_bad.sql"), "SELECT 1;");
    CliRun invalid = CliRun.of(Map.of(), "validate", "--dir", dir.toString());
    assertThat(invalid.exit()).isEqualTo(Command.FAILED);
    assertThat(invalid.err()).contains("V3_bad.sql");
  }
}
