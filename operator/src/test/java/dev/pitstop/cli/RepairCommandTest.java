package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pitstop repair} against real PostgreSQL, next to the real Flyway's repair on the same
 * history: the same rows afterwards, and Flyway continues from Pitstop's repair.
 */
class RepairCommandTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  private static final String HISTORY =
      "SELECT concat_ws('|', installed_rank, version, description, type, script, checksum,"
          + " success) FROM flyway_schema_history ORDER BY installed_rank";

  private static String url(TestDatabase db) {
    java.net.URI uri = java.net.URI.create(db.jdbcUrl().substring("jdbc:".length()));
    return "postgresql://"
        + db.user()
        + ":"
        + db.password()
        + "@"
        + uri.getHost()
        + ":"
        + uri.getPort()
        + "/"
        + db.name();
  }

  private void write(String name, String sql) throws Exception {
    Files.writeString(dir.resolve(name), sql);
  }

  private Flyway flyway(TestDatabase db) {
    return Flyway.configure().dataSource(db.dataSource()).locations("filesystem:" + dir).load();
  }

  private CliRun run(String command, TestDatabase db, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                command,
                "--dir",
                dir.toString(),
                "--history-table",
                "flyway_schema_history",
                "--database-url",
                url(db)));
    args.addAll(List.of(extra));
    return CliRun.of(Map.of(), args.toArray(String[]::new));
  }

  /**
   * Flyway applies V1; V2, a migration run outside a transaction, failed and left a failed row as
   * Flyway records one (written here: Flyway 11 on PostgreSQL records none for a statement that
   * fails before it changes anything); then V1 is edited (a comment), so its recorded checksum no
   * longer matches.
   */
  private void failedRowAndChangedChecksum(TestDatabase... dbs) throws Exception {
    write("V1__orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, total numeric);");
    for (TestDatabase db : dbs) {
      flyway(db).migrate();
      db.execute(
          "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
              + " checksum, installed_by, execution_time, success) VALUES (2, '2', 'index', 'SQL',"
              + " 'V2__index.sql', 12345, current_user, 3, false)");
    }
    write(
        "V1__orders.sql", "-- reviewed\nCREATE TABLE orders (id int PRIMARY KEY, total numeric);");
    write("V2__index.sql", "CREATE INDEX orders_total ON orders (total);");
  }

  @Test
  void removesFailedRowsAndRealignsChecksumsAsFlywaysRepairDoes() throws Exception {
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.createDatabase();
    failedRowAndChangedChecksum(byFlyway, byPitstop);
    assertThat(byPitstop.queryStrings("SELECT success::text FROM flyway_schema_history"))
        .contains("false");

    CliRun blocked = run("migrate", byPitstop);
    assertThat(blocked.exit()).isEqualTo(Command.FAILED);
    assertThat(blocked.err()).contains("V2__index.sql").contains("pitstop repair");

    flyway(byFlyway).repair();
    CliRun repair = run("repair", byPitstop);

    assertThat(repair.exit()).as(repair.err()).isZero();
    assertThat(repair.out())
        .contains("removed the failed history rows of V2__index.sql")
        .contains("realigned recorded checksums and descriptions of V1__orders.sql");
    assertThat(byPitstop.queryStrings(HISTORY)).isEqualTo(byFlyway.queryStrings(HISTORY));
    assertThat(byPitstop.tableExists("orders")).isTrue();

    // Flyway continues from Pitstop's repair: its migrate validates the applied rows and applies
    // V2.
    flyway(byPitstop).migrate();
    assertThat(byPitstop.queryStrings("SELECT script FROM flyway_schema_history WHERE success"))
        .containsExactly("V1__orders.sql", "V2__index.sql");

    CliRun again = run("repair", byPitstop);
    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("nothing to repair");
  }

  @Test
  void marksMigrationsWhoseScriptIsGoneAsDeletedAsFlywaysRepairDoes() throws Exception {
    TestDatabase byFlyway = pg.createDatabase();
    TestDatabase byPitstop = pg.createDatabase();
    write("V1__orders.sql", "CREATE TABLE orders (id int PRIMARY KEY);");
    write("V2__notes.sql", "CREATE TABLE notes (id int PRIMARY KEY);");
    write("V3__tags.sql", "CREATE TABLE tags (id int PRIMARY KEY);");
    write("R__order_ids.sql", "CREATE OR REPLACE VIEW order_ids AS SELECT id FROM orders;");
    for (TestDatabase db : List.of(byFlyway, byPitstop)) {
      flyway(db).migrate();
    }
    // an upgrade of the project removed V2 and the view's script
    Files.delete(dir.resolve("V2__notes.sql"));
    Files.delete(dir.resolve("R__order_ids.sql"));
    write("V4__drop_view.sql", "DROP VIEW order_ids;");

    CliRun blocked = run("migrate", byPitstop);
    assertThat(blocked.exit()).isEqualTo(Command.FAILED);
    assertThat(blocked.err()).contains("V2__notes.sql");

    flyway(byFlyway).repair();
    CliRun repair = run("repair", byPitstop);

    assertThat(repair.exit()).as(repair.err()).isZero();
    assertThat(repair.out())
        .contains(
            "marked as deleted (applied, but no script has them any more): V2__notes.sql,"
                + " R__order_ids.sql");
    assertThat(byPitstop.queryStrings(HISTORY)).isEqualTo(byFlyway.queryStrings(HISTORY));

    // both go on: Pitstop applies V4, Flyway finds nothing left on either
    CliRun migrate = run("migrate", byPitstop);
    assertThat(migrate.exit()).as(migrate.err()).isZero();
    assertThat(byPitstop.tableExists("order_ids")).isFalse();
    assertThat(flyway(byPitstop).validateWithResult().validationSuccessful).isTrue();
    flyway(byFlyway).migrate();
    assertThat(flyway(byFlyway).validateWithResult().validationSuccessful).isTrue();
    assertThat(run("validate", byFlyway).exit()).isZero();

    // the view's script comes back: it is applied again (Flyway: pending), by Pitstop as by Flyway
    write("R__order_ids.sql", "CREATE OR REPLACE VIEW order_ids AS SELECT id FROM orders;");
    assertThat(run("migrate", byPitstop).exit()).isZero();
    assertThat(flyway(byFlyway).migrate().migrationsExecuted).isEqualTo(1);
    assertThat(byPitstop.tableExists("order_ids")).isTrue();
    assertThat(byFlyway.tableExists("order_ids")).isTrue();
  }

  @Test
  void anUnknownOptionIsRefusedBeforeAnythingConnects() {
    CliRun run = CliRun.of(Map.of(), "repair", "--dir", dir.toString(), "--force");
    assertThat(run.exit()).isEqualTo(Command.USAGE);
    assertThat(run.err()).contains("unknown option --force");
  }
}
