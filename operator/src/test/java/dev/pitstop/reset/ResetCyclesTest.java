package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cycles, self-references and foreign keys from kept tables, against a real PostgreSQL. */
class ResetCyclesTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private ResetRequest.Builder request() {
    return ResetRequest.builder(pg.databaseName());
  }

  private ResetResult reset(ResetRequest.Builder request) {
    return new ResetEngine(pg.dataSource()).reset(request.build());
  }

  private ResetException fails(ResetRequest.Builder request) {
    return catchThrowableOfType(ResetException.class, () -> reset(request));
  }

  /** store.manager_staff_id → staff and staff.store_id → store, as in the Sakila sample. */
  private void storeAndStaff(boolean managerNotNull, String managerKeyOptions) {
    pg.execute(
        "CREATE TABLE store (id int PRIMARY KEY, manager_staff_id int);"
            + " CREATE TABLE staff (id int PRIMARY KEY, store_id int NOT NULL"
            + "  CONSTRAINT staff_store_fk REFERENCES store);"
            + " INSERT INTO store VALUES (1, NULL), (2, NULL);"
            + " INSERT INTO staff VALUES (10, 1), (20, 2), (21, 2);"
            + " UPDATE store SET manager_staff_id = id * 10;"
            + (managerNotNull ? " ALTER TABLE store ALTER manager_staff_id SET NOT NULL;" : "")
            + " ALTER TABLE store ADD CONSTRAINT store_manager_fk FOREIGN KEY (manager_staff_id)"
            + "  REFERENCES staff "
            + managerKeyOptions
            + ";");
  }

  @Test
  void cycleWithANullableKeyIsBrokenBySettingItToNullFirst() {
    storeAndStaff(false, "");

    ResetResult result = reset(request());

    assertThat(result.plan().nulledForeignKeys())
        .containsExactly(
            "public.store(manager_staff_id) set to NULL first (public.store_manager_fk)");
    assertThat(result.plan().order()).containsExactly("public.staff", "public.store");
    assertThat(pg.rowCount("store")).isZero();
    assertThat(pg.rowCount("staff")).isZero();
    assertThat(result.rowsDeleted()).isEqualTo(5);
  }

  @Test
  void cycleWithADeferrableKeyIsDeferredToCommit() {
    storeAndStaff(true, "DEFERRABLE");

    ResetResult result = reset(request());

    assertThat(result.plan().deferredConstraints()).containsExactly("public.store_manager_fk");
    assertThat(result.plan().nulledForeignKeys()).isEmpty();
    assertThat(pg.rowCount("store") + pg.rowCount("staff")).isZero();
  }

  @Test
  void cycleThatCannotBeBrokenIsRefusedBeforeAnythingIsDeleted() {
    storeAndStaff(true, "");
    pg.execute("CREATE TABLE notes (id int); INSERT INTO notes VALUES (1);");

    ResetException e = fails(request());

    assertThat(e.code()).isEqualTo(ResetErrorCode.UNBREAKABLE_CYCLE);
    assertThat(e.getMessage())
        .contains("public.staff, public.store", "public.staff_store_fk, public.store_manager_fk")
        .endsWith("Nothing was deleted.");
    assertThat(pg.rowCount("store")).isEqualTo(2);
    assertThat(pg.rowCount("staff")).isEqualTo(3);
    assertThat(pg.rowCount("notes")).isEqualTo(1);
    assertThat(
            catchThrowableOfType(
                    ResetException.class,
                    () -> new ResetEngine(pg.dataSource()).plan(request().build()))
                .code())
        .as("a dry run says the same")
        .isEqualTo(ResetErrorCode.UNBREAKABLE_CYCLE);
  }

  @Test
  void selfReferencesAreEmptiedInOneStatementWhateverTheirAction() {
    pg.execute(
        "CREATE TABLE staff (id int PRIMARY KEY,"
            + " manager_id int REFERENCES staff ON DELETE RESTRICT,"
            + " mentor_id int NOT NULL REFERENCES staff);"
            + " INSERT INTO staff VALUES (1, NULL, 1), (2, 1, 1), (3, 2, 2), (4, 3, 3);");

    ResetResult result = reset(request());

    assertThat(result.plan().nulledForeignKeys()).isEmpty();
    assertThat(result.plan().deferredConstraints()).isEmpty();
    assertThat(pg.rowCount("staff")).isZero();
  }

  @Test
  void preservedTableWhoseRowsWouldBlockTheDeleteIsRefusedNamingTheConstraint() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY);"
            + " CREATE TABLE job_log (id int, user_id int CONSTRAINT job_log_user_fk"
            + "  REFERENCES users);"
            + " INSERT INTO users VALUES (1), (2); INSERT INTO job_log VALUES (1, 2);");

    ResetException e = fails(request().preserveTables(List.of("job_log")));

    assertThat(e.code()).isEqualTo(ResetErrorCode.PRESERVED_TABLE_REFERENCES);
    assertThat(e.subject()).isEqualTo("public.job_log_user_fk");
    assertThat(e.getMessage())
        .startsWith(
            "Preserved table public.job_log has 1 row(s) referencing rows of public.users that"
                + " the reset would delete, and public.job_log_user_fk (ON DELETE NO ACTION)"
                + " would make the delete fail;");
    assertThat(pg.rowCount("users")).isEqualTo(2);

    pg.execute("UPDATE job_log SET user_id = NULL");
    ResetResult result = reset(request().preserveTables(List.of("job_log")));

    assertThat(result.plan().references())
        .extracting(ResetPlan.TableReference::describe)
        .containsExactly(
            "public.job_log references public.users (public.job_log_user_fk, ON"
                + " DELETE NO ACTION)");
    assertThat(pg.rowCount("users")).isZero();
    assertThat(pg.rowCount("job_log")).isEqualTo(1);
  }

  @Test
  void keptTablesThatTheDeletesWouldCascadeIntoOrNullAreRefusedAndKeepTheirRows() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY);"
            + " CREATE TABLE sessions (user_id int CONSTRAINT sessions_user_fk REFERENCES users"
            + "  ON DELETE CASCADE);"
            + " CREATE TABLE audit (user_id int DEFAULT 1 CONSTRAINT audit_user_fk REFERENCES"
            + "  users ON DELETE SET NULL);"
            + " CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text,"
            + "  description text, type text, script text, checksum int, installed_by text,"
            + "  installed_on timestamp, execution_time int, success boolean,"
            + "  user_id int CONSTRAINT history_user_fk REFERENCES users ON DELETE SET DEFAULT);"
            + " CREATE SCHEMA billing;"
            + " CREATE TABLE billing.visits (user_id int CONSTRAINT visits_user_fk REFERENCES"
            + "  public.users ON DELETE CASCADE);"
            + " INSERT INTO users VALUES (1), (2);"
            + " INSERT INTO sessions VALUES (1), (1), (2);");
    ResetRequest.Builder preserving = request().preserveTables(List.of("sessions", "audit"));

    ResetException cascade = fails(preserving);

    assertThat(cascade.code()).isEqualTo(ResetErrorCode.PRESERVED_TABLE_REFERENCES);
    assertThat(cascade.code().isBadInput()).isTrue();
    assertThat(cascade.subject()).isEqualTo("public.sessions_user_fk");
    assertThat(cascade.getMessage())
        .isEqualTo(
            "Preserved table public.sessions has 3 row(s) referencing rows of public.users that"
                + " the reset would delete, and public.sessions_user_fk (ON DELETE CASCADE) would"
                + " delete them, but a reset never changes a kept table; keep the referenced rows"
                + " with preserveRows, preserve public.users, or empty public.sessions too."
                + " Nothing was deleted.");
    assertThat(pg.rowCount("sessions")).isEqualTo(3);
    assertThat(pg.rowCount("users")).isEqualTo(2);

    pg.execute("DELETE FROM sessions; INSERT INTO audit VALUES (2)");
    ResetException setNull =
        catchThrowableOfType(
            ResetException.class, () -> new ResetEngine(pg.dataSource()).plan(preserving.build()));
    assertThat(setNull.subject()).isEqualTo("public.audit_user_fk");
    assertThat(setNull.getMessage())
        .startsWith(
            "Preserved table public.audit has 1 row(s) referencing rows of public.users that the"
                + " reset would delete, and public.audit_user_fk (ON DELETE SET NULL) would set"
                + " their key to NULL");
    assertThat(fails(preserving).subject()).isEqualTo("public.audit_user_fk");
    assertThat(pg.queryLong("SELECT count(*) FROM audit WHERE user_id = 2")).isEqualTo(1);

    pg.execute(
        "DELETE FROM audit;"
            + " INSERT INTO flyway_schema_history (installed_rank, user_id) VALUES (1, 2)");
    ResetException history = fails(preserving);
    assertThat(history.getMessage())
        .startsWith(
            "Preserved table public.flyway_schema_history has 1 row(s) referencing rows of"
                + " public.users that the reset would delete, and public.history_user_fk (ON"
                + " DELETE SET DEFAULT) would set their key to its default");

    pg.execute("DELETE FROM flyway_schema_history; INSERT INTO billing.visits VALUES (1)");
    ResetException otherSchema = fails(preserving);
    assertThat(otherSchema.getMessage())
        .startsWith(
            "Table billing.visits has 1 row(s) referencing rows of public.users that the reset"
                + " would delete, and billing.visits_user_fk (ON DELETE CASCADE) would delete"
                + " them");
    assertThat(pg.queryLong("SELECT count(*) FROM billing.visits")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(2);
  }

  @Test
  void aKeptTableMayReferenceRowsThatPreserveRowsKeepsTransitively() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY);"
            + " CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);"
            + " CREATE TABLE order_lines (id int PRIMARY KEY, order_id int REFERENCES orders);"
            + " CREATE TABLE sessions (user_id int CONSTRAINT sessions_user_fk REFERENCES users"
            + "  ON DELETE CASCADE);"
            + " INSERT INTO users VALUES (1), (2), (3);"
            + " INSERT INTO orders VALUES (10, 1), (20, 2), (30, 3);"
            + " INSERT INTO order_lines VALUES (100, 10), (200, 20);"
            + " INSERT INTO sessions VALUES (1), (1);");

    ResetResult result =
        reset(
            request().preserveTables(List.of("sessions")).preserveRows("order_lines", "id = 100"));

    assertThat(pg.rowCount("sessions")).isEqualTo(2);
    assertThat(pg.queryLong("SELECT count(*) FROM users WHERE id = 1")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(1);
    assertThat(pg.rowCount("orders")).isEqualTo(1);
    assertThat(pg.rowCount("order_lines")).isEqualTo(1);
    assertThat(result.plan().references())
        .extracting(ResetPlan.TableReference::describe)
        .containsExactly(
            "public.sessions references public.users (public.sessions_user_fk, ON DELETE"
                + " CASCADE)");
    assertThat(result.plan().warnings()).isEmpty();
  }

  @Test
  void foreignKeysFromOtherSchemasAreChecked() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1);"
            + " CREATE SCHEMA billing;"
            + " CREATE TABLE billing.invoices (user_id int CONSTRAINT invoices_user_fk"
            + "  REFERENCES public.users);"
            + " INSERT INTO billing.invoices VALUES (1);");

    ResetException e = fails(request());

    assertThat(e.code()).isEqualTo(ResetErrorCode.PRESERVED_TABLE_REFERENCES);
    assertThat(e.getMessage())
        .startsWith(
            "Table billing.invoices has 1 row(s) referencing rows of public.users that the reset"
                + " would delete");
    assertThat(pg.rowCount("users")).isEqualTo(1);

    ResetResult both = reset(request().schemas(List.of("public", "billing")));
    assertThat(both.plan().order()).containsExactly("billing.invoices", "public.users");
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void truncateCannotEmptyATableAKeptTableReferences() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY);"
            + " CREATE TABLE job_log (user_id int CONSTRAINT job_log_user_fk REFERENCES users);"
            + " INSERT INTO users VALUES (1);");

    ResetException e =
        fails(request().strategy(DeletionStrategy.TRUNCATE).preserveTables(List.of("job_log")));

    assertThat(e.code()).isEqualTo(ResetErrorCode.PRESERVED_TABLE_REFERENCES);
    assertThat(e.getMessage())
        .isEqualTo(
            "Preserved table public.job_log references public.users through"
                + " public.job_log_user_fk, so TRUNCATE cannot empty public.users; use strategy"
                + " Delete, or preserve public.users. Nothing was deleted.");
    assertThat(pg.rowCount("users")).isEqualTo(1);
  }

  @Test
  void truncateEmptiesCyclesInOneStatement() {
    storeAndStaff(true, "");

    ResetResult result = reset(request().strategy(DeletionStrategy.TRUNCATE));

    assertThat(result.plan().tables()).allMatch(ResetPlan.PlannedTable::truncated);
    assertThat(result.rowsDeleted()).isEqualTo(5);
    assertThat(pg.rowCount("store") + pg.rowCount("staff")).isZero();
  }
}
