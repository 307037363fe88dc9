package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/** A plan checks every privilege the reset needs, for a role that owns nothing. */
class ResetPrivilegesTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @Test
  void aRoleWithTheTableAndSequenceRightsOnlyResetsAndAMissingDeleteIsNamed() {
    pg.execute(
        "CREATE TABLE users (id bigserial PRIMARY KEY);"
            + " CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users);"
            + " INSERT INTO users SELECT FROM generate_series(1, 3);"
            + " INSERT INTO orders (user_id) VALUES (1), (2);");
    String role = roles.create("resetter", "");
    pg.execute(
        "GRANT SELECT, DELETE ON users, orders TO "
            + role
            + "; GRANT USAGE, SELECT, UPDATE ON SEQUENCE users_id_seq, orders_id_seq TO "
            + role);
    ResetEngine engine = engineAs(role);
    ResetRequest request = ResetRequest.builder(pg.databaseName()).build();

    ResetPlan plan = engine.plan(request);

    assertThat(plan.privileges())
        .containsExactly(
            "USAGE on schema(s) public",
            "DELETE on 2 table(s)",
            "SELECT and UPDATE on 2 sequence(s) restarted with setval",
            "not checkable: what the seed scripts need");
    ResetException truncate =
        catchThrowableOfType(
            ResetException.class,
            () ->
                engine.plan(
                    ResetRequest.builder(pg.databaseName())
                        .strategy(DeletionStrategy.TRUNCATE)
                        .build()));
    assertThat(truncate.subject()).isEqualTo("TRUNCATE on public.orders, TRUNCATE on public.users");
    ResetResult result = engine.reset(request);
    assertThat(result.rowsDeleted()).isEqualTo(5);
    assertThat(pg.rowCount("users")).isZero();
    assertThat(pg.queryLong("SELECT nextval('users_id_seq')")).isEqualTo(1);

    pg.execute(
        "INSERT INTO users SELECT FROM generate_series(1, 3);"
            + " INSERT INTO orders (user_id) VALUES (2); REVOKE DELETE ON orders FROM "
            + role);
    ResetException refused = catchThrowableOfType(ResetException.class, () -> engine.plan(request));

    assertThat(refused.code()).isEqualTo(ResetErrorCode.MISSING_PRIVILEGES);
    assertThat(refused.subject()).isEqualTo("DELETE on public.orders");
    assertThat(refused)
        .hasMessage(
            "Role "
                + role
                + " lacks privileges the reset needs: DELETE on public.orders; grant them (or reset"
                + " as the tables' owner). Nothing was changed.");
    assertThat(catchThrowableOfType(ResetException.class, () -> engine.reset(request)).code())
        .isEqualTo(ResetErrorCode.MISSING_PRIVILEGES);
    assertThat(pg.rowCount("orders")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isEqualTo(3);
  }

  /**
   * The least-privilege role of the docs: DELETE on the tables, USAGE/SELECT/UPDATE on the
   * sequences, no SELECT on the tables. Tables without a DELETE trigger or rule are verified empty
   * by a second DELETE, which also finds rows a trigger wrote into an emptied table; a table with a
   * DELETE trigger needs SELECT, and the plan says so.
   */
  @Test
  void deleteWithoutSelectResetsVerifiesBySecondDeleteAndNamesWhereSelectIsNeeded() {
    pg.execute(
        "CREATE TABLE users (id bigserial PRIMARY KEY);"
            + " CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users);"
            + " INSERT INTO users SELECT FROM generate_series(1, 3);"
            + " INSERT INTO orders (user_id) VALUES (1), (2);");
    String role = roles.create("deleter", "");
    pg.execute(
        "GRANT DELETE ON users, orders TO "
            + role
            + "; GRANT USAGE, SELECT, UPDATE ON SEQUENCE users_id_seq, orders_id_seq TO "
            + role);
    ResetEngine engine = engineAs(role);
    ResetRequest request = ResetRequest.builder(pg.databaseName()).build();

    assertThat(engine.plan(request).privileges())
        .contains(
            "DELETE on 2 table(s)",
            "no SELECT on 2 of them: not counted, verified empty by a" + " second DELETE");
    ResetResult result = engine.reset(request);
    assertThat(result.rowsDeleted()).isEqualTo(5);
    assertThat(pg.rowCount("users")).isZero();
    assertThat(pg.queryLong("SELECT nextval('orders_id_seq')")).isEqualTo(1);

    // A DELETE trigger of users writes into orders after orders was emptied (children go first).
    pg.execute(
        "INSERT INTO users SELECT FROM generate_series(1, 3);"
            + " INSERT INTO orders (user_id) VALUES (1);"
            + " CREATE FUNCTION note_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS"
            + " $$ BEGIN INSERT INTO orders (user_id) VALUES (NULL); RETURN NULL; END $$;"
            + " CREATE TRIGGER note_user AFTER DELETE ON users FOR EACH ROW"
            + " EXECUTE FUNCTION note_user();");
    ResetException unreadable =
        catchThrowableOfType(ResetException.class, () -> engine.reset(request));
    assertThat(unreadable.code()).isEqualTo(ResetErrorCode.MISSING_PRIVILEGES);
    assertThat(unreadable.subject())
        .as("users has a DELETE trigger now, which only a read can verify")
        .isEqualTo(
            "SELECT on public.users (it has a DELETE trigger or rule, which can keep rows only a"
                + " read finds)");
    pg.execute("GRANT SELECT ON users TO " + role);
    ResetException written =
        catchThrowableOfType(ResetException.class, () -> engine.reset(request));
    assertThat(written.code()).isEqualTo(ResetErrorCode.INCOMPLETE_RESET);
    assertThat(written.getMessage())
        .contains("public.orders had 3 row(s) again after it was emptied");
    assertThat(pg.rowCount("users")).as("rolled back").isEqualTo(3);
    assertThat(pg.rowCount("orders")).isEqualTo(1);
  }

  @Test
  void kepTablesOfOtherSchemasAndPreserveRowsNeedSelectAndTheirSchemaWhichIsNamed() {
    pg.execute(
        "CREATE TABLE users (id int PRIMARY KEY, role text); INSERT INTO users VALUES (1, 'a');"
            + " CREATE SCHEMA billing;"
            + " CREATE TABLE billing.invoices (user_id int REFERENCES public.users);");
    String role = roles.create("resetter", "");
    pg.execute("GRANT DELETE ON users TO " + role);
    ResetEngine engine = engineAs(role);

    ResetException refused =
        catchThrowableOfType(
            ResetException.class,
            () -> engine.plan(ResetRequest.builder(pg.databaseName()).build()));

    assertThat(refused.code())
        .as(refused.getMessage())
        .isEqualTo(ResetErrorCode.MISSING_PRIVILEGES);
    assertThat(refused.subject())
        .as("users itself may be emptied without SELECT; billing.invoices is read")
        .isEqualTo("USAGE on schema billing, SELECT on billing.invoices");

    ResetException where =
        catchThrowableOfType(
            ResetException.class,
            () ->
                engine.plan(
                    ResetRequest.builder(pg.databaseName())
                        .preserveRows("users", "role = 'a'")
                        .build()));
    assertThat(where.code()).isEqualTo(ResetErrorCode.MISSING_PRIVILEGES);
    assertThat(where.subject()).isEqualTo("SELECT on public.users");
    assertThat(pg.rowCount("users")).isEqualTo(1);
  }

  /** The engine working as {@code role}, which logs in with the test password. */
  private ResetEngine engineAs(String role) {
    PGSimpleDataSource asRole = new PGSimpleDataSource();
    asRole.setURL(pg.jdbcUrl());
    asRole.setUser(role);
    asRole.setPassword(TestRoles.PASSWORD);
    return new ResetEngine(asRole);
  }
}
