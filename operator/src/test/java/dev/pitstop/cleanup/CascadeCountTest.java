package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.reconciler.cleanupschedule.model.CleanupRuns;
import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rows other tables lose or have changed through foreign keys when a rule deletes: counted by the
 * dry run, counted exactly by the run, reported per rule.
 */
class CascadeCountTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @BeforeEach
  void shop() {
    // 10 inactive customers of 100; their 100 orders cascade, and so do 10 follow-up orders of an
    // active customer that reference those orders (a self-reference); every order has 2 lines;
    // 30 notes of inactive customers lose their reference.
    pg.execute(
        "CREATE TABLE customers (id int PRIMARY KEY, inactive boolean NOT NULL);"
            + " INSERT INTO customers SELECT i, i <= 10 FROM generate_series(1, 100) i;"
            + "CREATE TABLE orders (id int PRIMARY KEY,"
            + " customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE,"
            + " follows int REFERENCES orders ON DELETE CASCADE);"
            + " INSERT INTO orders SELECT i, (i - 1) / 10 + 1, NULL FROM generate_series(1, 1000) i;"
            + " INSERT INTO orders SELECT 1000 + i, 50, i FROM generate_series(1, 10) i;"
            + "CREATE TABLE order_lines (id serial PRIMARY KEY,"
            + " order_id int NOT NULL REFERENCES orders ON DELETE CASCADE);"
            + " INSERT INTO order_lines (order_id)"
            + " SELECT o FROM generate_series(1, 1010) o, generate_series(1, 2);"
            + "CREATE TABLE notes (id serial PRIMARY KEY,"
            + " customer_id int REFERENCES customers ON DELETE SET NULL);"
            + " INSERT INTO notes (customer_id) SELECT c FROM generate_series(1, 20) c,"
            + " generate_series(1, 3);");
  }

  private static CleanupRequest request(boolean dryRun) {
    return CleanupRequest.builder()
        .pauseBetweenBatches(Duration.ZERO)
        .batchSize(3)
        .dryRun(dryRun)
        .rule(DeletionRule.where("inactive-customers", "customers", "inactive"))
        .build();
  }

  @Test
  void theDryRunAndTheRunReportWhatForeignKeysDeleteAndNull() {
    CleanupEngine engine = new CleanupEngine(pg.dataSource());
    CleanupResult dry = engine.dryRun(request(true), CleanupListener.NONE);
    RuleOutcome counted = dry.rule("inactive-customers").orElseThrow();
    assertThat(counted.matched()).isEqualTo(10);
    assertThat(counted.cascades())
        .containsExactlyInAnyOrder(
            new CascadeCount("public.orders", 110, 0),
            new CascadeCount("public.order_lines", 220, 0),
            new CascadeCount("public.notes", 0, 30));
    assertThat(CleanupRuns.of(dry, "Manual", null).message)
        .contains(
            "inactive-customers 10 (cascades would delete 220 row(s) in public.order_lines,"
                + " would delete 110 row(s) in public.orders, would null 30 reference(s) in"
                + " public.notes)");
    assertThat(pg.rowCount("orders")).isEqualTo(1010);

    CleanupResult result = engine.run(request(false), CleanupListener.NONE);
    RuleOutcome deleted = result.rule("inactive-customers").orElseThrow();
    assertThat(deleted.state()).isEqualTo(RuleState.DONE);
    assertThat(deleted.deleted()).isEqualTo(10);
    assertThat(deleted.batches()).isGreaterThan(1);
    assertThat(pg.rowCount("orders")).isEqualTo(1010 - 110);
    assertThat(pg.rowCount("order_lines")).isEqualTo(2020 - 220);
    assertThat(pg.queryLong("SELECT count(*) FROM notes WHERE customer_id IS NULL")).isEqualTo(30);
    assertThat(deleted.cascades()).isEqualTo(counted.cascades());
    var run = CleanupRuns.of(result, "Manual", null);
    assertThat(run.message)
        .contains(
            "inactive-customers 10 (cascades deleted 220 row(s) in public.order_lines, deleted"
                + " 110 row(s) in public.orders, nulled 30 reference(s) in public.notes)");
    assertThat(run.rules.get(0).cascades)
        .extracting(c -> c.table + " " + c.deleted + " " + c.nulled)
        .containsExactlyInAnyOrder(
            "public.orders 110 null", "public.order_lines 220 null", "public.notes null 30");
  }

  @Test
  void batchesThatLockTheirRowsCountCascadesToo() {
    // No primary key: batches lock rows by ctid; the key referenced is a unique text column.
    pg.execute(
        "CREATE TABLE tags (name text UNIQUE NOT NULL, old boolean NOT NULL);"
            + " INSERT INTO tags SELECT 'tag-' || i, i <= 10 FROM generate_series(1, 30) i;"
            + "CREATE TABLE tag_links (tag text REFERENCES tags (name) ON DELETE CASCADE);"
            + " INSERT INTO tag_links SELECT 'tag-' || i FROM generate_series(1, 30) i,"
            + " generate_series(1, 5)");
    CleanupResult result =
        new CleanupEngine(pg.dataSource())
            .run(
                CleanupRequest.builder()
                    .pauseBetweenBatches(Duration.ZERO)
                    .batchSize(4)
                    .rule(DeletionRule.where("old-tags", "tags", "old"))
                    .build(),
                CleanupListener.NONE);
    RuleOutcome tags = result.rule("old-tags").orElseThrow();
    assertThat(tags.deleted()).isEqualTo(10);
    assertThat(tags.batches()).isGreaterThan(1);
    assertThat(tags.cascades()).containsExactly(new CascadeCount("public.tag_links", 50, 0));
    assertThat(pg.rowCount("tag_links")).isEqualTo(100);
  }

  @Test
  void aPartitionedTableReferencingTheRuleIsCountedOnceOverItsPartitions() {
    pg.execute(
        "CREATE TABLE visits (customer_id int REFERENCES customers ON DELETE CASCADE,"
            + " day date NOT NULL) PARTITION BY RANGE (day);"
            + "CREATE TABLE visits_2025 PARTITION OF visits"
            + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
            + "CREATE TABLE visits_2026 PARTITION OF visits"
            + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
            + " INSERT INTO visits SELECT c, d FROM generate_series(1, 100) c,"
            + " (VALUES (date '2025-06-01'), (date '2026-06-01')) AS v(d)");
    CleanupRequest request =
        CleanupRequest.builder()
            .pauseBetweenBatches(Duration.ZERO)
            .batchSize(4)
            .rule(DeletionRule.where("inactive-customers", "customers", "id <= 10 AND inactive"))
            .build();
    CleanupEngine engine = new CleanupEngine(pg.dataSource());

    assertThat(engine.dryRun(request, CleanupListener.NONE).rules().get(0).cascades())
        .contains(new CascadeCount("public.visits", 20, 0));
    assertThat(engine.run(request, CleanupListener.NONE).rules().get(0).cascades())
        .contains(new CascadeCount("public.visits", 20, 0));
    assertThat(pg.rowCount("visits")).isEqualTo(180);
  }
}
