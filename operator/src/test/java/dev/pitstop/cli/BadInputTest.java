package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static dev.pitstop.cli.CliRun.databaseUrl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad usage and bad input exit 2 with one line naming the problem, and leave the database as it
 * was. In the arguments, {@code {dir}} is a folder of valid migrations, {@code {url}} the test
 * database, and {@code {file:NAME}} a manifest from {@link #MANIFESTS}.
 */
class BadInputTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path tmp;

  private static final String MIGRATION =
      """
      apiVersion: pitstop.dev/v1alpha1
      kind: DatabaseMigration
      metadata:
        name: app
      spec:
        database: {secretRef: {name: app-db}}
        source:
          inline:
          - {name: V1__t.sql, sql: "CREATE TABLE t (id int);"}
      """;

  private static final String CLEANUP =
      """
      apiVersion: pitstop.dev/v1alpha1
      kind: CleanupSchedule
      metadata:
        name: tidy
      spec:
        database: {secretRef: {name: app-db}}
        schedule: "0 2 * * *"
        rules: [{name: old, table: sessions, olderThan: {column: expires_at, age: 1d}}]
      """;

  private static final Map<String, String> MANIFESTS =
      Map.ofEntries(
          Map.entry("valid", MIGRATION),
          Map.entry("cleanupV9", CLEANUP.replace("v1alpha1", "v9")),
          Map.entry("unquotedTarget", MIGRATION + "  targetVersion: 5\n"),
          Map.entry("cleanupFraction", CLEANUP + "  batchSize: 10.5\n"),
          Map.entry("cleanupQuoted", CLEANUP + "  batchSize: \"1000\"\n"),
          Map.entry("cleanupHistory", CLEANUP + "  historyLimit: 0\n"),
          Map.entry("cleanupRules", cleanupWithRules(101)),
          Map.entry("none", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"),
          Map.entry("two", MIGRATION + "---\n" + MIGRATION.replace("name: app\n", "name: b\n")),
          Map.entry("unknownKind", MIGRATION.replace("DatabaseMigration", "DatabaseMigrations")),
          Map.entry("oldVersion", MIGRATION.replace("v1alpha1", "v1beta9")),
          Map.entry("invalidYaml", "apiVersion: v1\nkind: [ConfigMap\n"),
          Map.entry("noKind", "apiVersion: v1\nmetadata: {name: m}\n"),
          Map.entry("unknownField", MIGRATION + "  lockTimout: 5s\n"),
          Map.entry("badEnum", MIGRATION + "  onChecksumMismatch: Ignore\n"),
          Map.entry("badDuration", MIGRATION + "  lockTimeout: soon\n"),
          Map.entry("badTarget", MIGRATION + "  targetVersion: newest\n"),
          Map.entry(
              "missingConfigMap",
              MIGRATION.substring(0, MIGRATION.indexOf("  source:"))
                  + "  source:\n    configMapRefs: [{name: absent}]\n"),
          Map.entry("noSource", MIGRATION.substring(0, MIGRATION.indexOf("  source:"))),
          Map.entry(
              "crossNamespace",
              MIGRATION.replace("{name: app-db}", "{name: app-db, namespace: kube-system}")),
          Map.entry("badScriptName", MIGRATION.replace("V1__t.sql", "V1_t.sql")),
          Map.entry("duplicateKey", MIGRATION + "  validateOnly: true\n  validateOnly: false\n"),
          Map.entry(
              "unknownMetadataField", MIGRATION.replace("name: app\n", "name: app\n  nmae: b\n")),
          Map.entry(
              "unknownSecretField",
              MIGRATION
                  + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstrinData: {}\n"),
          Map.entry("unknownAlias", MIGRATION + "  lockTimeout: *timeout\n"),
          Map.entry(
              "aliasBomb",
              MIGRATION + "  x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + aliasBomb()));

  /** A CleanupSchedule with {@code count} rules. */
  private static String cleanupWithRules(int count) {
    StringBuilder rules = new StringBuilder("  rules:\n");
    for (int i = 0; i < count; i++) {
      rules.append("  - {name: r").append(i).append(", table: t, where: \"true\"}\n");
    }
    return CLEANUP.substring(0, CLEANUP.indexOf("  rules:")) + rules;
  }

  /** Each level ten aliases of the one before: 10^7 values from a few lines. */
  private static String aliasBomb() {
    StringBuilder yaml = new StringBuilder();
    for (int level = 1; level <= 7; level++) {
      yaml.append("  x").append(level).append(": &a").append(level).append(" [");
      for (int i = 0; i < 10; i++) {
        yaml.append(i == 0 ? "" : ", ").append("*a").append(level - 1);
      }
      yaml.append("]\n");
    }
    return yaml.toString();
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        bad("no command", "", "usage: java -jar pitstop.jar"),
        bad("unknown command", "migrat --dir {dir}", "unknown command 'migrat'"),
        bad(
            "demo",
            "demo",
            "the demo is in its own jar (java -jar demo/target/pitstop-demo.jar demo)"),
        bad("unknown option", "migrate --dir {dir} --url {url}", "unknown option --url"),
        bad("unknown short option", "migrate -d {dir} --database-url {url}", "unknown option -d"),
        bad(
            "stray argument",
            "migrate --dir {dir} --database-url {url} now",
            "unexpected argument"),
        bad("missing --dir", "migrate --database-url {url}", "--dir is required"),
        bad("--dir without value", "status --dir", "--dir needs a value"),
        bad(
            "nonexistent folder",
            "migrate --dir {dir}/nope --database-url {url}",
            "does not exist"),
        bad(
            "file as folder",
            "migrate --dir {dir}/V1__t.sql --database-url {url}",
            "is not a directory"),
        bad("empty folder", "migrate --dir {empty} --database-url {url}", "contains no .sql files"),
        bad(
            "no migration in the folder",
            "migrate --dir {nomigrations} --database-url {url}",
            "has no migration: its 2 scripts 001_init.sql, 002_more.sql are ignored"),
        bad(
            "bad file name",
            "migrate --dir {badnames} --database-url {url}",
            "V2_no_separator.sql"),
        bad("no database", "migrate --dir {dir}", "no database given"),
        bad("malformed URL", "migrate --dir {dir} --database-url mysql://x@y/z", "--database-url"),
        bad(
            "URL without host",
            "status --dir {dir} --database-url postgresql://app@/db",
            "no host"),
        bad("bad target", "migrate --dir {dir} --database-url {url} --target newest", "--target"),
        bad(
            "bad history table",
            "migrate --dir {dir} --database-url {url} --history-table a.b.c",
            "--history-table"),
        bad(
            "bad lock timeout",
            "migrate --dir {dir} --database-url {url} --lock-timeout soon",
            "--lock-timeout must be a duration"),
        bad(
            "bad policy",
            "migrate --dir {dir} --database-url {url} --on-checksum-mismatch ignore",
            "--on-checksum-mismatch must be fail or repair"),
        bad(
            "flag with value",
            "migrate --dir {dir} --database-url {url} --dry-run=yes",
            "--dry-run takes no value"),
        bad(
            "dry-run on status",
            "status --dir {dir} --database-url {url} --dry-run",
            "unknown option --dry-run"),
        bad("run without -f", "run --database-url {url}", "--file is required"),
        bad(
            "missing manifest",
            "run -f {dir}/absent.yaml --database-url {url}",
            "absent.yaml does not exist"),
        bad(
            "folder without manifests",
            "run -f {dir} --database-url {url}",
            "contains no .yaml, .yml or .json files"),
        bad(
            "no Pitstop resource",
            "run -f {file:none} --database-url {url}",
            "contains no Pitstop resource"),
        bad(
            "two Pitstop resources",
            "run -f {file:two} --database-url {url}",
            "contains 2 Pitstop resources (DatabaseMigration/app, DatabaseMigration/b)"),
        bad(
            "unknown kind",
            "run -f {file:unknownKind} --database-url {url}",
            "unknown kind DatabaseMigrations"),
        bad(
            "unsupported apiVersion",
            "run -f {file:oldVersion} --database-url {url}",
            "apiVersion pitstop.dev/v1beta9 is not supported"),
        bad(
            "invalid YAML",
            "run -f {file:invalidYaml} --database-url {url}",
            "invalid YAML at line"),
        bad("no kind", "run -f {file:noKind} --database-url {url}", "has no apiVersion or no kind"),
        bad(
            "unknown field",
            "run -f {file:unknownField} --database-url {url}",
            "unknown field spec.lockTimout"),
        bad(
            "bad enum",
            "run -f {file:badEnum} --database-url {url}",
            "spec.onChecksumMismatch has an invalid value 'Ignore'; use one of Fail, Repair"),
        bad(
            "bad duration in spec",
            "run -f {file:badDuration} --database-url {url}",
            "spec.lockTimeout must be a duration"),
        bad("bad target in spec", "run -f {file:badTarget} --database-url {url}", "targetVersion"),
        bad(
            "missing ConfigMap",
            "run -f {file:missingConfigMap} --database-url {url}",
            "ConfigMap 'absent' does not exist"),
        bad("no source", "run -f {file:noSource} --database-url {url}", "spec.source is required"),
        bad(
            "cross-namespace Secret",
            "run -f {file:crossNamespace} --database-url {url}",
            "cross-namespace"),
        bad(
            "Secret not in file",
            "run -f {file:valid}",
            "Secret 'app-db' does not exist; put that Secret in the manifest or give --database-url"),
        bad(
            "bad script name in manifest",
            "run -f {file:badScriptName} --database-url {url}",
            "V1_t.sql"),
        bad(
            "key given twice",
            "run -f {file:duplicateKey} --database-url {url}",
            "duplicateKey.yaml: document 1, line 11: spec.validateOnly is given twice"),
        bad(
            "unknown field in metadata",
            "run -f {file:unknownMetadataField} --database-url {url}",
            "(DatabaseMigration/app): unknown field metadata.nmae"),
        bad(
            "unknown field in a Secret",
            "run -f {file:unknownSecretField} --database-url {url}",
            "(Secret/x): unknown field strinData"),
        bad(
            "alias without anchor",
            "run -f {file:unknownAlias} --database-url {url}",
            "unknownAlias.yaml: invalid YAML at line 10, column 16: found undefined alias timeout"),
        bad(
            "aliases expanding to millions of values",
            "run -f {file:aliasBomb} --database-url {url}",
            "aliases expand to more than 100000 values"),
        bad(
            "manifest larger than the API server takes",
            "run -f {big:3145729} --database-url {url}",
            "big.yaml is larger than 3 MiB, the Kubernetes API server's request limit"),
        bad(
            "endless seed",
            "reset --confirm {db} --seed /dev/zero --database-url {url}",
            "--seed: /dev/zero is larger than 64 MiB, the most the CLI reads of one SQL file"),
        bad(
            "unknown target version",
            "migrate --dir {dir} --database-url {url} --target 99",
            "--target 99 is neither a script nor applied"),
        bad(
            "history table that is not a history",
            "migrate --dir {dir} --database-url {url} --history-table pg_catalog.pg_class",
            "is not a Flyway-style history table; choose another --history-table"),
        bad(
            "cleanup of another apiVersion",
            "cleanup -f {file:cleanupV9} --database-url {url}",
            "apiVersion pitstop.dev/v9 is not supported; use pitstop.dev/v1alpha1"),
        bad(
            "cleanup of another kind",
            "cleanup -f {file:valid} --database-url {url}",
            "kind DatabaseMigration is not a CleanupSchedule"),
        bad(
            "number for a text field",
            "run -f {file:unquotedTarget} --database-url {url}",
            "spec.targetVersion has an invalid value '5'; it must be a string"),
        bad(
            "fractional batch size",
            "cleanup -f {file:cleanupFraction} --database-url {url}",
            "spec.batchSize has an invalid value '10.5'; it must be a whole number"),
        bad(
            "quoted batch size",
            "run -f {file:cleanupQuoted} --database-url {url}",
            "spec.batchSize has a value of the wrong type; it must be a whole number"),
        bad(
            "history limit below the CRD's minimum",
            "cleanup -f {file:cleanupHistory} --database-url {url}",
            "spec.historyLimit must be at least 1, not 0"),
        bad(
            "more rules than the CRD allows",
            "cleanup -f {file:cleanupRules} --database-url {url}",
            "spec.rules must have at most 100 items, it has 101"),
        bad(
            "zero drain timeout",
            "maintenance enter --tasks-query {query:0} --timeout 0 --database-url {url}",
            "--timeout must be longer than 0"),
        bad(
            "negative task count",
            "maintenance enter --tasks-query {query:-3} --database-url {url}",
            "--tasks-query must return 0 or more, it returned -3"),
        bad(
            "zero lease",
            "maintenance enter --tasks-query {query:0} --lease 0 --database-url {url}",
            "--lease must be longer than 0"),
        bad(
            "fractional lease",
            "maintenance enter --tasks-query {query:0} --lease 1.5s --database-url {url}",
            "--lease must be a duration"),
        bad(
            "exit from a mode table in a schema that does not exist",
            "maintenance exit --mode-table nope.mode --database-url {url}",
            "--mode-table"),
        bad(
            "stray argument to maintenance status",
            "maintenance status now --database-url {url}",
            "unexpected argument 'now'"),
        bad(
            "unknown reset strategy",
            "reset --confirm {db} --strategy wipe --database-url {url}",
            "--strategy must be delete or truncate"),
        bad(
            "preserved table that is not a name",
            "reset --confirm {db} --preserve x;y --database-url {url}",
            "--preserve #1 must be a table name or glob pattern"),
        bad(
            "fractional reset lock timeout",
            "reset --confirm {db} --lock-timeout 1.5s --database-url {url}",
            "--lock-timeout must be a duration"),
        bad(
            "huge migration",
            "migrate --dir {hugedir} --database-url {url}",
            "V2__huge.sql is larger than 64 MiB, the most the CLI reads of one SQL file"));
  }

  private static Arguments bad(String name, String args, String expected) {
    return Arguments.of(name, args, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void exitsTwoWithOneLineAndChangesNothing(String name, String args, String expected)
      throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("migrations"));
    Files.writeString(dir.resolve("V1__t.sql"), "CREATE TABLE t (id int);");
    Path badNames = Files.createDirectory(tmp.resolve("bad-names"));
    Files.writeString(badNames.resolve("V1__t.sql"), "CREATE TABLE t (id int);");
    Files.writeString(badNames.resolve("V2_no_separator.sql"), "CREATE TABLE u (id int);");
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    List<String> argv = new ArrayList<>();
    for (String arg : args.isEmpty() ? new String[0] : args.split(" ")) {
      argv.add(expand(arg, dir, badNames, empty));
    }

    CliRun run = CliRun.of(Map.of(), argv.toArray(String[]::new));

    assertThat(run.exit()).as(run.all()).isEqualTo(Command.USAGE);
    assertThat(run.err()).contains(expected);
    if (!name.equals("no command")) {
      assertThat(run.err().lines()).as(run.err()).hasSize(1);
    }
    if (!List.of("no command", "unknown command", "demo").contains(name)) {
      assertThat(run.err())
          .as("says what was left")
          .containsPattern("nothing was changed|no migration was applied");
    }
    assertThat(run.all()).doesNotContain(PASSWORD);
    assertThat(
            pg.queryLong("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"))
        .isZero();
  }

  private String expand(String arg, Path dir, Path badNames, Path empty) throws Exception {
    if (arg.startsWith("{big:")) {
      Path file = tmp.resolve("big.yaml");
      try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
        sparse.setLength(Long.parseLong(arg.substring(5, arg.length() - 1)));
      }
      return file.toString();
    }
    if (arg.equals("{nomigrations}")) {
      Path ignoredOnly = Files.createDirectory(tmp.resolve("no-migrations"));
      Files.writeString(ignoredOnly.resolve("001_init.sql"), "CREATE TABLE t (id int);");
      Files.writeString(ignoredOnly.resolve("002_more.sql"), "CREATE TABLE u (id int);");
      return ignoredOnly.toString();
    }
    if (arg.equals("{hugedir}")) {
      Path huge = Files.createDirectory(tmp.resolve("huge"));
      Files.writeString(huge.resolve("V1__t.sql"), "CREATE TABLE t (id int);");
      try (RandomAccessFile sparse =
          new RandomAccessFile(huge.resolve("V2__huge.sql").toFile(), "rw")) {
        sparse.setLength(64L * 1024 * 1024 + 1);
      }
      return huge.toString();
    }
    if (arg.startsWith("{query:")) {
      return "SELECT " + arg.substring(7, arg.length() - 1);
    }
    if (arg.startsWith("{file:")) {
      String manifest = arg.substring(6, arg.length() - 1);
      Path file = tmp.resolve(manifest + ".yaml");
      Files.writeString(file, MANIFESTS.get(manifest));
      return file.toString();
    }
    return arg.replace("{dir}", dir.toString())
        .replace("{badnames}", badNames.toString())
        .replace("{empty}", empty.toString())
        .replace("{db}", pg.databaseName())
        .replace("{url}", databaseUrl(pg));
  }
}
