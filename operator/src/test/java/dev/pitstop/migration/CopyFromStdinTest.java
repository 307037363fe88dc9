package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code COPY ... FROM STDIN} with inline data in a migration, beside the real Flyway. */
class CopyFromStdinTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private void write(String name, String content) throws Exception {
    Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private MigrationRequest request() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history")
        .build();
  }

  @Test
  void textAndCsvDataLoadAsFlywayLoadsThemWithTheSameChecksums() throws Exception {
    write(
        "V1__create.sql",
        "CREATE TABLE items (id int PRIMARY KEY, name text, note text);\n"
            + "CREATE TABLE prices (item int, amount numeric, label text);\n");
    // as pg_dump writes it: tab separated, \N for null; semicolons, quotes and -- are data
    write(
        "V2__text_data.sql",
        "-- rows of items\n"
            + "COPY public.items (id, name, note) FROM stdin;\n"
            + "1\tone; two\t\\N\n"
            + "2\tit's\t-- not a comment\n"
            + "3\t$$ dollar $$\tback\\\\slash\n"
            + "\\.\n"
            + "INSERT INTO items VALUES (4, 'after', NULL);\n");
    write(
        "V3__csv_data.sql",
        "copy prices from stdin with (format csv, header);\n"
            + "item,amount,label\n"
            + "1,1.50,\"a, b; c\"\n"
            + "2,2,\"say \"\"hi\"\"\"\n"
            + "\\.\n"
            + "COPY prices (item, amount) FROM STDIN CSV;\r\n"
            + "3,3.25\r\n"
            + "\\.\r\n"
            + "COPY prices FROM stdin CSV HEADER;\n"
            + "item,amount,label\n"
            + "4,,\n"
            + "\\.\n");
    TestDatabase flywayDatabase = pg.createDatabase();
    Flyway.configure()
        .dataSource(flywayDatabase.dataSource())
        .locations("filesystem:" + dir)
        .load()
        .migrate();

    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(request());

    assertThat(result.applied()).hasSize(3);
    String items =
        "SELECT id || '|' || name || '|' || coalesce(note, 'NULL') FROM items ORDER BY id";
    assertThat(pg.queryStrings(items))
        .isEqualTo(flywayDatabase.queryStrings(items))
        .containsExactly(
            "1|one; two|NULL",
            "2|it's|-- not a comment",
            "3|$$ dollar $$|back\\slash",
            "4|after|NULL");
    String prices =
        "SELECT item || '|' || coalesce(amount::text, 'NULL') || '|' || coalesce(label, 'NULL')"
            + " FROM prices ORDER BY item";
    assertThat(pg.queryStrings(prices))
        .isEqualTo(flywayDatabase.queryStrings(prices))
        .containsExactly("1|1.50|a, b; c", "2|2|say \"hi\"", "3|3.25|NULL", "4|NULL|NULL");
    String history =
        "SELECT version || '|' || description || '|' || script || '|' || checksum || '|' || success"
            + " FROM flyway_schema_history ORDER BY installed_rank";
    assertThat(pg.queryStrings(history)).isEqualTo(flywayDatabase.queryStrings(history)).hasSize(3);
    ValidateResult validation =
        Flyway.configure()
            .dataSource(pg.dataSource())
            .locations("filesystem:" + dir)
            .load()
            .validateWithResult();
    assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
  }

  @Test
  void failingRowRollsTheWholeMigrationBack() throws Exception {
    write("V1__create.sql", "CREATE TABLE items (id int PRIMARY KEY);\n");
    write(
        "V2__data.sql",
        "INSERT INTO items VALUES (1);\nCOPY items FROM stdin;\n2\nnot a number\n\\.\n");

    assertThatThrownBy(() -> new MigrationEngine(pg.dataSource()).migrate(request()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
              assertThat(e.getMessage())
                  .contains("V2__data.sql failed at line 2")
                  .contains("rolled back");
            });
    assertThat(pg.rowCount("items")).isZero();
    assertThat(pg.queryStrings("SELECT script FROM flyway_schema_history"))
        .containsExactly("V1__create.sql");
  }

  @Test
  void copyFromStdinWithoutTerminatedDataIsRefusedNamingFileAndLineBeforeAnythingRuns()
      throws Exception {
    write("V1__create.sql", "CREATE TABLE items (id int PRIMARY KEY);\n");
    write("V2__data.sql", "INSERT INTO items VALUES (1);\n\nCOPY items FROM stdin;\n2\n3\n");
    write("V3__no_data.sql", "COPY items FROM STDIN");

    assertThat(MigrationScripts.namingProblems(MigrationScripts.fromDirectory(dir)))
        .extracting(ValidationIssue::message)
        .containsExactly(
            "Migration script V2__data.sql has COPY ... FROM STDIN at line 3 without its inline"
                + " data: the rows must follow on the lines after it, ended by a line \\. as"
                + " pg_dump writes them.",
            "Migration script V3__no_data.sql has COPY ... FROM STDIN at line 1 without its"
                + " inline data: the rows must follow on the lines after it, ended by a line \\."
                + " as pg_dump writes them.");
    assertThatThrownBy(() -> new MigrationEngine(pg.dataSource()).migrate(request()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCRIPT));
    assertThat(pg.tableExists("items")).isFalse();
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
  }
}
