package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Baselining as Flyway does it, against the real Flyway on the same kind of database: a non-empty
 * schema without history is refused, {@code baseline} and {@code baselineOnMigrate} write the row
 * Flyway writes, and each tool continues after the other's baseline.
 */
class BaselineTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private static final String ROWS =
      "SELECT installed_rank || '|' || coalesce(version, '-') || '|' || description || '|' || type"
          + " || '|' || script || '|' || coalesce(checksum::text, 'null') || '|' || installed_by"
          + " || '|' || execution_time || '|' || success FROM flyway_schema_history"
          + " ORDER BY installed_rank";

  private void write(String name, String content) throws Exception {
    Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  /** V1 to V3 made the legacy schema; V4 is new. */
  private void writeScripts() throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);\n");
    write("V2__item_names.sql", "CREATE VIEW item_names AS SELECT id FROM items;\n");
    write("V3__seq.sql", "CREATE SEQUENCE item_seq;\n");
    write("V4__price.sql", "ALTER TABLE items ADD COLUMN price numeric;\n");
  }

  /** The schema V1 to V3 make, created by hand as in a database that predates migrations. */
  private static void legacySchema(TestDatabase database) {
    database.execute("CREATE TABLE items (id int PRIMARY KEY)");
    database.execute("CREATE VIEW item_names AS SELECT id FROM items");
    database.execute("CREATE SEQUENCE item_seq");
    database.execute("CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
  }

  private FluentConfiguration flyway(DataSource dataSource) {
    return Flyway.configure().dataSource(dataSource).locations("filesystem:" + dir);
  }

  private MigrationRequest.Builder request() {
    return MigrationRequest.builder(MigrationScripts.fromDirectory(dir))
        .historyTable("flyway_schema_history");
  }

  @Test
  void aNonEmptySchemaWithoutHistoryIsRefusedAsFlywayRefusesIt() throws Exception {
    writeScripts();
    legacySchema(pg.database());
    MigrationEngine engine = new MigrationEngine(pg.dataSource());

    assertThatThrownBy(() -> engine.migrate(request().build()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NON_EMPTY_SCHEMA);
              assertThat(e.getMessage())
                  .contains(
                      "Schema public already holds 4 objects",
                      "table items",
                      "view item_names",
                      "pitstop baseline --baseline-version",
                      "baselineOnMigrate");
            });
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
    assertThat(engine.info(request().build()).issues())
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.NON_EMPTY_SCHEMA);

    assertThatThrownBy(() -> flyway(pg.dataSource()).load().migrate())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("non-empty schema");
    assertThat(pg.tableExists("flyway_schema_history")).isFalse();
  }

  @Test
  void eachObjectKindFlywayCountsMakesTheSchemaNonEmptyButPitstopsBookkeepingDoesNot()
      throws Exception {
    write("V1__t.sql", "CREATE TABLE t (id int);\n");
    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    for (String object :
        List.of(
            "CREATE TYPE mood AS ENUM ('ok')",
            "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'",
            "CREATE SEQUENCE s",
            "CREATE VIEW v AS SELECT 1 AS one")) {
      TestDatabase database = pg.createDatabase();
      database.execute(object);
      assertThatThrownBy(
              () -> new MigrationEngine(database.dataSource()).migrate(request().build()))
          .as(object)
          .hasFieldOrPropertyWithValue("code", ErrorCode.NON_EMPTY_SCHEMA);
      assertThatThrownBy(() -> flyway(database.dataSource()).load().migrate())
          .as(object)
          .hasMessageContaining("non-empty schema");
    }

    // an extension's objects, and Pitstop's maintenance mode tables, do not count
    pg.execute("CREATE EXTENSION IF NOT EXISTS plpgsql");
    new MaintenanceEngine(pg.dataSource())
        .hold(
            new QualifiedName("public", "pitstop_maintenance_mode"),
            "deploy",
            Mode.MAINTENANCE,
            Duration.ofMinutes(5));
    assertThat(pg.tableExists("pitstop_maintenance_mode_holders")).isTrue();
    // the table where a window records the connection limits of the roles it blocked
    pg.execute(
        "CREATE TABLE pitstop_blocked_roles (role text NOT NULL, holder text NOT NULL,"
            + " original_connection_limit integer NOT NULL,"
            + " blocked_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (role, holder))");
    assertThat(engine.migrate(request().build()).applied()).hasSize(1);
  }

  @Test
  void pitstopBaselineWritesTheRowFlywaysBaselineWritesAndEachContinuesTheOther() throws Exception {
    writeScripts();
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.database();
    legacySchema(byFlyway);
    legacySchema(byPitstop);

    flyway(byFlyway.dataSource()).baselineVersion("3").load().baseline();
    BaselineResult result =
        new MigrationEngine(byPitstop.dataSource())
            .baseline(request().baselineVersion("3").build());

    assertThat(result.created()).isTrue();
    assertThat(result.version()).isEqualTo("3");
    assertThat(byPitstop.queryStrings(ROWS))
        .isEqualTo(byFlyway.queryStrings(ROWS))
        .containsExactly(
            "1|3|<< Flyway Baseline >>|BASELINE|<< Flyway Baseline >>|null|"
                + pg.user()
                + "|0|true");

    // Flyway continues Pitstop's baseline, Pitstop continues Flyway's: only V4 runs
    assertThat(flyway(byPitstop.dataSource()).load().migrate().migrationsExecuted).isEqualTo(1);
    MigrateResult continued = new MigrationEngine(byFlyway.dataSource()).migrate(request().build());
    assertThat(continued.applied()).extracting(ExecutedMigration::version).containsExactly("4");
    assertThat(byPitstop.queryStrings("SELECT version FROM flyway_schema_history"))
        .containsExactly("3", "4");
    assertThat(byFlyway.queryStrings("SELECT version FROM flyway_schema_history"))
        .containsExactly("3", "4");
    assertThat(flyway(byFlyway.dataSource()).load().validateWithResult().validationSuccessful)
        .isTrue();
    assertThat(new MigrationEngine(byPitstop.dataSource()).validate(request().build()).valid())
        .isTrue();
  }

  @Test
  void baselineOnMigrateRecordsTheBaselineThenAppliesOnlyLaterVersionsAsFlywayDoes()
      throws Exception {
    writeScripts();
    TestDatabase byFlyway = pg.createDatabase();
    legacySchema(byFlyway);
    legacySchema(pg.database());

    flyway(byFlyway.dataSource())
        .baselineOnMigrate(true)
        .baselineVersion("3")
        .baselineDescription("legacy schema")
        .load()
        .migrate();
    MigrateResult result =
        new MigrationEngine(pg.dataSource())
            .migrate(
                request()
                    .baselineOnMigrate(true)
                    .baselineVersion("3")
                    .baselineDescription("legacy schema")
                    .build());

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("4");
    assertThat(result.currentVersion()).isEqualTo("4");
    String comparable =
        "SELECT installed_rank || '|' || version || '|' || type || '|' || script || '|'"
            + " || coalesce(checksum::text, 'null') || '|' || success FROM flyway_schema_history"
            + " ORDER BY installed_rank";
    assertThat(pg.queryStrings(comparable))
        .isEqualTo(byFlyway.queryStrings(comparable))
        .hasSize(2)
        .first()
        .isEqualTo("1|3|BASELINE|legacy schema|null|true");

    // an empty schema is not baselined, by either: every version runs
    TestDatabase empty = pg.createDatabase();
    MigrateResult all =
        new MigrationEngine(empty.dataSource())
            .migrate(request().baselineOnMigrate(true).baselineVersion("3").build());
    assertThat(all.applied()).hasSize(4);
  }

  @Test
  void baselineRefusesAHistoryWithMigrationsOrAnotherBaselineAsFlywayDoes() throws Exception {
    writeScripts();
    MigrationEngine engine = new MigrationEngine(pg.dataSource());
    engine.migrate(request().targetVersion("1").build());

    assertThatThrownBy(() -> engine.baseline(request().build()))
        .hasFieldOrPropertyWithValue("code", ErrorCode.BASELINE_REFUSED)
        .hasMessageContaining("already records 1 row(s)");
    assertThatThrownBy(() -> flyway(pg.dataSource()).load().baseline())
        .isInstanceOf(FlywayException.class)
        .hasMessageContaining("already contains migrations");
    assertThat(pg.queryLong("SELECT count(*) FROM flyway_schema_history")).isEqualTo(1);

    TestDatabase baselined = pg.createDatabase();
    MigrationEngine other = new MigrationEngine(baselined.dataSource());
    assertThat(other.baseline(request().baselineVersion("2").build()).created()).isTrue();
    // the same baseline again changes nothing, as with Flyway; another one is refused
    assertThat(other.baseline(request().baselineVersion("2").build()).created()).isFalse();
    flyway(baselined.dataSource()).baselineVersion("2").load().baseline();
    assertThatThrownBy(() -> other.baseline(request().baselineVersion("3").build()))
        .hasFieldOrPropertyWithValue("code", ErrorCode.BASELINE_REFUSED)
        .hasMessageContaining("already baselined at version 2");
    assertThatThrownBy(() -> flyway(baselined.dataSource()).baselineVersion("3").load().baseline())
        .hasMessageContaining("already been baselined");
    assertThat(baselined.queryLong("SELECT count(*) FROM flyway_schema_history")).isEqualTo(1);
  }

  @Test
  void aBaselineMigrationReplacesTheVersionsUpToItOnlyOnANewDatabaseAsFlywayRunsIt()
      throws Exception {
    write("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);\n");
    write("V2__names.sql", "ALTER TABLE items ADD COLUMN name text;\n");
    write("B2__items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\n");
    write("V3__price.sql", "ALTER TABLE items ADD COLUMN price numeric;\n");
    TestDatabase byFlyway = pg.createDatabase();
    String rows =
        "SELECT installed_rank || '|' || version || '|' || description || '|' || type || '|'"
            + " || script || '|' || checksum || '|' || success FROM flyway_schema_history"
            + " ORDER BY installed_rank";

    flyway(byFlyway.dataSource()).load().migrate();
    MigrateResult result = new MigrationEngine(pg.dataSource()).migrate(request().build());

    assertThat(result.applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("B2__items.sql", "V3__price.sql");
    assertThat(pg.queryStrings(rows))
        .isEqualTo(byFlyway.queryStrings(rows))
        .first(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("1|2|items|SQL_BASELINE|B2__items.sql|");
    assertThat(flyway(pg.dataSource()).load().validateWithResult().validationSuccessful).isTrue();
    assertThat(new MigrationEngine(byFlyway.dataSource()).validate(request().build()).valid())
        .isTrue();
    // an applied baseline migration is checked against its file
    write("B2__items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text); -- edited\n");
    assertThat(new MigrationEngine(pg.dataSource()).validate(request().build()).issues())
        .extracting(ValidationIssue::code)
        .containsExactly(ErrorCode.CHECKSUM_MISMATCH);
    write("B2__items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\n");

    // where something is applied already, or above the target, the baseline migration is ignored
    TestDatabase started = pg.createDatabase();
    MigrationEngine engine = new MigrationEngine(started.dataSource());
    assertThat(engine.migrate(request().targetVersion("1").build()).applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("V1__items.sql");
    assertThat(engine.migrate(request().build()).applied())
        .extracting(ExecutedMigration::script)
        .containsExactly("V2__names.sql", "V3__price.sql");
    assertThat(started.queryStrings("SELECT type FROM flyway_schema_history")).containsOnly("SQL");
  }
}
