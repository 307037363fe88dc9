package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pitstop migrate} on a schema that already holds objects, {@code --baseline-on-migrate} and
 * {@code pitstop baseline}, through the real CLI on real PostgreSQL, with the real Flyway on the
 * same database.
 */
class BaselineCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private CliRun run(String... args) {
    return CliRun.of(Map.of("PITSTOP_DATABASE_URL", CliRun.databaseUrl(pg)), args);
  }

  private void scripts() throws Exception {
    Files.writeString(dir.resolve("V1__items.sql"), "CREATE TABLE items (id int PRIMARY KEY);");
    Files.writeString(dir.resolve("V2__price.sql"), "ALTER TABLE items ADD COLUMN price numeric;");
  }

  @Test
  void migrateRefusesANonEmptySchemaWithExitTwoAndBaselineOnMigrateAdoptsIt() throws Exception {
    scripts();
    pg.execute("CREATE TABLE items (id int PRIMARY KEY)");

    CliRun refused = run("migrate", "--dir", dir.toString());

    assertThat(refused.exit()).as(refused.err()).isEqualTo(Command.USAGE);
    assertThat(refused.err())
        .startsWith("pitstop migrate: Schema public already holds 1 object (table items)")
        .contains("--baseline-on-migrate with --baseline-version V")
        .endsWith("; nothing was changed\n");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    // Flyway refuses the same schema
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                Flyway.configure()
                    .dataSource(pg.dataSource())
                    .locations("filesystem:" + dir)
                    .load()
                    .migrate())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("Found non-empty schema(s) \"public\" but no schema history table");

    CliRun dryRun = run("migrate", "--dir", dir.toString(), "--baseline-on-migrate", "--dry-run");
    assertThat(dryRun.exit()).as(dryRun.err()).isZero();
    assertThat(dryRun.out())
        .contains("creates it with a baseline at version 1")
        .contains("V2__price.sql")
        .doesNotContain("V1__items.sql");

    CliRun adopted =
        run(
            "migrate",
            "--dir",
            dir.toString(),
            "--baseline-on-migrate",
            "--baseline-version",
            "1",
            "--baseline-description",
            "existing schema");
    assertThat(adopted.exit()).as(adopted.err()).isZero();
    assertThat(adopted.out()).contains("applied 1 migration");
    assertThat(
            pg.queryStrings(
                "SELECT concat_ws('|', version, description, type, script, checksum IS NULL)"
                    + " FROM pitstop_schema_history ORDER BY installed_rank"))
        .containsExactly(
            "1|existing schema|BASELINE|existing schema|t", "2|price|SQL|V2__price.sql|f");
  }

  @Test
  void baselineRecordsTheVersionOnceAndRefusesAHistoryWithMigrations() throws Exception {
    scripts();
    pg.execute("CREATE TABLE items (id int PRIMARY KEY)");

    CliRun baseline = run("baseline", "--baseline-version", "1");
    assertThat(baseline.exit()).as(baseline.err()).isZero();
    assertThat(baseline.out())
        .contains("at version 1 (\"<< Flyway Baseline >>\") in history table")
        .contains("public.pitstop_schema_history");
    CliRun again = run("baseline", "--baseline-version", "1");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("already baselined").contains("nothing was changed");

    CliRun migrate = run("migrate", "--dir", dir.toString());
    assertThat(migrate.exit()).as(migrate.err()).isZero();
    assertThat(migrate.out()).contains("applied 1 migration").contains("current version 2");

    // The same baseline after migrations changes nothing, as Flyway's baseline (Eclipse
    // Tractus-X EDC calls baseline before every migrate).
    CliRun same = run("baseline", "--baseline-version", "1", "--dir", dir.toString());
    assertThat(same.exit()).as(same.err()).isZero();
    assertThat(same.out()).contains("already baselined").contains("nothing was changed");
    assertThat(
            Flyway.configure()
                .dataSource(pg.dataSource())
                .table("pitstop_schema_history")
                .baselineVersion("1")
                .locations("filesystem:" + dir)
                .load()
                .baseline()
                .successfullyBaselined)
        .as("Flyway takes the same baseline the same way")
        .isTrue();

    CliRun refused = run("baseline", "--baseline-version", "2", "--dir", dir.toString());
    assertThat(refused.exit()).isEqualTo(Command.USAGE);
    assertThat(refused.err())
        .startsWith("pitstop baseline: History table public.pitstop_schema_history")
        .endsWith("; nothing was changed\n");
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(2);

    CliRun badVersion = run("baseline", "--baseline-version", "v2");
    assertThat(badVersion.exit()).isEqualTo(Command.USAGE);
    assertThat(badVersion.err()).contains("--baseline-version must be a version");
  }
}
