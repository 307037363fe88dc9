package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import dev.pitstop.testing.PostgresExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plan names the partitions a partitioned table is emptied with; a partition goes with the
 * table at the root of its tree, whatever its own schema, and the plan says so.
 */
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

  private static final String ACROSS_SCHEMAS =
      "CREATE SCHEMA other;"
          + " CREATE TABLE m (id int NOT NULL, k int NOT NULL) PARTITION BY LIST (k);"
          + " CREATE TABLE m_1 PARTITION OF m FOR VALUES IN (1);"
          + " CREATE TABLE other.m_def PARTITION OF m DEFAULT;"
          + " CREATE TABLE other.r (id int NOT NULL, k int NOT NULL) PARTITION BY LIST (k);"
          + " CREATE TABLE other.r_1 PARTITION OF other.r FOR VALUES IN (1);"
          + " CREATE TABLE r_2 PARTITION OF other.r FOR VALUES IN (2);"
          + " INSERT INTO m VALUES (1, 1), (2, 2); INSERT INTO other.r VALUES (1, 1), (2, 2);";

  @Test
  void partitionsInAnotherSchemaThanTheirTableAreNamedWithWhatHappensToThem() {
    pg.execute(ACROSS_SCHEMAS);
    ResetRequest request =
        ResetRequest.builder(pg.databaseName()).schemas(List.of("public")).build();

    ResetPlan plan = new ResetEngine(pg.dataSource()).plan(request);

    assertThat(plan.order()).containsExactly("public.m");
    assertThat(plan.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith(
                        "public.m is emptied with all its partitions, including other.m_def,")
                    .contains("outside the reset's schemas"));
    assertThat(plan.preserved())
        .containsExactly(
            new ResetPlan.PreservedTable(
                "public.r_2",
                "a partition of other.r, which this reset keeps (a partition is emptied or kept"
                    + " with its partitioned table)"));

    new ResetEngine(pg.dataSource()).reset(request);

    assertThat(pg.rowCount("m")).isZero();
    assertThat(pg.rowCount("other.r")).isEqualTo(2);
    assertThat(pg.rowCount("r_2")).isEqualTo(1);
  }

  @Test
  void aPatternKeepingOnlyAPartitionOfAnEmptiedTableIsRefusedBeforeAnythingChanges() {
    pg.execute(ACROSS_SCHEMAS);
    ResetRequest request =
        ResetRequest.builder(pg.databaseName())
            .schemas(List.of("public", "other"))
            .preserveTables(List.of("m_*"))
            .build();

    assertThatThrownBy(() -> new ResetEngine(pg.dataSource()).reset(request))
        .isInstanceOf(ResetException.class)
        .hasMessageContaining(
            "preserveTables[0] (m_*) matches other.m_def, a partition of public.m,")
        .hasMessageContaining("preserve public.m to keep its rows");
    assertThat(pg.rowCount("m")).isEqualTo(2);
    assertThat(pg.rowCount("other.r")).isEqualTo(2);
  }

  @Test
  void keptRowsNamingAPartitionSayWhichTableToName() {
    pg.execute(ACROSS_SCHEMAS);
    ResetRequest request =
        ResetRequest.builder(pg.databaseName()).preserveRows("m_1", "id = 1").build();

    assertThatThrownBy(() -> new ResetEngine(pg.dataSource()).reset(request))
        .isInstanceOf(ResetException.class)
        .hasMessageContaining("names public.m_1, a partition of public.m; name public.m");
    assertThat(pg.rowCount("m")).isEqualTo(2);
  }
}
