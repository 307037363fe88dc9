package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.pitstop.testing.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Migration tools' history tables are kept by default; look-alikes are emptied. */
class ResetHistoryTablesTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void historyTablesOfKnownMigrationToolsKeepTheirRowsWhileUserTablesAreEmptied() {
    pg.execute(
        """
        CREATE TABLE customers (id serial PRIMARY KEY, name text);
        CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255),
          name varchar(255), applied timestamptz);
        CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
        CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, migration_name text);
        CREATE TABLE knex_migrations (id serial PRIMARY KEY, name text, batch int,
          migration_time timestamptz);
        CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, is_locked int);
        CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY);
        CREATE TABLE migrations (id serial PRIMARY KEY, timestamp bigint NOT NULL,
          name varchar NOT NULL);
        CREATE TABLE typeorm_metadata (type varchar NOT NULL, name varchar);
        CREATE TABLE payload_migrations (id serial PRIMARY KEY, name varchar, batch numeric);
        CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint,
          is_applied boolean, tstamp timestamp);
        CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY,
          run_on timestamp);
        CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
        CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar);
        CREATE TABLE databasechangelog (id varchar(255), author varchar(255));
        CREATE TABLE databasechangeloglock (id int PRIMARY KEY, locked boolean);
        CREATE SCHEMA sqitch;
        CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, change text);
        CREATE SCHEMA app;
        CREATE TABLE app.migrations (id serial PRIMARY KEY, title text);
        INSERT INTO customers (name) VALUES ('a'), ('b');
        INSERT INTO django_migrations (app, name) VALUES ('auth', '0001_initial');
        INSERT INTO alembic_version VALUES ('ae1027a6acf');
        INSERT INTO _prisma_migrations VALUES ('1', '20240101_init');
        INSERT INTO knex_migrations (name, batch) VALUES ('001_init.js', 1);
        INSERT INTO knex_migrations_lock (is_locked) VALUES (0);
        INSERT INTO "SequelizeMeta" VALUES ('20240101-init.js');
        INSERT INTO migrations (timestamp, name) VALUES (1700000000000, 'Init1700000000000');
        INSERT INTO typeorm_metadata (type, name) VALUES ('VIEW', 'v');
        INSERT INTO payload_migrations (name, batch) VALUES ('20240101_init', 1);
        INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true);
        INSERT INTO __diesel_schema_migrations VALUES ('20240101000000', now());
        INSERT INTO schema_migrations VALUES ('20240101000000');
        INSERT INTO ar_internal_metadata VALUES ('environment', 'development');
        INSERT INTO databasechangelog VALUES ('1', 'me');
        INSERT INTO databasechangeloglock VALUES (1, false);
        INSERT INTO sqitch.changes VALUES ('c1', 'init');
        INSERT INTO app.migrations (title) VALUES ('not a history table');
        """);

    ResetResult result =
        new ResetEngine(pg.dataSource())
            .reset(
                ResetRequest.builder(pg.databaseName())
                    .schemas(List.of("public", "sqitch", "app"))
                    .build());

    assertThat(result.plan().order())
        .containsExactlyInAnyOrder("public.customers", "app.migrations");
    assertThat(pg.rowCount("customers")).isZero();
    assertThat(pg.rowCount("app.migrations")).as("same name, other columns").isZero();
    for (String table :
        List.of(
            "django_migrations",
            "alembic_version",
            "_prisma_migrations",
            "knex_migrations",
            "knex_migrations_lock",
            "\"SequelizeMeta\"",
            "migrations",
            "typeorm_metadata",
            "payload_migrations",
            "goose_db_version",
            "__diesel_schema_migrations",
            "schema_migrations",
            "ar_internal_metadata",
            "databasechangelog",
            "databasechangeloglock",
            "sqitch.changes")) {
      assertThat(pg.queryLong("SELECT count(*) FROM " + table)).as(table).isEqualTo(1);
    }
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name, ResetPlan.PreservedTable::reason)
        .contains(
            tuple("public.\"SequelizeMeta\"", "Sequelize migrations"),
            tuple("public.migrations", "TypeORM migrations (by its columns)"),
            tuple("sqitch.changes", "Sqitch registry"));
  }

  @Test
  void keepHistoryTablesFalseEmptiesOtherToolsHistoriesButKeepsPitstopsOwn() {
    pg.execute(
        """
        CREATE TABLE customers (id serial PRIMARY KEY, name text);
        CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255),
          name varchar(255), applied timestamptz);
        CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
          description varchar(200), type varchar(20), script varchar(1000), checksum int,
          installed_by varchar(100), installed_on timestamp, execution_time int, success boolean);
        CREATE TABLE pitstop_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
          description varchar(200), type varchar(20), script varchar(1000), checksum int,
          installed_by varchar(100), installed_on timestamp, execution_time int, success boolean);
        INSERT INTO customers (name) VALUES ('a');
        INSERT INTO django_migrations (app, name) VALUES ('auth', '0001_initial');
        INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1,
          'me', now(), 1, true);
        INSERT INTO pitstop_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1,
          'me', now(), 1, true);
        """);

    ResetResult result =
        new ResetEngine(pg.dataSource())
            .reset(ResetRequest.builder(pg.databaseName()).keepHistoryTables(false).build());

    assertThat(result.plan().order())
        .containsExactlyInAnyOrder(
            "public.customers", "public.django_migrations", "public.flyway_schema_history");
    assertThat(pg.rowCount("django_migrations")).isZero();
    assertThat(pg.rowCount("flyway_schema_history")).isZero();
    assertThat(pg.rowCount("pitstop_schema_history")).as("Pitstop's own").isEqualTo(1);
  }

  @Test
  void tablesOfAnExtensionAreKeptEvenWithoutHistoryTables() {
    // As PostGIS's public.spatial_ref_sys: the extension's data, not the application's.
    pg.execute(
        """
        CREATE EXTENSION citext;
        CREATE TABLE ext_settings (id int PRIMARY KEY, value text);
        ALTER EXTENSION citext ADD TABLE ext_settings;
        CREATE TABLE customers (id serial PRIMARY KEY, name text);
        INSERT INTO ext_settings SELECT g, 'setting ' || g FROM generate_series(1, 7) g;
        INSERT INTO customers (name) VALUES ('a'), ('b');
        """);

    ResetResult result =
        new ResetEngine(pg.dataSource())
            .reset(ResetRequest.builder(pg.databaseName()).keepHistoryTables(false).build());

    assertThat(result.plan().order()).containsExactly("public.customers");
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name, ResetPlan.PreservedTable::reason)
        .contains(tuple("public.ext_settings", "belongs to extension citext"));
    assertThat(pg.rowCount("ext_settings")).isEqualTo(7);
    assertThat(pg.rowCount("customers")).isZero();
  }
}
