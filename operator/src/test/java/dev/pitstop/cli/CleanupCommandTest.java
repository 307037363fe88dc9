package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pitstop.testing.PostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop cleanup -f} against a real PostgreSQL. */
class CleanupCommandTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void tables() {
    pg.execute(
        "CREATE TABLE sessions (id bigserial PRIMARY KEY, expires_at timestamptz NOT NULL);"
            + " INSERT INTO sessions (expires_at) SELECT now() - interval '1 day'"
            + " FROM generate_series(1, 1200);"
            + " INSERT INTO sessions (expires_at) SELECT now() + interval '1 day'"
            + " FROM generate_series(1, 300)");
  }

  private Path manifest(String rules, String extraSpec, String extraDocs) throws IOException {
    URI uri = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    String yaml =
        "apiVersion: v1\n"
            + "kind: Secret\n"
            + "metadata: {name: app-db}\n"
            + "stringData:\n"
            + "  host: "
            + uri.getHost()
            + "\n  port: \""
            + uri.getPort()
            + "\"\n  dbname: "
            + uri.getPath().substring(1)
            + "\n  username: "
            + pg.user()
            + "\n  password: \""
            + CliRun.PASSWORD
            + "\"\n---\n"
            + "apiVersion: pitstop.dev/v1alpha1\n"
            + "kind: CleanupSchedule\n"
            + "metadata: {name: nightly, namespace: school}\n"
            + "spec:\n"
            + "  database: {secretRef: {name: app-db}}\n"
            + "  schedule: \"0 3 * * *\"\n"
            + "  batchSize: 500\n"
            + "  pauseBetweenBatches: 0s\n"
            + extraSpec
            + "  rules:\n"
            + rules
            + extraDocs;
    Path file = dir.resolve("cleanup.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static final String SESSIONS_RULE =
      "  - name: expired-sessions\n"
          + "    table: sessions\n"
          + "    olderThan: {column: expires_at, age: 0s}\n";

  private int run(List<String> args, Map<String, String> env) {
    return Cli.standard()
        .run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void assertNoPassword() {
    assertThat(out() + err()).doesNotContain(CliRun.PASSWORD);
  }

  @Test
  void runsTheManifestOnceWithTheSecretInTheFileAndPrintsTheStatus() throws IOException {
    Path file = manifest(SESSIONS_RULE, "", "");
    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());

    assertThat(code).as(err()).isZero();
    assertThat(out())
        .contains("cleanup school/nightly: 1 rule(s) against")
        .contains("Succeeded: deleted 1,200 row(s) (expired-sessions 1,200)")
        .contains("phase: \"Succeeded\"")
        .contains("name: \"expired-sessions\"")
        .contains("deleted: 1200");
    assertNoPassword();
    assertThat(pg.rowCount("sessions")).isEqualTo(300);
  }

  @Test
  void dryRunCountsAndDeletesNothingUsingTheDatabaseUrl() throws IOException {
    Path file = manifest(SESSIONS_RULE, "", "");
    int code =
        run(
            List.of("cleanup", "-f", file.toString(), "--dry-run"),
            Map.of("DATABASE_URL", CliRun.databaseUrl(pg)));

    assertThat(code).as(err()).isZero();
    assertThat(out())
        .contains("dry run of school/nightly")
        .contains("dry run: 1,200 row(s) match (expired-sessions 1,200); nothing deleted")
        .contains("matched: 1200");
    assertNoPassword();
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void aRefusedRuleIsBadInputAndNothingIsDeleted() throws IOException {
    Path file =
        manifest(
            SESSIONS_RULE
                + "  - name: old-audit\n"
                + "    table: audit_log\n"
                + "    olderThan: {column: created_at, age: 90d}\n",
            "",
            "");
    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());

    assertThat(code).isEqualTo(Command.USAGE);
    assertThat(err().strip())
        .isEqualTo(
            "pitstop cleanup: spec.rules[old-audit].table: table audit_log does not exist in the"
                + " search_path; nothing was deleted");
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void aWhereThatFailsOnTheRowsIsBadInputAndNothingIsDeleted() throws IOException {
    pg.execute(
        "CREATE TABLE events (id bigserial PRIMARY KEY, payload text);"
            + " INSERT INTO events (payload) VALUES ('1'), ('7'), ('x')");
    Path file =
        manifest(
            SESSIONS_RULE
                + "  - name: big-payloads\n"
                + "    table: events\n"
                + "    where: \"payload::int > 5\"\n",
            "",
            "");
    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());

    assertThat(code).isEqualTo(Command.USAGE);
    assertThat(err())
        .contains("spec.rules[big-payloads].where: the rule's condition fails on the rows of")
        .contains("invalid input syntax for type integer")
        .contains("nothing was deleted");
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
    assertThat(pg.rowCount("events")).isEqualTo(3);
  }

  @Test
  void aRuleThatFailsWhileRunningFailsTheRunAndTheOtherRulesStillDelete() throws IOException {
    pg.execute(
        "CREATE TABLE lessons (id int PRIMARY KEY); INSERT INTO lessons VALUES (1), (2);"
            + "CREATE TABLE cache (id int PRIMARY KEY); INSERT INTO cache VALUES (1), (2), (3)");
    // Checked before the run the divisor is 2; once all-lessons has run it is 0.
    Path file =
        manifest(
            "  - name: all-lessons\n"
                + "    table: lessons\n"
                + "    where: \"true\"\n"
                + "  - name: by-lessons\n"
                + "    table: cache\n"
                + "    where: \"10 / (SELECT count(*) FROM lessons) > 0\"\n"
                + SESSIONS_RULE,
            "",
            "");
    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());

    assertThat(code).isEqualTo(Command.FAILED);
    assertThat(err())
        .as("the failure, one sentence on stderr")
        .contains("Failed: failed: deleted 1,202 row(s)")
        .contains("by-lessons: a batch failed: division by zero (SQLSTATE 22012)");
    assertThat(out())
        .contains("error: \"a batch failed: division by zero (SQLSTATE 22012)\"")
        .contains("phase: \"Failed\"");
    assertThat(pg.rowCount("cache")).isEqualTo(3);
    assertThat(pg.rowCount("sessions")).isEqualTo(300);
  }

  @Test
  void rowsThatForeignKeysDeleteArePrintedForTheDryRunAndTheRun() throws IOException {
    pg.execute(
        "CREATE TABLE devices (id int PRIMARY KEY, session_id bigint"
            + " REFERENCES sessions ON DELETE CASCADE);"
            + " INSERT INTO devices SELECT i, i FROM generate_series(1, 1500) i;"
            + " INSERT INTO devices SELECT 10000 + i, i FROM generate_series(1, 40) i");
    Path file = manifest(SESSIONS_RULE, "", "");

    int dry = run(List.of("cleanup", "-f", file.toString(), "--dry-run"), Map.of());
    assertThat(dry).as(err()).isZero();
    assertThat(out())
        .contains("expired-sessions 1,200 (cascades would delete 1,240 row(s) in public.devices)")
        .contains("table: \"public.devices\"")
        .contains("deleted: 1240");
    assertThat(pg.rowCount("devices")).isEqualTo(1540);

    out.reset();
    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());
    assertThat(code).as(err()).isZero();
    assertThat(out())
        .contains(
            "Succeeded: deleted 1,200 row(s) (expired-sessions 1,200 (cascades deleted 1,240"
                + " row(s) in public.devices))")
        .contains("deleted: 1240");
    assertThat(pg.rowCount("devices")).isEqualTo(300);
  }

  @Test
  void anAliasIsTheAnchoredValueNotTheAnchorsName() throws IOException {
    pg.execute(
        "INSERT INTO sessions (expires_at) SELECT now() - interval '100 days'"
            + " FROM generate_series(1, 10);"
            + " CREATE TABLE tokens (id bigserial PRIMARY KEY, expires_at timestamptz);"
            + " INSERT INTO tokens (expires_at) SELECT now() - interval '100 days'"
            + " FROM generate_series(1, 40);"
            + " INSERT INTO tokens (expires_at) SELECT now() - interval '1 day'"
            + " FROM generate_series(1, 60)");
    Path file =
        manifest(
            "  - name: old-tokens\n"
                + "    table: tokens\n"
                + "    where: &retention \"expires_at < now() - interval '90 days'\"\n"
                + "  - name: old-sessions\n"
                + "    table: sessions\n"
                + "    where: *retention\n",
            "",
            "");

    int code = run(List.of("cleanup", "-f", file.toString()), Map.of());

    assertThat(code).as(err()).isZero();
    // only rows older than the 90 days: none of the 1,200 sessions that expired yesterday
    assertThat(pg.rowCount("tokens")).isEqualTo(60);
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void aKeyGivenTwiceIsBadInputNamingItAndNothingIsDeleted() throws IOException {
    Path file = manifest(SESSIONS_RULE, "  dryRun: true\n  dryRun: false\n", "");

    assertThat(run(List.of("cleanup", "-f", file.toString()), Map.of())).isEqualTo(Command.USAGE);
    assertThat(err().strip())
        .isEqualTo(
            "pitstop cleanup: "
                + file
                + ": document 2, line 20: spec.dryRun is given twice; a key may appear once in a"
                + " mapping; nothing was changed");
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void anUnknownFieldInTheSecretIsBadInputNamingIt() throws IOException {
    Path file = manifest(SESSIONS_RULE, "", "");
    Files.writeString(file, Files.readString(file).replace("stringData:", "strinData:"));

    assertThat(run(List.of("cleanup", "-f", file.toString()), Map.of())).isEqualTo(Command.USAGE);
    assertThat(err()).contains("(Secret/app-db): unknown field strinData");
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void aRuleOnASystemSchemaIsBadInputAndNoCatalogRowIsDeleted() throws IOException {
    pg.execute("COMMENT ON TABLE sessions IS 'kept comment'");
    String countComments =
        "SELECT count(*) FROM pg_catalog.pg_description WHERE description = 'kept comment'";
    // qualified, and found through the search_path, where pg_catalog always comes first
    for (String table : List.of("pg_catalog.pg_description", "pg_description")) {
      Path file =
          manifest(
              "  - name: comments\n"
                  + "    table: "
                  + table
                  + "\n"
                  + "    where: \"description = 'kept comment'\"\n",
              "",
              "");
      err.reset();

      assertThat(run(List.of("cleanup", "-f", file.toString()), Map.of()))
          .as(err())
          .isEqualTo(Command.USAGE);
      assertThat(err().strip())
          .startsWith(
              "pitstop cleanup: spec.rules[comments].table: pg_catalog.pg_description is in the"
                  + " system schema pg_catalog; cleanup never deletes from PostgreSQL's own"
                  + " schemas");
      assertThat(pg.queryLong(countComments)).isEqualTo(1);
    }
  }

  @Test
  void aMisspeltFieldIsBadInputNamingIt() throws IOException {
    Path file = manifest(SESSIONS_RULE, "  batchsize: 10\n", "");
    assertThat(run(List.of("cleanup", "-f", file.toString()), Map.of())).isEqualTo(Command.USAGE);
    assertThat(err()).contains("(CleanupSchedule/nightly): unknown field spec.batchsize");
    assertThat(pg.rowCount("sessions")).isEqualTo(1500);
  }

  @Test
  void missingArgumentsAreBadUsage() throws IOException {
    assertThat(run(List.of("cleanup"), Map.of())).isEqualTo(Command.USAGE);
    assertThat(err()).contains("-f FILE is required");
    assertThat(run(List.of("cleanup", "-f", dir.resolve("none.yaml").toString()), Map.of()))
        .isEqualTo(Command.USAGE);
    assertThat(err()).contains("none.yaml does not exist");
  }

  @Test
  void noDatabaseIsBadInput() throws IOException {
    Path file = manifest(SESSIONS_RULE, "", "");
    Files.writeString(
        file,
        Files.readString(file).replace("name: app-db}\nstringData", "name: other}\nstringData"));
    assertThat(run(List.of("cleanup", "-f", file.toString()), Map.of())).isEqualTo(Command.USAGE);
    assertThat(err()).contains("no database: give --database-url");
  }

  @Test
  void notifiesTheWebhookFromASecretInTheFile() throws IOException {
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          received.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook/tok-cli-secret";
      Path file =
          manifest(
              SESSIONS_RULE,
              "  notify: {webhookSecretRef: {name: slack}, results: [Success]}\n",
              "---\napiVersion: v1\nkind: Secret\nmetadata: {name: slack}\nstringData: {url: \""
                  + url
                  + "\"}\n");
      assertThat(run(new ArrayList<>(List.of("cleanup", "-f", file.toString())), Map.of()))
          .as(err())
          .isZero();
      assertThat(received).singleElement().asString().contains("school/nightly: Succeeded");
      assertThat(out()).contains("notification sent").doesNotContain("tok-cli-secret");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void theDeprecatedNotifyOnStillWorksWithAWarning() throws IOException {
    Path file =
        manifest(
            SESSIONS_RULE, "  notify: {webhookSecretRef: {name: slack}, \"on\": [Failure]}\n", "");
    assertThat(run(new ArrayList<>(List.of("cleanup", "-f", file.toString())), Map.of()))
        .as(err())
        .isZero();
    assertThat(err())
        .contains("warning: spec.notify.on is deprecated; use spec.notify.results instead");
    assertThat(out()).as("Failure only: nothing to send").doesNotContain("notification");
  }
}
