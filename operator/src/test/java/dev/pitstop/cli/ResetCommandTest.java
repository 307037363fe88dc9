package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop reset} against a real PostgreSQL: output, exit codes and the database. */
class ResetCommandTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void schema() {
    pg.execute(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, role text);"
            + " CREATE TABLE enrollments (id bigserial PRIMARY KEY,"
            + "  user_id bigint NOT NULL REFERENCES users);"
            + " CREATE TABLE job_log (id bigserial PRIMARY KEY, line text);"
            + " CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY);"
            + " INSERT INTO users (email, role) SELECT 'u' || g, CASE WHEN g = 1 THEN 'admin'"
            + "  END FROM generate_series(1, 30) g;"
            + " INSERT INTO enrollments (user_id) SELECT 1 + g % 30 FROM generate_series(1, 60) g;"
            + " INSERT INTO job_log (line) VALUES ('started');"
            + " INSERT INTO flyway_schema_history VALUES (1);");
  }

  private int run(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>();
    all.add("reset");
    all.addAll(List.of(args));
    return Cli.standard()
        .run(
            all,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
  }

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--database-url");
    all.add(CliRun.databaseUrl(pg));
    return run(Map.of(), all.toArray(String[]::new));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void seedWithCopyFromStdinLoadsItsInlineRows() throws Exception {
    Path seed = dir.resolve("users.sql");
    Files.writeString(
        seed,
        "COPY users (email, role) FROM STDIN;\nnew@example.com\t\\N\nit's;--x\tadmin\n\\.\n"
            + "COPY users (email) FROM stdin WITH (FORMAT csv, HEADER);\nemail\n\"a,b\"\n\\.\n");

    assertThat(run("--confirm", pg.databaseName(), "--seed", seed.toString()))
        .as(err())
        .isEqualTo(Command.OK);

    assertThat(
            pg.queryStrings("SELECT email || '|' || coalesce(role, 'NULL') FROM users ORDER BY id"))
        .containsExactly("new@example.com|NULL", "it's;--x|admin", "a,b|NULL");
  }

  @Test
  void seedWithCopyFromStdinWithoutItsDataIsRefusedBeforeAnythingIsDeleted() throws Exception {
    Path seed = dir.resolve("users.sql");
    Files.writeString(seed, "COPY users (email) FROM STDIN;\nnew@example.com\n");

    assertThat(run("--confirm", pg.databaseName(), "--seed", seed.toString(), "--plan"))
        .isEqualTo(Command.USAGE);
    assertThat(run("--confirm", pg.databaseName(), "--seed", seed.toString()))
        .isEqualTo(Command.USAGE);

    assertThat(err())
        .contains("users.sql has COPY ... FROM stdin at line 1 without its inline data");
    assertThat(pg.rowCount("users")).isEqualTo(30);
  }

  @Test
  void planPrintsThePartitionsOfAPartitionedTable() {
    pg.execute(
        "CREATE TABLE events (at date NOT NULL) PARTITION BY RANGE (at);"
            + " CREATE TABLE events_2024 PARTITION OF events"
            + "  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');");

    assertThat(run("--confirm", pg.databaseName(), "--plan")).isEqualTo(Command.OK);

    assertThat(out())
        .contains(
            "Partitions, emptied with their partitioned table:\n"
                + "  public.events (partitioned: public.events_2024)\n");
  }

  @Test
  void planPrintsOrderCountsAndPreservedTablesAndDeletesNothing() {
    int code =
        run(
            "--confirm",
            pg.databaseName(),
            "--preserve",
            "job_log",
            "--preserve-rows",
            "users:role = 'admin'",
            "--plan");

    assertThat(code).isZero();
    assertThat(out())
        .contains("strategy delete: 2 table(s) to empty")
        .containsPattern("1\\. public\\.enrollments +60 rows")
        .containsPattern("2\\. public\\.users +30 rows \\(1 kept\\)")
        .contains("public.job_log  (--preserve #1 (job_log))")
        .contains("public.flyway_schema_history  (Flyway schema history)")
        .contains("Would delete 89 row(s).")
        .contains(
            "Privileges checked, all granted:\n  USAGE on schema(s) public\n"
                + "  DELETE on 2 table(s)\n".replace("\n", System.lineSeparator()))
        .contains("not checkable: what the seed scripts need")
        .contains("Nothing was deleted (--plan).");
    assertThat(pg.rowCount("users")).isEqualTo(30);
    assertThat(out() + err()).doesNotContain(CliRun.PASSWORD);
  }

  @Test
  void resetsAndSeedsFromFilesInNameOrder() throws Exception {
    Path second =
        Files.writeString(
            dir.resolve("02-enrollments.sql"), "INSERT INTO enrollments (user_id) VALUES (1);");
    Path first =
        Files.writeString(
            dir.resolve("01-users.sql"), "INSERT INTO users (email) VALUES ('demo@school.test');");

    int code =
        run(
            "--confirm",
            pg.databaseName(),
            "--preserve",
            "job_log,other_*",
            "--seed",
            second.toString(),
            "--seed",
            first.toString());

    assertThat(code).as(err()).isZero();
    assertThat(out())
        .contains(
            "Warnings:\n  --preserve #2 (other_*) matches no table.\n"
                + "emptying public.enrollments (1/2, 0 rows deleted so far)")
        .contains("seeding 01-users.sql (1/2)")
        .contains("Deleted 90 row(s) from 2 table(s), ran 2 seed(s)")
        .contains("committed with 1 warning(s), printed above.");
    assertThat(pg.queryStrings("SELECT id || email FROM users"))
        .containsExactly("1demo@school.test");
    assertThat(pg.rowCount("enrollments")).isEqualTo(1);
    assertThat(pg.rowCount("job_log")).isEqualTo(1);
  }

  @Test
  void tablesWhoseNamesNeedQuotesCanBePreserved() {
    pg.execute(
        "CREATE TABLE \"Order Items\" (id int); CREATE TABLE \"a,b\" (id int);"
            + " CREATE TABLE café_log (id int); CREATE TABLE \"user-events\" (id int);"
            + " INSERT INTO \"Order Items\" VALUES (1); INSERT INTO \"a,b\" VALUES (1);"
            + " INSERT INTO café_log VALUES (1); INSERT INTO \"user-events\" VALUES (1);");

    int code =
        run(
            "--confirm",
            pg.databaseName(),
            "--preserve",
            "\"Order Items\",\"a,b\",CAFÉ_*",
            "--preserve",
            "user-events");

    assertThat(code).as(err()).isZero();
    assertThat(out()).doesNotContain("matches no table");
    assertThat(pg.queryLong("SELECT count(*) FROM \"Order Items\"")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT count(*) FROM \"a,b\"")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT count(*) FROM café_log")).isEqualTo(1);
    assertThat(pg.queryLong("SELECT count(*) FROM \"user-events\"")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void connectionComesFromTheEnvironmentWhenNoFlagIsGiven() {
    int code =
        run(
            Map.of("PITSTOP_DATABASE_URL", CliRun.databaseUrl(pg)),
            "--confirm",
            pg.databaseName(),
            "--plan");

    assertThat(code).as(err()).isZero();
    assertThat(out()).contains("public.users");
  }

  @Test
  void wrongConfirmIsBadInputAndTouchesNothing() {
    int code = run("--confirm", "production");

    assertThat(code).isEqualTo(Command.USAGE);
    assertThat(err())
        .isEqualTo(
            "pitstop reset: --confirm is 'production', but the connection is to database '"
                + pg.databaseName()
                + "'; nothing was touched."
                + System.lineSeparator());
    assertThat(pg.rowCount("users")).isEqualTo(30);
  }

  @Test
  void preservedTableTheDeletesWouldCascadeIntoIsRefusedWithTwoAndKeepsItsRows() {
    pg.execute(
        "CREATE TABLE sessions (user_id bigint CONSTRAINT sessions_user_fk REFERENCES users"
            + "  ON DELETE CASCADE); INSERT INTO sessions VALUES (1), (2);");

    assertThat(run("--confirm", pg.databaseName(), "--preserve", "sessions", "--plan"))
        .isEqualTo(Command.USAGE);
    assertThat(run("--confirm", pg.databaseName(), "--preserve", "sessions")).isEqualTo(2);

    assertThat(err())
        .contains(
            "Preserved table public.sessions has 2 row(s) referencing rows of public.users that"
                + " the reset would delete, and public.sessions_user_fk (ON DELETE CASCADE) would"
                + " delete them");
    assertThat(pg.rowCount("sessions")).isEqualTo(2);
    assertThat(pg.rowCount("users")).isEqualTo(30);

    err.reset();
    assertThat(
            run(
                "--confirm",
                pg.databaseName(),
                "--preserve",
                "sessions",
                "--preserve-rows",
                "enrollments:user_id IN (2, 3)",
                "--preserve-rows",
                "users:id = 1"))
        .isEqualTo(Command.OK);
    assertThat(pg.rowCount("sessions")).isEqualTo(2);
    assertThat(pg.rowCount("users")).isEqualTo(3);
  }

  @Test
  void vacuumAndRefreshAfterTheResetWithFlags() {
    pg.execute("CREATE MATERIALIZED VIEW user_total AS SELECT count(*) AS n FROM users");

    assertThat(
            run("--confirm", pg.databaseName(), "--vacuum-analyze", "--refresh-materialized-views"))
        .isEqualTo(Command.OK);

    assertThat(out())
        .contains("after the reset: VACUUM (ANALYZE) public.users")
        .contains("after the reset: REFRESH MATERIALIZED VIEW public.user_total");
    assertThat(pg.queryLong("SELECT n FROM user_total")).isZero();
  }

  @Test
  void badUsageIsRefusedWithOneLine() {
    assertThat(run("--plan")).isEqualTo(Command.USAGE);
    assertThat(err()).contains("--confirm is required");

    err.reset();
    assertThat(run("--confirm", "x", "--strategy", "drop")).isEqualTo(Command.USAGE);
    assertThat(err()).contains("--strategy must be delete or truncate, not 'drop'");

    err.reset();
    assertThat(run("--confirm", "x", "--preserve-rows", "users:true; DROP TABLE users"))
        .isEqualTo(Command.USAGE);
    assertThat(err()).contains("--preserve-rows #1.where must be one expression");

    err.reset();
    assertThat(run(Map.of(), "--confirm", "x")).isEqualTo(Command.USAGE);
    assertThat(err()).contains("no database: give --database-url");
  }

  @Test
  void failureMidResetExitsWithOneAndRollsBack() {
    pg.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'users are kept for audits'; END $$;"
            + " CREATE TRIGGER users_refuse BEFORE DELETE ON users"
            + " FOR EACH STATEMENT EXECUTE FUNCTION refuse();");

    int code = run("--confirm", pg.databaseName());

    assertThat(code).isEqualTo(Command.FAILED);
    assertThat(err())
        .contains("Emptying public.users failed: users are kept for audits (SQLSTATE P0001)");
    assertThat(pg.rowCount("enrollments")).isEqualTo(60);
    assertThat(out() + err()).doesNotContain(CliRun.PASSWORD);
  }

  @Test
  void triggersDisableResetsPastADeleteTriggerThatKeepWouldFire() {
    pg.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'users are kept for audits'; END $$;"
            + " CREATE TRIGGER users_refuse BEFORE DELETE ON users"
            + " FOR EACH STATEMENT EXECUTE FUNCTION refuse();");

    assertThat(run("--confirm", pg.databaseName(), "--triggers", "maybe")).isEqualTo(Command.USAGE);
    assertThat(err()).contains("--triggers must be keep or disable, not 'maybe'");
    assertThat(run("--confirm", pg.databaseName(), "--triggers", "disable")).isEqualTo(Command.OK);
    assertThat(pg.rowCount("users")).isZero();
    assertThat(
            pg.queryStrings("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'users_refuse'"))
        .containsExactly("O");
  }

  @Test
  void terminationSignalDuringASeedRollsBackAndPutsSetvalSequencesBackBeforeTheProcessEnds()
      throws Exception {
    Path seed = dir.resolve("slow.sql");
    Files.writeString(seed, "SELECT pg_sleep(60);\n");

    String output =
        terminatedWhileSeeding(
            "reset", "--confirm", pg.databaseName(), "--seed", seed.toString(), "--database-url");

    assertRolledBackWithItsSequencesPutBack(output, "pitstop reset");
  }

  @Test
  void terminationSignalDuringRunOfASandboxResetManifestRollsBackAndPutsSequencesBack()
      throws Exception {
    Path manifest = dir.resolve("reset.yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: slow-seed}
        data:
          slow.sql: "SELECT pg_sleep(60);"
        ---
        apiVersion: pitstop.dev/v1alpha1
        kind: SandboxReset
        metadata: {name: sandbox}
        spec:
          database: {secretRef: {name: app-db}}
          confirmDatabaseName: %s
          seed:
            configMapRefs: [{name: slow-seed}]
        """
            .formatted(pg.databaseName()));

    String output = terminatedWhileSeeding("run", "-f", manifest.toString(), "--database-url");

    assertRolledBackWithItsSequencesPutBack(output, "pitstop run");
  }

  private void assertRolledBackWithItsSequencesPutBack(String output, String command) {
    assertThat(output)
        .contains(command + ": stopping on a termination signal; rolling the reset back")
        .contains("Seed slow.sql failed at line 1")
        .contains("the reset was rolled back and nothing changed.");
    assertThat(pg.rowCount("users")).isEqualTo(30);
    assertThat(pg.queryLong("SELECT nextval('users_id_seq')")).as("put back").isEqualTo(31);
  }

  /**
   * Runs the CLI as a separate process with {@code args} (the last being {@code --database-url}, to
   * which a URL of a role that owns no sequence is added: it restarts them with setval, which a
   * rollback does not undo), sends SIGTERM once a seed runs {@code pg_sleep}, and returns what the
   * process printed.
   */
  private String terminatedWhileSeeding(String... args) throws Exception {
    String app = roles.createOwningNothing("app");
    String asApp =
        CliRun.databaseUrl(pg)
            .replace("postgresql://" + pg.user() + ":", "postgresql://" + app + ":");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.pitstop.Main"));
    command.addAll(List.of(args));
    command.add(asApp);
    Path output = dir.resolve("output.txt");
    Process cli =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      pg.awaitActiveStatement("SELECT pg_sleep");

      cli.destroy(); // SIGTERM, as Ctrl-C or a pod's stop sends
      assertThat(cli.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      cli.destroyForcibly();
    }
    return Files.readString(output);
  }
}
