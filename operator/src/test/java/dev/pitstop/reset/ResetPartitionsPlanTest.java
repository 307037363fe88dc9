package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import dev.pitstop.testing.PostgresExtension;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The plan names the partitions a partitioned table is emptied with. */
class ResetPartitionsPlanTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void planListsThePartitionsOfEachPartitionedTable() {
    pg.execute(
        "CREATE TABLE events (at date NOT NULL, region text NOT NULL) PARTITION BY RANGE (at);"
            + " CREATE TABLE events_2024 PARTITION OF events"
            + "  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
            + " CREATE TABLE events_2025 PARTITION OF events"
            + "  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (region);"
            + " CREATE TABLE events_2025_eu PARTITION OF events_2025 FOR VALUES IN ('eu');"
            + " CREATE TABLE plain (id int);"
            + " INSERT INTO events VALUES ('2024-05-01', 'us'), ('2025-05-01', 'eu');");

    ResetPlan plan =
        new ResetEngine(pg.dataSource()).plan(ResetRequest.builder(pg.databaseName()).build());

    assertThat(plan.partitions())
        .containsExactly(
            "public.events (partitioned: public.events_2024, public.events_2025,"
                + " public.events_2025_eu)");
    assertThat(plan.order()).containsExactlyInAnyOrder("public.events", "public.plain");
    SandboxResetStatus status = new SandboxResetStatus();
    ResetStatuses.planned(status, plan, 1, Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(status.plan.partitions).isEqualTo(plan.partitions());

    ResetResult result =
        new ResetEngine(pg.dataSource()).reset(ResetRequest.builder(pg.databaseName()).build());

    assertThat(result.plan().partitions()).isEqualTo(plan.partitions());
    assertThat(pg.rowCount("events_2025_eu")).isZero();
  }
}
