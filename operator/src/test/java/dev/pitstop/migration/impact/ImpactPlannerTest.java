package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plans through the whole path a user's plan takes: pending migrations found on the target, the
 * schema copied into a scratch database on the same server, the migrations measured there and the
 * scratch database dropped, with the target left as it was.
 */
class ImpactPlannerTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  private static final MigrationScript V1 =
      new MigrationScript(
          "V1__orders.sql",
          "CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric);");

  @Test
  void measuresPendingMigrationsOnACopyAndLeavesTheTargetAsItWas() throws Exception {
    new MigrationEngine(pg.dataSource()).migrate(request(List.of(V1)));
    pg.execute(
        "INSERT INTO orders SELECT g, 'c' || g, g FROM generate_series(1, 5000) g; ANALYZE orders;"
            + " UPDATE orders SET total = total + 1 WHERE id <= 10;");
    String before = DatabaseDump.of(pg.dataSource());

    ImpactPlan plan =
        new ImpactPlanner(pg.dataSource(), ScratchServers.of(pg.database()))
            .plan(
                request(
                    List.of(
                        V1,
                        new MigrationScript(
                            "V2__widen.sql", "ALTER TABLE orders ALTER COLUMN id TYPE bigint;"),
                        new MigrationScript(
                            "V3__flag.sql",
                            "ALTER TABLE orders ADD COLUMN flagged boolean DEFAULT false;"))));

    assertThat(plan.info().pending()).hasSize(2);
    assertThat(plan.scripts())
        .extracting(ScriptImpact::script)
        .containsExactly("V2__widen.sql", "V3__flag.sql");
    assertThat(plan.findings())
        .extracting(Finding::code, Finding::script, Finding::relation)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.PS108, "V2__widen.sql", "public.orders"));
    Finding rewrite = plan.findings().get(0);
    assertThat(rewrite.severity()).isEqualTo(Severity.ERROR);
    assertThat(rewrite.message()).startsWith("ACCESS EXCLUSIVE on public.orders (5k rows, ");
    StatementImpact widen = plan.scripts().get(0).statements().get(0);
    assertThat(widen.locks()).contains(new LockTaken("public.orders", "AccessExclusiveLock"));
    assertThat(widen.rewritten()).contains("public.orders", "public.orders_pkey");
    assertThat(plan.gating(Severity.WARNING)).hasSize(1);
    assertThat(plan.notCopied()).isEmpty();

    assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(1);
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'pitstop\\_plan\\_%'"))
        .isZero();
  }

  @Test
  void aTableLockedOnTheTargetDoesNotStopThePlan() throws Exception {
    new MigrationEngine(pg.dataSource()).migrate(request(List.of(V1)));
    pg.execute("INSERT INTO orders SELECT g, 'c' || g, g FROM generate_series(1, 100) g");
    try (Connection holder = pg.dataSource().getConnection();
        Statement lock = holder.createStatement()) {
      holder.setAutoCommit(false);
      lock.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");

      ImpactPlan plan =
          new ImpactPlanner(pg.dataSource(), ScratchServers.of(pg.database()))
              .plan(
                  request(
                      List.of(
                          V1,
                          new MigrationScript(
                              "V2__index.sql",
                              "CREATE INDEX orders_customer ON orders (customer);"))));

      assertThat(plan.findings()).extracting(Finding::code).containsExactly(FindingCode.PS103);
      holder.rollback();
    }
  }

  @Test
  void nothingPendingCreatesNoScratchDatabase() {
    new MigrationEngine(pg.dataSource()).migrate(request(List.of(V1)));

    ImpactPlan plan =
        new ImpactPlanner(pg.dataSource(), ScratchServers.of(pg.database()))
            .plan(request(List.of(V1)));

    assertThat(plan.scripts()).isEmpty();
    assertThat(plan.findings()).isEmpty();
  }

  private static MigrationRequest request(List<MigrationScript> scripts) {
    return MigrationRequest.builder(scripts).build();
  }
}
