package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.SandboxResetStatus;
import dev.pitstop.reconciler.sandboxreset.model.ResetStatuses;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * VACUUM (ANALYZE) of the emptied tables and REFRESH of the materialized views after the reset
 * commits, and their failures as warnings that reach status and the Event.
 */
class ResetAfterwardsTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  /** {@code top} reads {@code user_counts}, so it is refreshed after it although named before. */
  @BeforeEach
  void schema() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY);"
            + " CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);"
            + " INSERT INTO users SELECT g FROM generate_series(1, 50) g;"
            + " INSERT INTO orders SELECT g, g FROM generate_series(1, 20) g;"
            + " CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) AS n FROM users;"
            + " CREATE MATERIALIZED VIEW top AS SELECT n FROM user_counts;");
  }

  private static ResetRequest.Builder afterwards(String database) {
    return ResetRequest.builder(database).vacuumAnalyze(true).refreshMaterializedViews(true);
  }

  @Test
  void emptiedTablesAreVacuumedAndViewsRefreshedReferencedFirst() {
    ResetResult result =
        new ResetEngine(pg.dataSource()).reset(afterwards(pg.databaseName()).build());

    assertThat(result.afterReset())
        .containsExactly(
            "VACUUM (ANALYZE) public.orders",
            "VACUUM (ANALYZE) public.users",
            "REFRESH MATERIALIZED VIEW public.user_counts",
            "REFRESH MATERIALIZED VIEW public.top");
    assertThat(result.afterResetWarnings()).isEmpty();
    assertThat(pg.queryLong("SELECT n FROM top")).isZero();
    assertThat(pg.queryLong("SELECT reltuples::bigint FROM pg_class WHERE oid = 'users'::regclass"))
        .isZero();
  }

  @Test
  void failuresAfterTheCommitAreWarningsInStatusAndTheEventAndTheResetStands() {
    String role = roles.create("resetter", "");
    pg.execute("GRANT SELECT, DELETE ON users, orders, user_counts, top TO " + role);
    PGSimpleDataSource asRole = new PGSimpleDataSource();
    asRole.setURL(pg.jdbcUrl());
    asRole.setUser(role);
    asRole.setPassword(TestRoles.PASSWORD);

    ResetResult result =
        new ResetEngine(asRole)
            .reset(afterwards(pg.databaseName()).preserveTables(List.of("audit_*")).build());

    assertThat(pg.rowCount("users")).isZero();
    assertThat(result.afterReset()).isEmpty();
    assertThat(result.afterResetWarnings()).hasSize(4);
    assertThat(result.afterResetWarnings().get(0))
        .startsWith("VACUUM (ANALYZE) of public.orders did not run after the reset had committed:")
        .contains("orders")
        .endsWith("; the reset itself succeeded.");
    assertThat(result.afterResetWarnings().get(2))
        .startsWith(
            "REFRESH MATERIALIZED VIEW public.user_counts failed after the reset had committed:"
                + " must be owner of")
        .endsWith("(SQLSTATE 42501); the reset itself succeeded.");
    assertThat(pg.queryLong("SELECT n FROM top")).isEqualTo(50);

    List<String> every = result.warnings();
    assertThat(every).hasSize(5).startsWith(result.plan().warnings().get(0));
    assertThat(result.plan().warnings().get(0)).contains("audit_*");
    SandboxResetStatus status = new SandboxResetStatus();
    Instant now = Instant.now();
    ResetStatuses.succeeded(status, result, false, null, now, 1, now);
    assertThat(status.plan.warnings).containsExactlyElementsOf(every);
    assertThat(status.message).endsWith("; 5 warning(s) in status.plan.warnings");
    String event = ResetStatuses.warnings(result);
    assertThat(event).startsWith("The reset committed with 5 warning(s): ");
    every.forEach(w -> assertThat(event).contains(w));
  }
}
