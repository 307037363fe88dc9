package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.impact.Finding;
import dev.pitstop.migration.impact.FindingCode;
import dev.pitstop.migration.impact.ImpactPlan;
import dev.pitstop.migration.impact.LockTaken;
import dev.pitstop.migration.impact.ScriptImpact;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.migration.impact.StatementImpact;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text of {@code migrate --plan}, for a plan whose measurements are given. */
class ImpactPlanPrinterTest {
  private static final MigrationInfo INFO =
      new MigrationInfo(
          "public.pitstop_schema_history", true, "3", List.of(), List.of(), List.of());

  private static String print(ImpactPlan plan) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      ImpactPlanPrinter.print(plan, "app@db:5432/app", out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsImpactfulStatementsFindingsWithAllowedReasonsAndASummary() {
    String longSql =
        "UPDATE orders\n   SET total = total + 0, note = 'a rather long literal that goes on'"
            + " WHERE id > 0";
    StatementImpact alter =
        new StatementImpact(
            1,
            2,
            "ALTER TABLE orders ALTER COLUMN id TYPE bigint",
            List.of(
                new LockTaken("public.orders", "AccessExclusiveLock"),
                new LockTaken("public.lines", "ShareRowExclusiveLock")),
            List.of("public.orders", "public.orders_pkey"),
            List.of(),
            List.of(),
            null);
    StatementImpact select =
        new StatementImpact(2, 3, "SELECT 1", List.of(), List.of(), List.of(), List.of(), null);
    StatementImpact update =
        new StatementImpact(
            3,
            4,
            longSql,
            List.of(new LockTaken("public.orders", "RowExclusiveLock")),
            List.of(),
            List.of(),
            List.of(),
            null);
    StatementImpact index =
        new StatementImpact(
            1,
            1,
            "CREATE INDEX CONCURRENTLY lines_order ON lines (order_id)",
            List.of(new LockTaken("public.lines", "ShareUpdateExclusiveLock (stated)")),
            List.of(),
            List.of("public.lines_order (concurrently)"),
            List.of(),
            null);
    StatementImpact failed =
        new StatementImpact(
            2,
            3,
            "ALTER TABLE lines VALIDATE CONSTRAINT nope",
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            "42704: constraint \"nope\" of relation \"lines\" does not exist");
    ImpactPlan plan =
        new ImpactPlan(
            INFO,
            List.of(
                new ScriptImpact("4", "V4__orders.sql", true, List.of(alter, select, update)),
                new ScriptImpact("5", "V5__index.sql", false, List.of(index, failed)),
                new ScriptImpact("6", "V6__noop.sql", true, List.of(select))),
            List.of(
                new Finding(
                    FindingCode.PS108,
                    Severity.ERROR,
                    "V4__orders.sql",
                    1,
                    2,
                    "public.orders",
                    "ACCESS EXCLUSIVE on public.orders (12.4M rows, 3.1 GB) while rewriting it",
                    null),
                new Finding(
                    FindingCode.PS111,
                    Severity.WARNING,
                    "V5__index.sql",
                    1,
                    1,
                    "public.lines",
                    "CONCURRENTLY beside other statements",
                    "the second statement only validates"),
                new Finding(
                    FindingCode.PS100,
                    Severity.ERROR,
                    "V5__index.sql",
                    2,
                    3,
                    null,
                    "fails on the copy",
                    null)),
            "app@db:5432",
            List.of("extension postgis"));

    assertThat(print(plan))
        .isEqualTo(
            """
            plan against app@db:5432/app, measured on a scratch copy of its schema on \
            app@db:5432 (created and dropped by the plan): nothing is applied to the target
            history table public.pitstop_schema_history
            current version 3, 0 applied, 0 pending
            V4__orders.sql (3 statements measured, in one transaction)
              statement 1 (line 2): ALTER TABLE orders ALTER COLUMN id TYPE bigint
                locks: ACCESS EXCLUSIVE on public.orders, SHARE ROW EXCLUSIVE on public.lines
                rewritten: public.orders, public.orders_pkey
              statement 3 (line 4): UPDATE orders SET total = total + 0, note = 'a rather long \
            literal that goes...
                locks: ROW EXCLUSIVE on public.orders
            V5__index.sql (2 statements measured, outside a transaction)
              statement 1 (line 1): CREATE INDEX CONCURRENTLY lines_order ON lines (order_id)
                locks: SHARE UPDATE EXCLUSIVE (stated) on public.lines
                indexes built: public.lines_order (concurrently)
              statement 2 (line 3): ALTER TABLE lines VALIDATE CONSTRAINT nope
                error: 42704: constraint "nope" of relation "lines" does not exist
            V6__noop.sql (1 statement measured, in one transaction)
              no statement locks a table, rewrites, builds an index or validates
            warning: the scratch copy differs from the target in 1 way (extension postgis); a \
            statement that depends on them may fail or pass on the copy unlike on the target
            findings:
              error   PS108 column-type-change V4__orders.sql:2: ACCESS EXCLUSIVE on \
            public.orders (12.4M rows, 3.1 GB) while rewriting it
              warning PS111 concurrently-in-transaction V5__index.sql:1: CONCURRENTLY beside \
            other statements [allowed: the second statement only validates]
              error   PS100 fails-on-copy V5__index.sql:3: fails on the copy
            3 findings: 2 error, 1 warning, 0 info (1 allowed)
            """);
  }

  @Test
  void planWithNothingPendingSaysSoAndHasNoFindings() {
    assertThat(print(new ImpactPlan(INFO, List.of(), List.of(), "app@db:5432", List.of())))
        .isEqualTo(
            """
            plan against app@db:5432/app: nothing is applied to the target
            history table public.pitstop_schema_history
            current version 3, 0 applied, 0 pending
            nothing to apply: the database is up to date
            no findings
            """);
  }

  @Test
  void lockModesReadAsSqlNamesThem() {
    assertThat(LockTaken.sqlName("AccessExclusiveLock")).isEqualTo("ACCESS EXCLUSIVE");
    assertThat(LockTaken.sqlName("ShareUpdateExclusiveLock")).isEqualTo("SHARE UPDATE EXCLUSIVE");
    assertThat(LockTaken.sqlName("ShareLock")).isEqualTo("SHARE");
    assertThat(LockTaken.sqlName("ShareUpdateExclusiveLock (stated)"))
        .isEqualTo("SHARE UPDATE EXCLUSIVE (stated)");
    assertThat(LockTaken.sqlName("ACCESS SHARE")).isEqualTo("ACCESS SHARE");
    assertThat(LockTaken.sqlName("SIReadLock")).isEqualTo("SIReadLock");
  }
}
