package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Deleting without PostgreSQL's per-row foreign-key checks where they can only find nothing: when
 * it applies, when it does not, and that a row inserted meanwhile still fails the reset.
 */
class ResetForeignKeyChecksTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final String role =
      "pitstop_resetter_"
          + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xFFFFF));

  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
  }

  @AfterEach
  void dropRole() {
    pg.execute("REASSIGN OWNED BY " + role + " TO CURRENT_USER");
    pg.execute("DROP OWNED BY " + role);
    pg.execute("DROP ROLE " + role);
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName())
        .preserveTables(List.of("payload_*", "preferences"));
  }

  private static List<String> unchecked(ResetPlan plan) {
    return plan.tables().stream()
        .filter(ResetPlan.PlannedTable::checksSkipped)
        .map(ResetPlan.PlannedTable::name)
        .toList();
  }

  @Test
  void parentsWhoseChildrenAreEmptiedFirstSkipTheirChecks() {
    pg.execute("CREATE ROLE " + role); // so that the cleanup has something to drop

    ResetPlan plan = new ResetEngine(pg.dataSource()).plan(request().build());

    assertThat(unchecked(plan))
        .containsExactly(
            "public.submissions",
            "public.enrollments",
            "public.courses",
            "public.categories",
            "public.users");
    new ResetEngine(pg.dataSource()).reset(request().build());
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void tablesWithUserTriggersOrKeptRowsKeepTheirChecks() {
    pg.execute("CREATE ROLE " + role);
    pg.execute(
        "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$;"
            + " CREATE TRIGGER courses_audit BEFORE DELETE ON courses"
            + " FOR EACH ROW EXECUTE FUNCTION audit();");

    ResetPlan plan =
        new ResetEngine(pg.dataSource())
            .plan(request().preserveRows("users", "role = 'admin'").build());

    assertThat(unchecked(plan))
        .containsExactly("public.submissions", "public.enrollments", "public.categories");
  }

  @Test
  void roleThatMayNotSkipTriggersResetsWithEveryCheckAndMayWhenGranted() throws SQLException {
    pg.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'resetter-pw'");
    pg.execute(
        "DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables"
            + " WHERE schemaname = 'public' LOOP"
            + " EXECUTE format('ALTER TABLE %I OWNER TO %I', t.tablename, '"
            + role
            + "'); END LOOP; END $$");
    DataSource asRole = dataSourceAs(role, "resetter-pw");

    ResetPlan plain = new ResetEngine(asRole).plan(request().build());
    assertThat(unchecked(plain)).isEmpty();

    pg.execute("GRANT SET ON PARAMETER session_replication_role TO " + role);
    ResetPlan granted = new ResetEngine(asRole).plan(request().build());
    assertThat(unchecked(granted)).contains("public.users");

    pg.execute("REVOKE SET ON PARAMETER session_replication_role FROM " + role);
    new ResetEngine(asRole).reset(request().build());
    assertThat(pg.rowCount("users")).isZero();
    assertThat(pg.rowCount("flyway_schema_history")).isEqualTo(1);
  }

  @Test
  void rowInsertedMeanwhileReferencingADeletedRowFailsTheResetEvenWithoutChecks() {
    pg.execute("CREATE ROLE " + role);
    pg.execute(
        "CREATE TABLE notes (id bigserial PRIMARY KEY, user_id bigint REFERENCES users);"
            + " INSERT INTO notes (user_id) VALUES (1), (2);");
    String before = LearningSchema.snapshot(pg);
    ResetListener insertsWhenUsersAreNext =
        new ResetListener() {
          @Override
          public void onProgress(ResetProgress progress) {
            if ("public.users".equals(progress.table())) {
              // Another session, committed: notes is already emptied, users not yet.
              pg.execute("INSERT INTO notes (user_id) VALUES (5)");
            }
          }
        };

    ResetException e =
        catchThrowableOfType(
            ResetException.class,
            () ->
                new ResetEngine(pg.dataSource()).reset(request().build(), insertsWhenUsersAreNext));

    assertThat(e.code()).isEqualTo(ResetErrorCode.DELETE_FAILED);
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage())
        .startsWith(
            "A row of public.notes referencing public.users (public.notes_user_id_fkey) was"
                + " inserted by another session");
    pg.execute("DELETE FROM notes WHERE id > 2");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  private DataSource dataSourceAs(String user, String password) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(pg.jdbcUrl());
    dataSource.setUser(user);
    dataSource.setPassword(password);
    return dataSource;
  }

  static void run(DataSource dataSource, String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
