package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * User triggers during a reset ({@code triggers: keep | disable}) and how they meet the foreign-key
 * shortcut, which runs deletes in replica mode: only DELETE triggers matter to it, and replica-only
 * triggers never fire because of it.
 */
class ResetUserTriggersTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  /** The learning schema, and a preserved trigger_log that {@code log_op()} writes into. */
  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
    pg.execute(
        """
        CREATE TABLE trigger_log (tbl text, op text);
        CREATE FUNCTION log_op() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO trigger_log VALUES (TG_TABLE_NAME, TG_OP);
          RETURN coalesce(NEW, OLD);
        END $$;
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO trigger_log VALUES (TG_TABLE_NAME, 'touch');
          RETURN NEW;
        END $$;
        """);
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName())
        .preserveTables(List.of("payload_*", "preferences", "trigger_log"));
  }

  private static List<String> unchecked(ResetPlan plan) {
    return plan.tables().stream()
        .filter(ResetPlan.PlannedTable::checksSkipped)
        .map(ResetPlan.PlannedTable::name)
        .toList();
  }

  private List<String> log() {
    return pg.queryStrings("SELECT tbl || ' ' || op FROM trigger_log ORDER BY 1");
  }

  @Test
  void updateOnlyTriggersLeaveTheForeignKeyShortcutInPlace() {
    pg.execute(
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();"
            + " CREATE TRIGGER courses_touch BEFORE UPDATE ON courses"
            + " FOR EACH ROW EXECUTE FUNCTION touch();");

    ResetPlan plan = new ResetEngine(pg.dataSource()).plan(request().build());

    assertThat(unchecked(plan)).contains("public.courses", "public.users");
    new ResetEngine(pg.dataSource()).reset(request().build());
    assertThat(pg.rowCount("users") + pg.rowCount("courses")).isZero();
    assertThat(log()).isEmpty();
  }

  @Test
  void keepFiresDeleteTriggersAsUsualAndNeverAReplicaOnlyOne() {
    pg.execute(
        "CREATE TRIGGER courses_log AFTER DELETE ON courses FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " CREATE TRIGGER users_replica AFTER DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " ALTER TABLE users ENABLE REPLICA TRIGGER users_replica;"
            + " CREATE TRIGGER categories_always AFTER DELETE ON categories"
            + " FOR EACH STATEMENT EXECUTE FUNCTION log_op();"
            + " ALTER TABLE categories ENABLE ALWAYS TRIGGER categories_always;");

    ResetResult result = new ResetEngine(pg.dataSource()).reset(request().build());

    assertThat(unchecked(result.plan()))
        .as(
            "replica mode would skip courses_log and fire users_replica; categories_always fires"
                + " either way")
        .doesNotContain("public.courses", "public.users")
        .contains("public.categories");
    assertThat(log())
        .containsExactly(
            "categories DELETE",
            "courses DELETE",
            "courses DELETE",
            "courses DELETE",
            "courses DELETE",
            "courses DELETE",
            "courses DELETE");
    assertThat(pg.rowCount("users")).isZero();
  }

  /**
   * Delete triggers of every kind: origin on courses (deleted in replica mode by a superuser),
   * origin on users (keeps rows, so deleted normally), always on categories, replica on
   * enrollments; all of them also fire on INSERT, which the seed does.
   */
  private void everyKindOfTrigger() {
    pg.execute(
        "CREATE TRIGGER courses_log AFTER INSERT OR DELETE ON courses"
            + " FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " CREATE TRIGGER users_log AFTER INSERT OR DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " CREATE TRIGGER categories_always AFTER INSERT OR DELETE ON categories"
            + " FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " ALTER TABLE categories ENABLE ALWAYS TRIGGER categories_always;"
            + " CREATE TRIGGER enrollments_replica AFTER INSERT OR DELETE ON enrollments"
            + " FOR EACH ROW EXECUTE FUNCTION log_op();"
            + " ALTER TABLE enrollments ENABLE REPLICA TRIGGER enrollments_replica;");
  }

  private ResetRequest disableWithSeed() {
    return request()
        .preserveRows("users", "role = 'admin'")
        .triggers(TriggerMode.DISABLE)
        .seeds(
            List.of(
                new SeedScript(
                    "01.sql",
                    "INSERT INTO categories (name) VALUES ('seeded');"
                        + " INSERT INTO users (email) VALUES ('seeded@school.test');")))
        .build();
  }

  private List<String> triggerStates() {
    return pg.queryStrings(
        "SELECT tgname || '=' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1");
  }

  @Test
  void disableKeepsEveryUserTriggerSilentWhileEmptyingAndOnForTheSeeds() {
    everyKindOfTrigger();
    List<String> states = triggerStates();

    ResetResult result = new ResetEngine(pg.dataSource()).reset(disableWithSeed());

    assertThat(unchecked(result.plan())).contains("public.courses").doesNotContain("public.users");
    assertThat(log()).containsExactly("categories INSERT", "users INSERT");
    assertThat(triggerStates()).isEqualTo(states);
    assertThat(pg.rowCount("courses") + pg.rowCount("enrollments")).isZero();
    assertThat(pg.rowCount("users")).isEqualTo(3);
  }

  @Test
  void disableByTheTablesOwnerWithoutSuperuserDisablesTheTriggersInTheTransaction() {
    everyKindOfTrigger();
    List<String> states = triggerStates();
    String owner = roles.create("owner", "");
    pg.execute(
        "DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables"
            + " WHERE schemaname = 'public' LOOP"
            + " EXECUTE format('ALTER TABLE %I OWNER TO %I', t.tablename, '"
            + owner
            + "'); END LOOP; END $$");

    ResetResult result = new ResetEngine(as(owner)).reset(disableWithSeed());

    assertThat(unchecked(result.plan())).isEmpty();
    assertThat(log()).containsExactly("categories INSERT", "users INSERT");
    assertThat(triggerStates()).isEqualTo(states);
    assertThat(pg.rowCount("courses")).isZero();
  }

  @Test
  void disableByARoleThatMayNeitherSkipNorDisableATriggerIsRefusedNamingIt() {
    pg.execute(
        "CREATE TRIGGER courses_log AFTER DELETE ON courses FOR EACH ROW EXECUTE FUNCTION log_op()");
    String app = roles.create("app", "");
    pg.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "
            + app
            + "; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "
            + app);
    String before = LearningSchema.snapshot(pg);
    ResetRequest disable = request().triggers(TriggerMode.DISABLE).build();

    ResetException e =
        catchThrowableOfType(ResetException.class, () -> new ResetEngine(as(app)).reset(disable));

    assertThat(e.code()).isEqualTo(ResetErrorCode.TRIGGERS_NOT_DISABLED);
    assertThat(e.subject()).isEqualTo("public.courses");
    assertThat(e.getMessage())
        .startsWith(
            "triggers is disable, but the role may not disable trigger courses_log on"
                + " public.courses (enabled), which would fire while the reset empties the"
                + " tables:")
        .endsWith("nothing was deleted.");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
    assertThat(
            catchThrowableOfType(ResetException.class, () -> new ResetEngine(as(app)).plan(disable))
                .code())
        .as("a dry run says the same")
        .isEqualTo(ResetErrorCode.TRIGGERS_NOT_DISABLED);

    new ResetEngine(as(app)).reset(request().build());
    assertThat(log()).hasSize(6);
  }

  @Test
  void truncateFiresTruncateTriggersUnderKeepAndNotUnderDisable() {
    pg.execute(
        "CREATE TRIGGER enrollments_truncate AFTER TRUNCATE ON enrollments"
            + " FOR EACH STATEMENT EXECUTE FUNCTION log_op()");
    ResetRequest.Builder truncate = request().strategy(DeletionStrategy.TRUNCATE);

    new ResetEngine(pg.dataSource()).reset(truncate.triggers(TriggerMode.DISABLE).build());

    assertThat(log()).isEmpty();
    assertThat(pg.rowCount("enrollments")).isZero();
    assertThat(triggerStates()).containsExactly("enrollments_truncate=O");

    pg.execute("INSERT INTO users (email) VALUES ('again@school.test')");
    new ResetEngine(pg.dataSource()).reset(truncate.triggers(TriggerMode.KEEP).build());

    assertThat(log()).containsExactly("enrollments TRUNCATE");
  }

  private DataSource as(String role) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(pg.jdbcUrl());
    dataSource.setUser(role);
    dataSource.setPassword(TestRoles.PASSWORD);
    return dataSource;
  }
}
