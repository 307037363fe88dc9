package dev.pitstop.reconciler.databasemigration;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.Approval;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.PlanFinding;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.PlanSeverity;
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code approval: OnRisk}: the operator measures the pending migrations on a scratch copy of the
 * schema, sized by the real table, and asks for approval only for what is risky enough.
 */
class DatabaseMigrationApprovalIT {
  private static final String COLUMN_TYPE =
      "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
          + " WHERE attrelid = 'orders'::regclass AND attname = 'amount'";

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @BeforeEach
  void ordersWithRows() {
    pg.execute("CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL, note text)");
    pg.execute("INSERT INTO orders SELECT g, g % 100, 'n' FROM generate_series(1, 2000) g");
    pg.execute("ANALYZE orders");
  }

  /** A migration of the existing orders table: baselined at 0 so V1 is pending. */
  private DatabaseMigration onRisk(String secret, String sql) {
    kube.client().resource(configMap("migrations", Map.of("V1__orders.sql", sql))).create();
    DatabaseMigration dbm = migration("app", secret, "migrations");
    dbm.getSpec().approval = Approval.OnRisk;
    dbm.getSpec().baselineOnMigrate = true;
    dbm.getSpec().baselineVersion = "0";
    return dbm;
  }

  @Test
  void aRiskyMigrationWaitsWithItsFindingsSizedByTheTableAndAppliesOnceApproved() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    kube.client()
        .resource(onRisk("app-db", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;"))
        .create();

    DatabaseMigration waiting = awaitPhase(MigrationPhase.WaitingForApproval);

    var plan = waiting.getStatus().plan;
    assertThat(plan.measured).isTrue();
    assertThat(plan.highestSeverity).isEqualTo(PlanSeverity.Error);
    PlanFinding rewrite =
        plan.findings.stream().filter(f -> "PS108".equals(f.code)).findFirst().orElseThrow();
    assertThat(rewrite.severity).isEqualTo(PlanSeverity.Error);
    assertThat(rewrite.script).isEqualTo("V1__orders.sql");
    assertThat(rewrite.line).isEqualTo(1);
    assertThat(rewrite.relation).isEqualTo("public.orders");
    assertThat(rewrite.message).contains("public.orders").contains("rows");
    assertThat(waiting.getStatus().message)
        .contains("at or above warning ask for approval, highest error")
        .contains(
            "approve with: kubectl annotate dbm "
                + waiting.getMetadata().getName()
                + " -n "
                + NAMESPACE
                + " "
                + Pitstop.APPROVE
                + "="
                + plan.digest);
    assertThat(kube.eventsFor(waiting))
        .filteredOn(e -> "WaitingForApproval".equals(e.getReason()))
        .extracting(Event::getMessage)
        .anySatisfy(
            m -> assertThat(m).contains("finding(s) at or above warning").contains("error"));
    assertThat(pg.queryStrings(COLUMN_TYPE)).as("nothing applied").containsExactly("integer");
    assertThat(pg.tableExists("pitstop_schema_history")).isFalse();
    // the baseline migrate records first is not reported as applied before it is
    assertThat(waiting.getStatus().currentVersion).isNull();
    assertThat(waiting.getStatus().appliedCount).isZero();
    assertThat(waiting.getStatus().message)
        .startsWith(
            "1 migration(s) pending: 1, after a baseline at version 0 is recorded (history"
                + " table public.pitstop_schema_history does not exist yet and the schema is not"
                + " empty)");

    annotate(Pitstop.APPROVE, plan.digest);

    DatabaseMigration done = awaitPhase(MigrationPhase.Succeeded);
    assertThat(done.getStatus().currentVersion).isEqualTo("1");
    assertThat(pg.queryStrings(COLUMN_TYPE)).containsExactly("bigint");
  }

  @Test
  void anApprovalOfOtherContentIsSaidToBeOutdatedAndAppliesNothing() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    DatabaseMigration dbm = onRisk("app-db", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;");
    dbm.getMetadata()
        .setAnnotations(java.util.Map.of(Pitstop.APPROVE, "sha256-of-earlier-scripts"));
    kube.client().resource(dbm).create();

    DatabaseMigration waiting = awaitPhase(MigrationPhase.WaitingForApproval);

    assertThat(kube.eventsFor(waiting))
        .filteredOn(e -> "ApprovalOutdated".equals(e.getReason()))
        .extracting(Event::getMessage)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains(Pitstop.APPROVE + "=sha256-of-earlier-scripts is for other content")
        .contains(waiting.getStatus().plan.digest);
    assertThat(pg.queryStrings(COLUMN_TYPE)).as("nothing applied").containsExactly("integer");
  }

  /**
   * {@code approval: Always} asks only where there is something to approve: the same scripts listed
   * in another order are the same run, and a change that leaves nothing to apply settles as up to
   * date instead of waiting for approval of an empty plan.
   */
  @Test
  void alwaysAsksNothingWhenThereIsNothingToApply() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    DatabaseMigration dbm = migration("app", "app-db", "unused");
    dbm.getSpec().source.configMapRefs.clear();
    dbm.getSpec().source.inline.add(new InlineScript("V1__a.sql", "CREATE TABLE a (id int);"));
    dbm.getSpec().source.inline.add(new InlineScript("V2__b.sql", "CREATE TABLE b (id int);"));
    dbm.getSpec().approval = Approval.Always;
    dbm.getSpec().baselineOnMigrate = true;
    dbm.getSpec().baselineVersion = "0";
    kube.client().resource(dbm).create();
    annotate(
        Pitstop.APPROVE, awaitPhase(MigrationPhase.WaitingForApproval).getStatus().plan.digest);
    DatabaseMigration applied = awaitPhase(MigrationPhase.Succeeded);
    String digest = applied.getStatus().observedRunDigest;

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        d -> java.util.Collections.reverse(d.getSpec().source.inline));
    DatabaseMigration reordered =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get(),
                r ->
                    java.util.Objects.equals(
                        r.getStatus().observedGeneration, r.getMetadata().getGeneration()));
    assertThat(reordered.getStatus().phase).isEqualTo(MigrationPhase.Succeeded);
    assertThat(reordered.getStatus().observedRunDigest).as("the same run").isEqualTo(digest);

    Conflicts.edit(
        kube.client(),
        DatabaseMigration.class,
        NAMESPACE,
        "app",
        d -> d.getSpec().targetVersion = "2");
    DatabaseMigration targeted =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get(),
                r ->
                    !digest.equals(r.getStatus().observedRunDigest)
                        && r.getStatus().phase != MigrationPhase.Pending
                        && r.getStatus().phase != MigrationPhase.Migrating);
    assertThat(targeted.getStatus().phase)
        .as("%s", targeted.getStatus().message)
        .isEqualTo(MigrationPhase.Succeeded);
    assertThat(targeted.getStatus().message).startsWith("database is up to date");
    assertThat(kube.eventsFor(targeted))
        .extracting(Event::getReason)
        .doesNotContain("ApprovalOutdated");
  }

  private DatabaseMigration get() {
    return kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName("app")
        .get();
  }

  @Test
  void aSafeMigrationAppliesWithoutApproval() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    kube.client()
        .resource(onRisk("app-db", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;"))
        .create();

    DatabaseMigration done = awaitPhase(MigrationPhase.Succeeded);

    assertThat(done.getStatus().message).contains("plan measured: no findings");
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'shipped_at'"))
        .isEqualTo(1);
    assertThat(kube.eventsFor(done))
        .extracting(Event::getReason)
        .doesNotContain("WaitingForApproval", "PlanNotMeasured");
  }

  @Test
  void onlyAWarningBelowApprovalSeverityErrorApplies() {
    kube.client().resource(secret("app-db", pg.jdbcUrl(), pg.user(), "pw")).create();
    DatabaseMigration dbm = onRisk("app-db", "ALTER TABLE orders RENAME COLUMN note TO remark;");
    dbm.getSpec().approvalSeverity = PlanSeverity.Error;
    kube.client().resource(dbm).create();

    DatabaseMigration done = awaitPhase(MigrationPhase.Succeeded);

    assertThat(done.getStatus().message)
        .contains("highest warning, none at or above error that asks for approval");
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'remark'"))
        .isEqualTo(1);
  }

  @Test
  void aRoleThatCannotCreateTheScratchDatabaseWaitsForApprovalSayingWhy() {
    String role = roles.create("nocreatedb", "NOCREATEDB");
    pg.execute("ALTER TABLE orders OWNER TO \"" + role + "\"");
    kube.client().resource(secret("app-db", pg.jdbcUrl(), role, TestRoles.PASSWORD)).create();
    kube.client()
        .resource(onRisk("app-db", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;"))
        .create();

    DatabaseMigration waiting = awaitPhase(MigrationPhase.WaitingForApproval);

    var plan = waiting.getStatus().plan;
    assertThat(plan.measured).isFalse();
    assertThat(plan.notMeasured).contains(role).contains("CREATEDB");
    assertThat(plan.findings).isEmpty();
    assertThat(plan.scripts).extracting(s -> s.script).containsExactly("V1__orders.sql");
    assertThat(waiting.getStatus().message)
        .contains("plan not measured")
        .contains("unknown risk needs approval");
    assertThat(kube.eventsFor(waiting))
        .filteredOn(e -> "PlanNotMeasured".equals(e.getReason()))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("CREATEDB");
            });
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'orders' AND column_name = 'shipped_at'"))
        .as("nothing applied")
        .isZero();
  }

  @Test
  void planDatabaseNamesAServerWhereTheScratchDatabaseCanBeCreated() {
    String role = roles.create("nocreatedb", "NOCREATEDB");
    pg.execute("ALTER TABLE orders OWNER TO \"" + role + "\"");
    kube.client().resource(secret("app-db", pg.jdbcUrl(), role, TestRoles.PASSWORD)).create();
    kube.client().resource(secret("plan-server", pg.jdbcUrl(), pg.user(), "pw")).create();
    DatabaseMigration dbm =
        onRisk("app-db", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;");
    dbm.getSpec().planDatabase = new DatabaseRef("plan-server");
    kube.client().resource(dbm).create();

    DatabaseMigration done = awaitPhase(MigrationPhase.Succeeded);

    assertThat(done.getStatus().message).contains("plan measured: no findings");
    assertThat(kube.eventsFor(done)).extracting(Event::getReason).doesNotContain("PlanNotMeasured");
  }

  @Test
  void validateOnlyWithoutCreatedbShowsThePlanUnmeasuredSayingWhy() {
    String role = roles.create("nocreatedb", "NOCREATEDB");
    kube.client().resource(secret("app-db", pg.jdbcUrl(), role, TestRoles.PASSWORD)).create();
    DatabaseMigration dbm =
        onRisk("app-db", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;");
    dbm.getSpec().approval = null;
    dbm.getSpec().validateOnly = true;
    kube.client().resource(dbm).create();

    DatabaseMigration planned = awaitPhase(MigrationPhase.Planned);

    assertThat(planned.getStatus().plan.measured).isFalse();
    assertThat(planned.getStatus().plan.notMeasured).contains("CREATEDB");
    assertThat(planned.getStatus().pending).containsExactly("1");
    assertThat(planned.getStatus().message).contains("plan not measured").doesNotContain("OnRisk");
    assertThat(kube.eventsFor(planned)).extracting(Event::getReason).contains("PlanNotMeasured");
  }

  private DatabaseMigration awaitPhase(MigrationPhase phase) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                kube.client()
                    .resources(DatabaseMigration.class)
                    .inNamespace(NAMESPACE)
                    .withName("app")
                    .get(),
            r -> r != null && r.getStatus() != null && r.getStatus().phase == phase);
  }

  /** A merge patch, as {@code kubectl annotate} sends. */
  private void annotate(String key, String value) {
    kube.client()
        .resources(DatabaseMigration.class)
        .inNamespace(NAMESPACE)
        .withName("app")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }
}
