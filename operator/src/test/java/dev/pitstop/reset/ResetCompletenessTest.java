package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reset whose statements all succeed but that leaves rows behind, or deletes kept rows, fails and
 * changes nothing.
 */
class ResetCompletenessTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @BeforeEach
  void schema() {
    LearningSchema.create(pg);
  }

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName()).preserveTables(List.of("payload_*"));
  }

  private ResetException fails(ResetRequest request) {
    return catchThrowableOfType(
        ResetException.class, () -> new ResetEngine(pg.dataSource()).reset(request));
  }

  /** The reset, failing, while another session runs {@code sql} as public.users is emptied. */
  private ResetException failsWhileAnotherSessionRuns(String sql) {
    ResetListener midway =
        new ResetListener() {
          @Override
          public void onProgress(ResetProgress p) {
            if ("public.users".equals(p.table())) {
              pg.execute(sql);
            }
          }
        };
    return catchThrowableOfType(
        ResetException.class,
        () -> new ResetEngine(pg.dataSource()).reset(request().build(), midway));
  }

  @Test
  void whatAnEarlierTransactionOfAPooledSessionDidToAKeptTableIsNotTheResets() throws Exception {
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setDataSource(pg.dataSource());
    config.setMaximumPoolSize(1);
    try (com.zaxxer.hikari.HikariDataSource session =
        new com.zaxxer.hikari.HikariDataSource(config)) {
      // the operator's pooled session did other work on a kept table just before (a session's
      // statistics add up over its transactions until it reports them, when idle)
      try (java.sql.Connection c = session.getConnection();
          java.sql.Statement s = c.createStatement()) {
        s.execute("INSERT INTO preferences VALUES ('a', '1'), ('b', '2')");
        s.execute("DELETE FROM preferences WHERE key = 'a'");
        s.execute("UPDATE preferences SET value = '3' WHERE key = 'b'");
      }

      ResetResult result =
          new ResetEngine(session)
              .reset(request().preserveTables(List.of("payload_*", "preferences")).build());

      assertThat(result.tables()).isNotEmpty();
      assertThat(pg.queryStrings("SELECT key || '=' || value FROM preferences"))
          .containsExactlyInAnyOrder("theme=dark", "b=3");
    }
  }

  @Test
  void softDeleteTriggerLeavesRowsSoTheResetFailsNamingTheTable() {
    pg.execute(
        "ALTER TABLE users ADD COLUMN deleted_at timestamptz;"
            + " CREATE FUNCTION soft_delete() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN UPDATE users SET deleted_at = now() WHERE id = OLD.id; RETURN NULL; END"
            + " $$; CREATE TRIGGER users_soft_delete BEFORE DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION soft_delete();");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.users");
    assertThat(e.failure().table()).isEqualTo("public.users");
    assertThat(e.getMessage())
        .contains("public.users still has 50 row(s)")
        .contains("BEFORE DELETE trigger(s) users_soft_delete")
        .endsWith("The reset was rolled back and nothing changed.");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
    assertThat(pg.queryLong("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL")).isZero();
  }

  @Test
  void doInsteadNothingRuleLeavesRowsSoTheResetFails() {
    pg.execute("CREATE RULE categories_keep AS ON DELETE TO categories DO INSTEAD NOTHING");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.categories");
    assertThat(e.getMessage())
        .contains("public.categories still has 3 row(s)")
        .contains("DO INSTEAD rule(s) categories_keep");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void triggerWritingIntoATableEmptiedEarlierFailsNamingThatTable() {
    pg.execute(
        "CREATE TABLE activity (id bigserial PRIMARY KEY, note text);"
            + " INSERT INTO activity (note) VALUES ('old');"
            + " CREATE FUNCTION log_user() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN INSERT INTO activity (note) VALUES ('deleted ' || OLD.email);"
            + " RETURN OLD; END $$;"
            + " CREATE TRIGGER users_log AFTER DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION log_user();");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.activity");
    assertThat(e.getMessage())
        .contains("public.activity still has 50 row(s)")
        .contains("50 row(s) were inserted into it during the reset")
        .contains("emptied tables with DELETE triggers or rules: public.users");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void auditTriggerWritingIntoAPreservedTablePasses() {
    pg.execute(
        "CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text);"
            + " INSERT INTO audit_log (note) VALUES ('old');"
            + " CREATE FUNCTION audit_user() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN INSERT INTO audit_log (note) VALUES ('deleted ' || OLD.email);"
            + " RETURN OLD; END $$;"
            + " CREATE TRIGGER users_audit AFTER DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION audit_user();");

    ResetResult result =
        new ResetEngine(pg.dataSource())
            .reset(request().preserveTables(List.of("audit_log")).build());

    assertThat(result.rowsDeleted()).isEqualTo(480);
    assertThat(pg.rowCount("users")).isZero();
    assertThat(pg.rowCount("audit_log")).isEqualTo(51);
  }

  @Test
  void triggerDeletingFromAPreservedTableFails() {
    pg.execute(
        "CREATE FUNCTION forget_preferences() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN DELETE FROM preferences; RETURN OLD; END $$;"
            + " CREATE TRIGGER categories_forget AFTER DELETE ON categories"
            + " FOR EACH STATEMENT EXECUTE FUNCTION forget_preferences();");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().preserveTables(List.of("preferences")).build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.preferences");
    assertThat(e.getMessage())
        .contains("1 row(s) of kept table public.preferences were deleted during the reset")
        .contains("public.categories");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void triggerDeletingKeptRowsOfAnEmptiedTableFails() {
    pg.execute(
        "CREATE FUNCTION drop_admins() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN DELETE FROM users WHERE role = 'admin'; RETURN OLD; END $$;"
            + " CREATE TRIGGER courses_drop AFTER DELETE ON courses"
            + " FOR EACH STATEMENT EXECUTE FUNCTION drop_admins();");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().preserveRows("users", "role = 'admin'").build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.users");
    assertThat(e.getMessage()).contains("2 of the 2 kept row(s) of public.users were deleted");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void rowLevelSecurityHidingRowsFromTheResettingRoleFailsTheReset() {
    String app = roles.create("app", "");
    pg.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "
            + app
            + "; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "
            + app
            + "; ALTER TABLE users ENABLE ROW LEVEL SECURITY;"
            + " CREATE POLICY admins ON users USING (role = 'admin');");
    String before = LearningSchema.snapshot(pg);
    org.postgresql.ds.PGSimpleDataSource asApp = new org.postgresql.ds.PGSimpleDataSource();
    asApp.setURL(pg.jdbcUrl());
    asApp.setUser(app);
    asApp.setPassword(TestRoles.PASSWORD);

    ResetException e =
        catchThrowableOfType(
            ResetException.class, () -> new ResetEngine(asApp).reset(request().build()));

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.users");
    assertThat(e.getMessage())
        .contains("public.users is subject to row-level security for role " + app);
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void rowsAnotherSessionInsertsIntoAnEmptiedTableFailTheResetAsTransient() {
    pg.execute("CREATE TABLE activity (id bigserial PRIMARY KEY, note text)");
    ResetException e =
        failsWhileAnotherSessionRuns("INSERT INTO activity (note) VALUES ('from another session')");

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.activity");
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage())
        .contains("another session may have inserted them while the reset ran");
    assertThat(pg.rowCount("users")).isEqualTo(50);
  }

  @Test
  void triggerDeletingFromATableOfAnotherSchemaFailsAlthoughNoKeyLinksThem() {
    pg.execute(
        "CREATE SCHEMA other; CREATE TABLE other.ledger (id int PRIMARY KEY, amount int);"
            + " INSERT INTO other.ledger SELECT g, g FROM generate_series(1, 10) g;"
            + " CREATE FUNCTION forget_ledger() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN DELETE FROM other.ledger; RETURN NULL; END $$;"
            + " CREATE TRIGGER categories_forget AFTER DELETE ON categories"
            + " FOR EACH STATEMENT EXECUTE FUNCTION forget_ledger();");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("other.ledger");
    assertThat(e.isTransient()).isFalse();
    assertThat(e.getMessage())
        .contains("10 row(s) of kept table other.ledger were deleted during the reset")
        .contains("emptied tables with DELETE triggers or rules: public.categories")
        .endsWith("The reset was rolled back and nothing changed.");
    assertThat(pg.rowCount("other.ledger")).isEqualTo(10);
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void doAlsoRuleDeletingFromATableOfAnotherSchemaFails() {
    pg.execute(
        "CREATE SCHEMA other; CREATE TABLE other.ledger (id int PRIMARY KEY, amount int);"
            + " INSERT INTO other.ledger SELECT g, g FROM generate_series(1, 10) g;"
            + " CREATE RULE users_also AS ON DELETE TO users"
            + " DO ALSO DELETE FROM other.ledger WHERE id = OLD.id;");
    String before = LearningSchema.snapshot(pg);

    ResetException e = fails(request().build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("other.ledger");
    assertThat(e.getMessage())
        .contains("10 row(s) of kept table other.ledger were deleted during the reset")
        .contains("public.users");
    assertThat(LearningSchema.snapshot(pg)).isEqualTo(before);
  }

  @Test
  void rowAnotherSessionInsertsIntoAKeptTableThatASetNullKeyWouldChangeFailsTheReset() {
    // other.notes is empty when the reset plans, so its key does not refuse the reset; the row the
    // application writes before users is emptied would be set to NULL by the key.
    pg.execute(
        "CREATE SCHEMA other; CREATE TABLE other.notes (id int PRIMARY KEY,"
            + " user_id bigint REFERENCES users ON DELETE SET NULL, note text)");
    ResetException e =
        failsWhileAnotherSessionRuns(
            "INSERT INTO other.notes VALUES (1, 5, 'written during the reset')");

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("other.notes");
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage())
        .contains("rows of kept table other.notes were updated 1 time(s) during the reset")
        .contains("(ON DELETE SET NULL) acted on rows referencing public.users that another")
        .contains("session inserted while the reset ran");
    assertThat(pg.queryStrings("SELECT user_id::text FROM other.notes")).containsExactly("5");
    assertThat(pg.rowCount("users")).isEqualTo(50);
  }

  @Test
  void rowAnotherSessionInsertsIntoAKeptTableThatACascadeKeyWouldDeleteBlamesTheKey() {
    pg.execute(
        "CREATE SCHEMA other; CREATE TABLE other.notes (id int PRIMARY KEY,"
            + " user_id bigint REFERENCES users ON DELETE CASCADE, note text)");
    ResetException e =
        failsWhileAnotherSessionRuns(
            "INSERT INTO other.notes VALUES (1, 5, 'written during the reset')");

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.isTransient()).isTrue();
    assertThat(e.getMessage())
        .contains("1 row(s) of kept table other.notes were deleted during the reset")
        .contains("(ON DELETE CASCADE) acted on rows referencing public.users")
        .doesNotContain("trigger");
    assertThat(pg.rowCount("other.notes")).isEqualTo(1);
  }

  @Test
  void triggerUpdatingAPreservedTableFailsTheReset() {
    pg.execute(
        "CREATE TABLE user_stats (name text PRIMARY KEY, n int);"
            + " INSERT INTO user_stats VALUES ('users', 50);"
            + " CREATE FUNCTION count_users() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN UPDATE user_stats SET n = n - 1 WHERE name = 'users'; RETURN OLD; END $$;"
            + " CREATE TRIGGER users_count AFTER DELETE ON users"
            + " FOR EACH ROW EXECUTE FUNCTION count_users();");

    ResetException e = fails(request().preserveTables(List.of("user_stats")).build());

    assertThat(e.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(e.subject()).isEqualTo("public.user_stats");
    assertThat(e.getMessage())
        .contains("rows of kept table public.user_stats were updated 50 time(s) during the reset")
        .contains("emptied tables with DELETE triggers or rules: public.users");
    assertThat(pg.queryLong("SELECT n FROM user_stats")).isEqualTo(50);
  }
}
