package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.migration.ExecutedMigration;
import dev.pitstop.migration.LockWait;
import dev.pitstop.migration.MigrationProgress;
import dev.pitstop.migration.RecoveredStatement;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class MigrationProgressPrinterTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static MigrationProgress step(String script, int index, int statement, int statements) {
    return new MigrationProgress(script, "1", index, 2, statement, statements, 0, 0);
  }

  @Test
  void printsEachMigrationOnceWhenItStartsAndWhenItIsApplied() {
    try (MigrationProgressPrinter printer = new MigrationProgressPrinter(out)) {
      printer.onProgress(step("V1__a.sql", 1, 1, 3));
      printer.onProgress(step("V1__a.sql", 1, 2, 3));
      printer.onProgress(step("V1__a.sql", 1, 3, 3));
      printer.onApplied(new ExecutedMigration("1", "a", "V1__a.sql", 7, 35), 1, 2);
      printer.onProgress(step("V2__b.sql", 2, 1, 1));
    }

    assertThat(printed().lines())
        .containsExactly(
            "[1/2] applying V1__a.sql (3 statements)",
            "[1/2] applied V1__a.sql in 35ms",
            "[2/2] applying V2__b.sql (1 statement)");
  }

  @Test
  void whatAStatementFoundOfAnInterruptedRunIsAlwaysPrinted() {
    try (MigrationProgressPrinter printer = new MigrationProgressPrinter(out)) {
      printer.onProgress(step("V1__a.sql", 1, 1, 3));
      printer.onProgress(step("V1__a.sql", 1, 2, 3));
      printer.onRecovered(new RecoveredStatement("V1__a.sql", 2, 4, "index x skipped"));
      printer.onProgress(step("V1__a.sql", 1, 3, 3));
      printer.onRecovered(new RecoveredStatement("V1__a.sql", 3, 6, "index y dropped"));
    }

    assertThat(printed().lines())
        .containsExactly(
            "[1/2] applying V1__a.sql (3 statements)",
            "[1/2] V1__a.sql: statement 2 (line 4): index x skipped",
            "[1/2] V1__a.sql: statement 3 (line 6): index y dropped");
  }

  @Test
  void lockWaitsNameTheHolderOnceUntilItChanges() {
    OffsetDateTime since = OffsetDateTime.parse("2026-01-02T03:04:05Z");
    try (MigrationProgressPrinter printer = new MigrationProgressPrinter(out)) {
      printer.onLockWait(new LockWait(4242, "pitstop", since, Duration.ofMillis(10)));
      printer.onLockWait(new LockWait(4242, "pitstop", since, Duration.ofSeconds(1)));
      printer.onLockWait(new LockWait(77, null, null, Duration.ofSeconds(2)));
      printer.onLockAcquired(Duration.ofMillis(2500));
    }

    assertThat(printed().lines())
        .containsExactly(
            "waiting for the migration lock held by pid 4242 (pitstop) since"
                + " 2026-01-02T03:04:05Z; waited 0s",
            "waiting for the migration lock held by pid 77; waited 2s",
            "took the migration lock after 2s");
  }

  @Test
  void aLongStatementGetsStillRunningLines() {
    try (MigrationProgressPrinter printer =
        new MigrationProgressPrinter(out, Duration.ofMillis(50))) {
      printer.onProgress(step("V1__index.sql", 1, 1, 1));

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> printed().contains("[1/2] V1__index.sql: statement 1 of 1 still running"));
    }
  }

  @Test
  void noStillRunningLineOnceTheMigrationIsApplied() throws Exception {
    try (MigrationProgressPrinter printer =
        new MigrationProgressPrinter(out, Duration.ofMillis(20))) {
      printer.onProgress(step("V1__a.sql", 1, 1, 1));
      printer.onApplied(new ExecutedMigration("1", "a", "V1__a.sql", 7, 1), 1, 2);
      // Ten of the printer's intervals, watched throughout.
      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> !printed().contains("still running"));
    }

    assertThat(printed()).doesNotContain("still running");
  }
}
