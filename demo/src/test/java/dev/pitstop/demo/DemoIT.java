package dev.pitstop.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The README's main command: {@code pitstop demo} applies examples/ and exits 0. */
class DemoIT {
  @Test
  void demoAppliesTheExamplesAndEveryResourceReachesItsExpectedPhase() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        DemoMain.cli()
            .run(
                List.of(
                    "demo",
                    "--plain",
                    "--timeout",
                    "3m",
                    "--examples",
                    ProjectFiles.examples().toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of());
    String output = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as("exit code; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(output)
        .contains("applied database-migration/02-databasemigration.yaml")
        .containsPattern("DatabaseMigration +app-schema +Succeeded")
        .containsPattern("All \\d+ resources reached their expected phase");

    // The window drains only once app-schema created the tasks table its query reads (sync wave
    // 1), so it never refuses to start; when the release is done the demo ends it, and it
    // restores the application before the demo reports done.
    Matcher schema = Pattern.compile("DatabaseMigration +app-schema +Succeeded").matcher(output);
    assertThat(schema.find()).as(output).isTrue();
    assertThat(output.indexOf("applied maintenance-window/01-maintenancewindow.yaml (sync wave 1)"))
        .as(output)
        .isGreaterThan(schema.start());
    assertThat(output)
        .doesNotContain("does not exist")
        .doesNotContain("StartRefused")
        .containsPattern("MaintenanceWindow +release +Active")
        .containsPattern("MaintenanceWindow +release +Idle")
        .contains("Deployment shop-worker: 2 replicas")
        .contains("CronJob shop-report: not suspended");
    Matcher done =
        Pattern.compile("All \\d+ resources reached their expected phase").matcher(output);
    assertThat(done.find()).as(output).isTrue();
    assertThat(output.indexOf("Deployment shop-worker: 2 replicas")).isGreaterThan(done.start());

    // The reset is in sync wave 1: applied only once the migration filled the sandbox.
    Matcher migrated =
        Pattern.compile("DatabaseMigration +sandbox-schema +Succeeded").matcher(output);
    assertThat(migrated.find()).as(output).isTrue();
    assertThat(output.indexOf("applied sandbox-reset/03-sandboxreset.yaml (sync wave 1)"))
        .as(output)
        .isGreaterThan(migrated.start());

    // What the reset deleted is counted by PostgreSQL: rows the sandbox's migration inserted.
    Matcher row =
        Pattern.compile("SandboxReset +sandbox-nightly +Succeeded +(\\d+) rows deleted")
            .matcher(output);
    assertThat(row.find()).as(output).isTrue();
    long total = Long.parseLong(row.group(1));
    assertThat(total).as("rows deleted by the reset").isPositive();
    Matcher summary =
        Pattern.compile("SandboxReset sandbox-nightly deleted (\\d+) rows: (.*)").matcher(output);
    assertThat(summary.find()).as(output).isTrue();
    assertThat(Long.parseLong(summary.group(1))).isEqualTo(total);
    Map<String, Long> perTable = new LinkedHashMap<>();
    for (String entry : summary.group(2).split(", ")) {
      String[] tableAndRows = entry.split(" ");
      perTable.put(tableAndRows[0], Long.parseLong(tableAndRows[1]));
    }
    assertThat(perTable)
        .containsOnlyKeys("public.courses", "public.enrollments", "public.sessions")
        .allSatisfy((table, rows) -> assertThat(rows).as(table).isPositive());
    assertThat(perTable.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(total);
    assertThat(output)
        .containsPattern("  kept: .*public\\.pitstop_schema_history \\(")
        .containsPattern("  kept: .*public\\.tasks \\(")
        .contains("  seeded: 01-courses.sql, 02-enrollments.sql, 03-announcement.sql");
  }

  @Test
  void onATerminalTheTableIsRedrawnInPlace() throws Exception {
    Path jar = Path.of("target/pitstop-demo.jar").toAbsolutePath();
    Path script = Path.of("/usr/bin/script");
    Assumptions.assumeTrue(Files.isRegularFile(jar), "the shaded jar is built by mvn package");
    Assumptions.assumeTrue(Files.isExecutable(script), "script(1) gives the demo a terminal");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command =
        java + " -jar " + jar + " demo --timeout 3m --examples " + ProjectFiles.examples();
    // script(1) runs the demo on a pseudo-terminal, as a person at a shell would see it.
    Process process =
        new ProcessBuilder(script.toString(), "-qec", command, "/dev/null")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(4, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output)
        .as("cursor moves up and lines are cleared to redraw the table")
        .contains("\033[2K")
        .containsPattern("\033\\[\\d+F")
        .contains("KIND")
        .containsPattern("All \\d+ resources reached their expected phase");
  }

  @Test
  void badTimeoutIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        DemoMain.cli()
            .run(
                List.of("demo", "--timeout", "soon"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8).trim())
        .isEqualTo(
            "pitstop demo: --timeout must be a duration such as 500ms, 10s, 5m, 1h30m or 7d, not"
                + " 'soon'; nothing was changed");
  }
}
