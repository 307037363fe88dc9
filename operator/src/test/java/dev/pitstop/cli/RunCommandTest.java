package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code pitstop run -f} with DatabaseMigration manifests against a real PostgreSQL. */
class RunCommandTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path dir;

  static final String CONFIG_MAP =
      """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: app-migrations
      data:
        V1__create_courses.sql: |
          CREATE TABLE courses (id int PRIMARY KEY, title text);
        V2__seed.sql: |
          INSERT INTO courses VALUES (1, 'Algebra');

          INSERT INTO courses VALUES (2, 'Biology');
      """;

  static String migration(String extraSpec) {
    return """
        apiVersion: pitstop.dev/v1alpha1
        kind: DatabaseMigration
        metadata:
          name: app-schema
        spec:
          database:
            secretRef:
              name: app-db
          source:
            configMapRefs:
            - name: app-migrations
            inline:
            - name: V3__add_status.sql
              sql: "ALTER TABLE courses ADD COLUMN status text DEFAULT 'active';"
        """
        + extraSpec.indent(2);
  }

  private Path manifest(String... documents) throws Exception {
    Path file = dir.resolve("manifest.yaml");
    Files.writeString(file, String.join("---\n", documents));
    return file;
  }

  private CliRun run(Path file, String... extra) {
    String[] args = new String[extra.length + 5];
    args[0] = "run";
    args[1] = "-f";
    args[2] = file.toString();
    args[3] = "--database-url";
    args[4] = databaseUrl(pg);
    System.arraycopy(extra, 0, args, 5, extra.length);
    return CliRun.of(Map.of(), args);
  }

  /** The YAML document printed last: from the line {@code status:} to the end. */
  private static JsonNode status(CliRun run) throws Exception {
    int start = run.out().indexOf("\nstatus:\n");
    String yaml = start < 0 ? run.out() : run.out().substring(start + 1);
    assertThat(yaml).as(run.out()).startsWith("status:\n");
    return YAML.readTree(yaml).path("status");
  }

  private static JsonNode condition(JsonNode status, String type) {
    for (JsonNode condition : status.path("conditions")) {
      if (condition.path("type").asText().equals(type)) {
        return condition;
      }
    }
    throw new AssertionError("no condition " + type + " in " + status);
  }

  @Test
  void runsAMigrationWithItsConfigMapAndPrintsTheStatusAsYaml() throws Exception {
    CliRun run = run(manifest(CONFIG_MAP, migration("")));

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("connecting to " + pg.user() + "@")
        .contains("[1/3] applying V1__create_courses.sql (1 statement)")
        .contains("[3/3] applied V3__add_status.sql");
    JsonNode status = status(run);
    assertThat(status.path("phase").asText()).isEqualTo("Succeeded");
    assertThat(status.path("observedGeneration").asLong()).isEqualTo(1);
    assertThat(status.path("currentVersion").asText()).isEqualTo("3");
    assertThat(status.path("appliedCount").asInt()).isEqualTo(3);
    assertThat(status.path("lastApplied")).hasSize(3);
    assertThat(status.path("message").asText())
        .isEqualTo("applied 3 migration(s); current version 3");
    assertThat(condition(status, "Ready").path("status").asText()).isEqualTo("True");
    assertThat(condition(status, "Ready").path("reason").asText()).isEqualTo("Succeeded");
    assertThat(run.out()).contains("    status: \"True\"");
    assertThat(pg.rowCount("courses")).isEqualTo(2);
    assertThat(pg.queryLong("SELECT count(*) FROM courses WHERE status = 'active'")).isEqualTo(2);
  }

  @Test
  void connectsThroughTheSecretOfTheSameFileWithoutShowingThePassword() throws Exception {
    URI uri = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    String secret =
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: app-db
        stringData:
          host: %s
          port: "%d"
          dbname: %s
          username: %s
          password: %s
        """
            .formatted(
                uri.getHost(), uri.getPort(), uri.getPath().substring(1), pg.user(), PASSWORD);

    CliRun run =
        CliRun.of(Map.of(), "run", "-f", manifest(secret, CONFIG_MAP, migration("")).toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(status(run).path("phase").asText()).isEqualTo("Succeeded");
    assertThat(run.all()).doesNotContain(PASSWORD);
    assertThat(pg.rowCount("courses")).isEqualTo(2);
  }

  @Test
  void validateOnlyPlansAndAppliesNothing() throws Exception {
    CliRun run = run(manifest(CONFIG_MAP, migration("validateOnly: true")));

    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode status = status(run);
    assertThat(status.path("phase").asText()).isEqualTo("Planned");
    assertThat(status.path("pendingCount").asInt()).isEqualTo(3);
    assertThat(status.path("pending").toString()).isEqualTo("[\"1\",\"2\",\"3\"]");
    assertThat(run.out()).contains("V2__seed.sql");
    assertThat(pg.tableExists("courses")).isFalse();
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
  }

  @Test
  void requireApprovalWaitsUnlessApproveIsGiven() throws Exception {
    Path file = manifest(CONFIG_MAP, migration("requireApproval: true"));

    CliRun waiting = run(file);
    assertThat(waiting.exit()).as(waiting.err()).isZero();
    JsonNode status = status(waiting);
    assertThat(status.path("phase").asText()).isEqualTo("WaitingForApproval");
    assertThat(status.path("message").asText()).contains("--approve");
    assertThat(status.path("plan").path("digest").asText()).isNotBlank();
    assertThat(status.path("plan").path("scripts").get(0).path("script").asText())
        .isEqualTo("V1__create_courses.sql");
    assertThat(pg.tableExists("courses")).isFalse();

    CliRun approved = run(file, "--approve");
    assertThat(approved.exit()).as(approved.err()).isZero();
    assertThat(status(approved).path("phase").asText()).isEqualTo("Succeeded");
    assertThat(pg.tableExists("courses")).isTrue();
  }

  @Test
  void approvalOnRiskAppliesASafePlanAndWaitsForARiskyOneAsTheOperatorDoes() throws Exception {
    CliRun safe = run(manifest(CONFIG_MAP, migration("approval: OnRisk")));
    assertThat(safe.exit()).as(safe.err()).isZero();
    assertThat(status(safe).path("phase").asText()).isEqualTo("Succeeded");
    assertThat(status(safe).path("message").asText()).contains("plan measured: no findings");

    pg.execute("INSERT INTO courses SELECT g, 't' FROM generate_series(3, 500) g");
    pg.execute("ANALYZE courses");
    String widen =
        migration("approval: OnRisk")
            .replace(
                "    inline:\n",
                "    inline:\n    - name: V4__widen.sql\n"
                    + "      sql: \"ALTER TABLE courses ALTER COLUMN id TYPE bigint;\"\n");
    CliRun risky = run(manifest(CONFIG_MAP, widen));
    assertThat(risky.exit()).as(risky.err()).isZero();
    JsonNode status = status(risky);
    assertThat(status.path("phase").asText()).isEqualTo("WaitingForApproval");
    assertThat(status.path("plan").path("measured").asBoolean()).isTrue();
    assertThat(status.path("plan").path("findings").get(0).path("script").asText())
        .isEqualTo("V4__widen.sql");
    assertThat(status.path("plan").path("highestSeverity").asText()).isEqualTo("Error");
    assertThat(
            pg.queryStrings(
                "SELECT data_type FROM information_schema.columns"
                    + " WHERE table_name = 'courses' AND column_name = 'id'"))
        .containsExactly("integer");
  }

  @Test
  void maintenanceWindowIsNotCheckedLocallyAndThatIsSaid() throws Exception {
    CliRun run = run(manifest(CONFIG_MAP, migration("maintenanceWindowRef: {name: nightly}")));

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err())
        .contains("spec.maintenanceWindowRef (nightly) is not checked in local runs");
    assertThat(status(run).path("phase").asText()).isEqualTo("Succeeded");
  }

  @Test
  void failedMigrationPrintsTheFailedStatusAndExitsOne() throws Exception {
    String broken =
        CONFIG_MAP.replace(
            "INSERT INTO courses VALUES (2, 'Biology');", "INSERT INTO lessons VALUES (2);");

    CliRun run = run(manifest(broken, migration("")));

    assertThat(run.exit()).isEqualTo(Command.FAILED);
    assertThat(run.err()).contains("V2__seed.sql failed at line 3").contains("SQLSTATE 42P01");
    JsonNode status = status(run);
    assertThat(status.path("phase").asText()).isEqualTo("Failed");
    assertThat(status.path("failure").path("script").asText()).isEqualTo("V2__seed.sql");
    assertThat(status.path("failure").path("sqlState").asText()).isEqualTo("42P01");
    assertThat(status.path("failure").path("line").asInt()).isEqualTo(3);
    assertThat(condition(status, "Failed").path("status").asText()).isEqualTo("True");
    assertThat(pg.rowCount("courses")).isZero();
    assertThat(pg.queryStrings("SELECT version FROM pitstop_schema_history")).containsExactly("1");
  }

  @Test
  void readsTheExampleFolderAndSeveralFilesLikeKubectlApply() throws Exception {
    CliRun example = run(ProjectFiles.examples().resolve("database-migration"), "--quiet");
    assertThat(example.exit()).as(example.err()).isZero();
    assertThat(status(example).path("phase").asText()).isEqualTo("Succeeded");
    assertThat(pg.tableExists("course_summary")).isTrue();

    Path configMap = dir.resolve("configmap.yaml");
    Files.writeString(configMap, CONFIG_MAP);
    Path migration = dir.resolve("migration.yaml");
    Files.writeString(migration, migration("historyTable: second.history"));
    CliRun twoFiles = run(migration, "-f", configMap.toString());
    assertThat(twoFiles.exit()).as(twoFiles.err()).isEqualTo(Command.FAILED);
    // The example already created the courses table, from a V1 of other content (so the other
    // history does not record this one), in public; the second history is in a new, empty schema,
    // so the run is not refused as a non-empty schema: V1 fails, which shows both files were read
    // and the ConfigMap's scripts were run.
    assertThat(twoFiles.err()).contains("V1__create_courses.sql failed").contains("42P07");
  }

  @Test
  void quietPrintsOnlyTheStatusYaml() throws Exception {
    CliRun run = run(manifest(CONFIG_MAP, migration("")), "--quiet");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("status:\n");
    assertThat(YAML.readTree(run.out()).path("status").path("phase").asText())
        .isEqualTo("Succeeded");
  }

  @Test
  void aKindWithoutARunnerIsRefused() throws Exception {
    Path file =
        manifest(
            """
            apiVersion: pitstop.dev/v1alpha1
            kind: SandboxReset
            metadata:
              name: sandbox
            spec:
              database: {secretRef: {name: app-db}}
              confirmDatabaseName: sandbox
            """);
    Cli onlyMigrations =
        new Cli(
            Map.of(
                "run",
                new RunCommand(new LocalRunners().register(new DatabaseMigrationLocalRunner()))));

    CliRun run = CliRun.of(onlyMigrations, Map.of(), "run", "-f", file.toString());

    assertThat(run.exit()).isEqualTo(Command.USAGE);
    assertThat(run.err().strip())
        .isEqualTo(
            "pitstop run: run -f does not support kind SandboxReset yet; nothing was changed");
    assertThat(run.out()).isEmpty();
  }
}
