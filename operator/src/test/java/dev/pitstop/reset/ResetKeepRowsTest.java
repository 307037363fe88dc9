package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** preserveRows: kept rows survive with everything they reference, and constraints still hold. */
class ResetKeepRowsTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName())
        .fieldNames(f -> "spec." + f)
        .preserveTables(List.of("payload_*", "preferences"));
  }

  private ResetEngine engine() {
    return new ResetEngine(pg.dataSource());
  }

  @Test
  void keptRowsSurviveWithEveryRowTheyReferenceTransitively() {
    // Enrollment 7: user 8, course 2 (category 3 'Algebra' → parent category 1, teacher 5).
    // Enrollment 8: user 9, course 3 (category 1, teacher 6).
    ResetResult result =
        engine().reset(request().preserveRows("enrollments", "id IN (7, 8)").build());

    assertThat(pg.queryStrings("SELECT id::text FROM enrollments ORDER BY id"))
        .containsExactly("7", "8");
    assertThat(pg.queryStrings("SELECT id::text FROM courses ORDER BY id"))
        .containsExactly("2", "3");
    assertThat(pg.queryStrings("SELECT id::text FROM users ORDER BY id"))
        .containsExactly("5", "6", "8", "9");
    assertThat(pg.queryStrings("SELECT id::text FROM categories ORDER BY id"))
        .as("category 3 and, through the self-reference, its parent 1")
        .containsExactly("1", "3");
    assertThat(pg.rowCount("submissions")).as("children of kept rows are not kept").isZero();
    assertThat(result.tables())
        .extracting(ResetResult.TableResult::name, ResetResult.TableResult::rowsKept)
        .contains(
            org.assertj.core.groups.Tuple.tuple("public.enrollments", 2L),
            org.assertj.core.groups.Tuple.tuple("public.users", 4L),
            org.assertj.core.groups.Tuple.tuple("public.categories", 2L));
    assertThat(result.rowsDeleted()).isEqualTo(300 + 118 + 4 + 1 + 46);
  }

  @Test
  void aWhereWithCommentsKeepsTheRowsItSelects() {
    engine()
        .reset(
            request()
                .preserveRows("enrollments", "/* the demo pair */ id IN (7, 8) -- not 9")
                .build());

    assertThat(pg.queryStrings("SELECT id::text FROM enrollments ORDER BY id"))
        .containsExactly("7", "8");
  }

  @Test
  void keptRowsOfSeveralEntriesAndADryRunCountsThem() {
    ResetRequest request =
        request()
            .preserveRows("users", "role = 'admin'")
            .preserveRows("public.courses", "courses.title = 'Course 6'")
            .build();

    ResetPlan plan = engine().plan(request);

    assertThat(plan.tables())
        .filteredOn(t -> t.name().equals("public.users"))
        .extracting(ResetPlan.PlannedTable::rows, ResetPlan.PlannedTable::keptRows)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(50L, 3L));
    assertThat(pg.rowCount("users")).isEqualTo(50);

    engine().reset(request);
    assertThat(pg.queryStrings("SELECT email FROM users ORDER BY id"))
        .containsExactly("user1@school.test", "user2@school.test", "user9@school.test");
    assertThat(pg.queryStrings("SELECT title FROM courses")).containsExactly("Course 6");
  }

  @Test
  void sequencesOfTablesWithKeptRowsContinueAfterTheHighestKeptValue() {
    engine()
        .reset(
            request()
                .preserveRows("users", "role = 'admin'")
                .seeds(
                    List.of(
                        new SeedScript(
                            "01-users.sql",
                            "INSERT INTO users (email) VALUES ('new@school.test');")))
                .build());

    assertThat(pg.queryLong("SELECT id FROM users WHERE email = 'new@school.test'")).isEqualTo(3);
    assertThat(pg.queryLong("SELECT nextval('courses_id_seq')")).isEqualTo(1);
  }

  @Test
  void keptRowsWorkWithTruncateToo() {
    ResetResult result =
        engine()
            .reset(
                request()
                    .strategy(DeletionStrategy.TRUNCATE)
                    .preserveRows("courses", "id = 3")
                    .build());

    assertThat(result.plan().tables())
        .extracting(ResetPlan.PlannedTable::name, ResetPlan.PlannedTable::truncated)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("public.submissions", true),
            org.assertj.core.groups.Tuple.tuple("public.enrollments", true),
            org.assertj.core.groups.Tuple.tuple("public.courses", false),
            org.assertj.core.groups.Tuple.tuple("public.categories", false),
            org.assertj.core.groups.Tuple.tuple("public.users", false));
    assertThat(result.plan().warnings()).anyMatch(w -> w.startsWith("3 table(s) keep rows"));
    assertThat(pg.queryLong("SELECT count(*) FROM courses WHERE id = 3")).isEqualTo(1);
    assertThat(pg.rowCount("courses")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(1);
    assertThat(pg.rowCount("enrollments")).isZero();
  }

  @Test
  void expressionTheServerRejectsIsRefusedNamingTheFieldAndNothingChanges() {
    String before = LearningSchema.snapshot(pg);

    for (String where : List.of("rank = 'admin'", "email", "role = 'admin' AND nope()")) {
      ResetException e =
          catchThrowableOfType(
              ResetException.class,
              () -> engine().reset(request().preserveRows("users", where).build()));
      assertThat(e.code()).as(where).isEqualTo(ResetErrorCode.INVALID_WHERE);
      assertThat(e.subject()).isEqualTo("spec.preserveRows[0].where");
      assertThat(e.getMessage())
          .startsWith("spec.preserveRows[0].where is not a valid condition on public.users");
    }
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void expressionThatWritesIsRefusedByTheReadOnlyTrialRun() {
    pg.execute(
        "CREATE FUNCTION sneaky() RETURNS boolean LANGUAGE sql AS"
            + " $$ INSERT INTO preferences VALUES ('owned', 'yes') RETURNING true $$;");

    ResetException e =
        catchThrowableOfType(
            ResetException.class,
            () -> engine().reset(request().preserveRows("users", "sneaky()").build()));

    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_WHERE);
    assertThat(e.getMessage()).contains("read-only transaction");
    assertThat(pg.rowCount("preferences")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(50);
  }

  @Test
  void tableThatIsNotInTheSchemasIsRefused() {
    ResetException e =
        catchThrowableOfType(
            ResetException.class,
            () -> engine().reset(request().preserveRows("teachers", "true").build()));

    assertThat(e.code()).isEqualTo(ResetErrorCode.TABLE_NOT_FOUND);
    assertThat(e.getMessage())
        .isEqualTo(
            "spec.preserveRows[0].table names teachers, which is not a table in schemas public;"
                + " nothing was changed.");
  }

  @Test
  void rowsOfAPreservedTableAreAllKeptWithAWarning() {
    ResetPlan plan =
        engine().plan(request().preserveRows("payload_jobs", "kind = 'email'").build());

    assertThat(plan.warnings())
        .contains(
            "spec.preserveRows[0] names public.payload_jobs, which is preserved: all its rows are"
                + " kept.");
  }
}
