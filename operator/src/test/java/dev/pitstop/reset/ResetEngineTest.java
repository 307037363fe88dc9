package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.reset.ResetPlan.PlannedTable;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.testing.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine against a real PostgreSQL: what is emptied, what is kept, and all-or-nothing. */
class ResetEngineTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName()).preserveTables(List.of("payload_*"));
  }

  private ResetEngine engine() {
    return new ResetEngine(pg.dataSource());
  }

  private ResetException fails(ResetRequest request) {
    return catchThrowableOfType(ResetException.class, () -> engine().reset(request));
  }

  /**
   * A window that blocked a role records its original connection limit in pitstop_blocked_roles; a
   * reset gated by that window must not empty it, or the limit could not be put back.
   */
  @Test
  void keepsTheRolesAWindowBlockedWithTheirOriginalLimits() {
    pg.execute(
        "CREATE TABLE pitstop_blocked_roles (role text NOT NULL, holder text NOT NULL,"
            + " original_connection_limit integer NOT NULL,"
            + " blocked_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (role, holder));"
            + " INSERT INTO pitstop_blocked_roles (role, holder, original_connection_limit)"
            + " VALUES ('app', 'shop/nightly', 7)");

    ResetResult result = engine().reset(request().build());

    assertThat(pg.rowCount("pitstop_blocked_roles")).isEqualTo(1);
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name)
        .contains("public.pitstop_blocked_roles");
  }

  @Test
  void keepsTheMaintenanceModeAndItsHoldersDuringAWindow() {
    // A reset gated by a window runs while the window holds the mode.
    new MaintenanceEngine(pg.dataSource())
        .hold(
            SqlIdentifiers.qualified("pitstop_maintenance_mode"),
            "shop/nightly",
            Mode.MAINTENANCE,
            null);

    ResetResult result = engine().reset(request().build());

    assertThat(pg.queryStrings("SELECT holder FROM pitstop_maintenance_mode_holders"))
        .containsExactly("shop/nightly");
    assertThat(pg.queryStrings("SELECT mode FROM pitstop_maintenance_mode"))
        .containsExactly("maintenance");
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name)
        .contains("public.pitstop_maintenance_mode", "public.pitstop_maintenance_mode_holders");
  }

  @Test
  void emptiesUserTablesChildrenFirstAndKeepsSystemAndPreservedTables() {
    List<ResetProgress> progress = new ArrayList<>();
    ResetResult result =
        engine()
            .reset(
                request().preserveTables(List.of("preferences")).build(),
                new ResetListener() {
                  @Override
                  public void onProgress(ResetProgress p) {
                    progress.add(p);
                  }
                });

    assertThat(result.plan().order())
        .containsExactly(
            "public.submissions",
            "public.enrollments",
            "public.courses",
            "public.categories",
            "public.users");
    for (String table : List.of("submissions", "enrollments", "courses", "categories", "users")) {
      assertThat(pg.rowCount(table)).as(table).isZero();
    }
    assertThat(result.rowsDeleted()).isEqualTo(300 + 120 + 6 + 3 + 50);
    assertThat(result.tables())
        .extracting(ResetResult.TableResult::rowsDeleted)
        .containsExactly(300L, 120L, 6L, 3L, 50L);
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(1);
    assertThat(pg.rowCount("app_migrations")).as("history-shaped table").isEqualTo(1);
    assertThat(pg.rowCount("schema_migrations")).isEqualTo(1);
    assertThat(pg.rowCount("payload_jobs")).isEqualTo(2);
    assertThat(pg.rowCount("payload_jobs_log")).isEqualTo(2);
    assertThat(pg.rowCount("preferences")).isEqualTo(1);
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name, ResetPlan.PreservedTable::reason)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "public.flyway_schema_history", "Flyway schema history"),
            org.assertj.core.groups.Tuple.tuple(
                "public.app_migrations", "schema history (Flyway columns)"),
            org.assertj.core.groups.Tuple.tuple(
                "public.payload_jobs_log", "preserveTables[0] (payload_*)"),
            org.assertj.core.groups.Tuple.tuple(
                "public.preferences", "preserveTables[1] (preferences)"));
    assertThat(progress)
        .filteredOn(p -> p.stage() == ResetProgress.Stage.EMPTYING && p.table() != null)
        .extracting(ResetProgress::table, ResetProgress::tablesDone, ResetProgress::rowsDeleted)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("public.submissions", 0, 0L),
            org.assertj.core.groups.Tuple.tuple("public.enrollments", 1, 300L),
            org.assertj.core.groups.Tuple.tuple("public.courses", 2, 420L),
            org.assertj.core.groups.Tuple.tuple("public.categories", 3, 426L),
            org.assertj.core.groups.Tuple.tuple("public.users", 4, 429L));
    assertThat(progress).filteredOn(p -> p.stage() == ResetProgress.Stage.SEEDING).isEmpty();
  }

  @Test
  void sequencesRestartSoSeedsGetTheSameIdsEveryTime() {
    ResetRequest request =
        request()
            .seeds(
                List.of(
                    new SeedScript(
                        "02-courses.sql",
                        "INSERT INTO courses (category_id, title) VALUES (1, 'Algebra I');"),
                    new SeedScript(
                        "01-base.sql",
                        "INSERT INTO categories (name) VALUES ('Maths');\n"
                            + "INSERT INTO users (email) VALUES ('a@school.test'),"
                            + " ('b@school.test');\n"
                            + "INSERT INTO enrollments (user_id, course_id)"
                            + " SELECT 1, 1 WHERE false;")))
            .build();

    ResetResult first = engine().reset(request);
    List<String> afterFirst = pg.queryStrings("SELECT id || email FROM users ORDER BY id");
    engine().reset(request);

    assertThat(first.seeds()).containsExactly("01-base.sql", "02-courses.sql");
    assertThat(first.plan().sequences())
        .contains("public.users_id_seq", "public.submissions_id_seq");
    assertThat(pg.queryStrings("SELECT id || email FROM users ORDER BY id"))
        .containsExactly("1a@school.test", "2b@school.test")
        .isEqualTo(afterFirst);
    assertThat(pg.queryLong("SELECT id FROM courses")).isEqualTo(1);
    pg.execute("INSERT INTO submissions (enrollment_id) SELECT 1 WHERE false");
    assertThat(pg.queryLong("SELECT nextval('submissions_id_seq')"))
        .as("identity column restarted too")
        .isEqualTo(1);
  }

  @Test
  void failingTriggerMidResetLeavesEveryRowAndSequenceInPlace() {
    pg.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'courses are archived, not deleted'; END $$;"
            + " CREATE TRIGGER courses_refuse BEFORE DELETE ON courses"
            + " FOR EACH ROW EXECUTE FUNCTION refuse();");
    String before = LearningSchema.snapshot(pg);
    long usersSequence = pg.queryLong("SELECT last_value FROM users_id_seq");

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.DELETE_FAILED);
    assertThat(e.subject()).isEqualTo("public.courses");
    assertThat(e.isTransient()).isFalse();
    assertThat(e.failure().table()).isEqualTo("public.courses");
    assertThat(e.failure().sqlState()).isEqualTo("P0001");
    assertThat(e.getMessage())
        .isEqualTo(
            "Emptying public.courses failed: courses are archived, not deleted (SQLSTATE"
                + " P0001); the reset was rolled back and nothing changed.");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
    assertThat(pg.rowCount("submissions")).as("emptied before courses, rolled back").isEqualTo(300);
    assertThat(pg.queryLong("SELECT last_value FROM users_id_seq")).isEqualTo(usersSequence);
  }

  @Test
  void failingSeedRollsBackTheDeletesAndNamesTheFileAndLine() {
    String before = LearningSchema.snapshot(pg);
    long sequence = pg.queryLong("SELECT last_value FROM users_id_seq");

    ResetException e =
        fails(
            request()
                .seeds(
                    List.of(
                        new SeedScript("01-users.sql", "INSERT INTO users (email) VALUES ('a');"),
                        new SeedScript(
                            "02-courses.sql",
                            "-- courses\n\nINSERT INTO courses (title) VALUES ('no category');")))
                .build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.SEED_FAILED);
    assertThat(e.subject()).isEqualTo("02-courses.sql");
    assertThat(e.failure().line()).isEqualTo(3);
    assertThat(e.failure().sqlState()).isEqualTo("23502");
    assertThat(e.getMessage()).startsWith("Seed 02-courses.sql failed at line 3: ");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
    assertThat(pg.queryLong("SELECT last_value FROM users_id_seq"))
        .as("restarted and advanced by the first seed, then rolled back")
        .isEqualTo(sequence);
  }

  @Test
  void wrongDatabaseNameIsRefusedAndNothingIsTouched() {
    String before = LearningSchema.snapshot(pg);

    ResetException e =
        fails(
            ResetRequest.builder("production")
                .fieldNames(f -> "spec." + f)
                .seeds(List.of(new SeedScript("01.sql", "INSERT INTO preferences VALUES ('x');")))
                .build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.WRONG_DATABASE);
    assertThat(e.subject()).isEqualTo("spec.confirmDatabaseName");
    assertThat(e.getMessage())
        .isEqualTo(
            "spec.confirmDatabaseName is 'production', but the connection is to database '"
                + pg.databaseName()
                + "'; nothing was touched.");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
    assertThat(
            catchThrowableOfType(
                    ResetException.class,
                    () -> engine().plan(ResetRequest.builder("production").build()))
                .code())
        .isEqualTo(ResetErrorCode.WRONG_DATABASE);
  }

  @Test
  void planCountsRowsAndDeletesNothing() {
    String before = LearningSchema.snapshot(pg);

    ResetPlan plan =
        engine()
            .plan(
                request()
                    .seeds(List.of(new SeedScript("01.sql", "SELECT 1;")))
                    .preserveTables(List.of("nothing_like_this_*"))
                    .build());

    assertThat(plan.database()).isEqualTo(pg.databaseName());
    assertThat(plan.tables())
        .extracting(PlannedTable::name, PlannedTable::rows)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("public.preferences", 1L),
            org.assertj.core.groups.Tuple.tuple("public.submissions", 300L),
            org.assertj.core.groups.Tuple.tuple("public.enrollments", 120L),
            org.assertj.core.groups.Tuple.tuple("public.courses", 6L),
            org.assertj.core.groups.Tuple.tuple("public.categories", 3L),
            org.assertj.core.groups.Tuple.tuple("public.users", 50L));
    assertThat(plan.seeds()).containsExactly("01.sql");
    assertThat(plan.warnings())
        .containsExactly("preserveTables[1] (nothing_like_this_*) matches no table.");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void unknownSchemaIsRefusedNamingTheEntry() {
    ResetException e = fails(request().schemas(List.of("public", "sales")).build());
    assertThat(e.code()).isEqualTo(ResetErrorCode.SCHEMA_NOT_FOUND);
    assertThat(e.subject()).isEqualTo("schemas[1]");
    assertThat(e.getMessage())
        .isEqualTo("schemas[1] names schema sales, which does not exist; nothing was changed.");
  }

  @Test
  void partitionedTablesAreEmptiedWithTheirPartitions() {
    pg.execute(
        "CREATE TABLE activity (id bigint, at date NOT NULL, user_id bigint REFERENCES users)"
            + " PARTITION BY RANGE (at);"
            + " CREATE TABLE activity_2024 PARTITION OF activity"
            + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
            + " CREATE TABLE activity_2025 PARTITION OF activity"
            + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
            + " INSERT INTO activity SELECT g, DATE '2024-06-01' + g, 1 + g % 50"
            + " FROM generate_series(1, 400) g;");

    ResetResult result = engine().reset(request().build());

    assertThat(result.plan().order())
        .contains("public.activity")
        .doesNotContain("public.activity_2024");
    assertThat(result.plan().order().indexOf("public.activity"))
        .isLessThan(result.plan().order().indexOf("public.users"));
    assertThat(pg.rowCount("activity")).isZero();
    assertThat(result.tables())
        .filteredOn(t -> t.name().equals("public.activity"))
        .extracting(ResetResult.TableResult::rowsDeleted)
        .containsExactly(400L);
  }

  @Test
  void secondResetOfTheSameDatabaseWaitsForNoOneAndIsRefused() throws Exception {
    try (var holder = pg.dataSource().getConnection();
        var statement = holder.createStatement()) {
      holder.setAutoCommit(false);
      statement.execute("SELECT pg_advisory_xact_lock(" + ResetLock.KEY + ")");
      String before = LearningSchema.snapshot(pg);

      ResetException e = fails(request().build());

      assertThat(e.code()).isEqualTo(ResetErrorCode.RESET_LOCKED);
      assertThat(e.isTransient()).isTrue();
      assertThat(e.getMessage())
          .startsWith("Another reset of database " + pg.databaseName() + " is running (pid ");
      assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
      holder.rollback();
    }
    engine().reset(request().build());
    assertThat(pg.rowCount("users")).isZero();
  }
}
