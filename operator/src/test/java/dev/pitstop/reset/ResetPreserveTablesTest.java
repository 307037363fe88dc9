package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How preserveTables entries find tables: case, ambiguity, and entries that match nothing. */
class ResetPreserveTablesTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private ResetResult reset(String... preserve) {
    return new ResetEngine(pg.dataSource())
        .reset(ResetRequest.builder(pg.databaseName()).preserveTables(List.of(preserve)).build());
  }

  private ResetException fails(String... preserve) {
    return catchThrowableOfType(ResetException.class, () -> reset(preserve));
  }

  @Test
  void unquotedNameKeepsAMixedCaseTable() {
    pg.execute(
        "CREATE TABLE \"Users\" (id int); INSERT INTO \"Users\" VALUES (1), (2);"
            + " CREATE TABLE orders (id int); INSERT INTO orders VALUES (1);");

    ResetResult result = reset("Users");

    assertThat(pg.queryLong("SELECT count(*) FROM \"Users\"")).isEqualTo(2);
    assertThat(pg.rowCount("orders")).isZero();
    assertThat(result.plan().preserved())
        .extracting(ResetPlan.PreservedTable::name)
        .containsExactly("public.\"Users\"");
  }

  @Test
  void nameMatchingTwoTablesThatDifferOnlyInCaseIsRefusedUnlessQuoted() {
    pg.execute(
        "CREATE TABLE \"Users\" (id int); INSERT INTO \"Users\" VALUES (1);"
            + " CREATE TABLE users (id int); INSERT INTO users VALUES (1);");

    ResetException e = fails("Users");

    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_REQUEST);
    assertThat(e.subject()).isEqualTo("preserveTables[0]");
    assertThat(e.getMessage())
        .isEqualTo(
            "preserveTables[0] (Users) matches public.\"Users\" and public.users, whose names differ"
                + " only in case; double-quote the name to match its exact case, e.g. \"users\";"
                + " nothing was changed.");
    assertThat(pg.rowCount("users")).isEqualTo(1);

    reset("\"Users\"");

    assertThat(pg.queryLong("SELECT count(*) FROM \"Users\"")).isEqualTo(1);
    assertThat(pg.rowCount("users")).isZero();
  }

  @Test
  void entryMatchingNoTableIsAWarning() {
    pg.execute("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1);");

    assertThat(reset("order", "order_*").plan().warnings())
        .containsExactly(
            "preserveTables[0] (order) matches no table.",
            "preserveTables[1] (order_*) matches no table.");
  }

  @Test
  void entryNamingATableKeptAnywayIsNoWarning() {
    pg.execute(
        "CREATE TABLE django_migrations (id int); INSERT INTO django_migrations VALUES (1);");

    ResetResult result = reset("django_migrations");

    assertThat(result.plan().warnings()).isEmpty();
    assertThat(pg.rowCount("django_migrations")).isEqualTo(1);
  }
}
