package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScratchDatabaseTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();
  @RegisterExtension TestRoles roles = new TestRoles(pg);

  @Test
  void createsAnEmptyDatabaseAndDropsItOnClose() throws Exception {
    String name;
    try (ScratchDatabase scratch =
        ScratchDatabase.create(ScratchServers.of(pg.database()), likeTheTarget())) {
      name = scratch.name();
      assertThat(name).matches("pitstop_plan_[0-9a-f]{12}");
      assertThat(databaseExists(name)).isTrue();
      try (Connection session = scratch.dataSource().getConnection();
          Statement statement = session.createStatement();
          ResultSet row =
              statement.executeQuery(
                  "SELECT current_database(), (SELECT count(*) FROM pg_class c"
                      + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE n.nspname = 'public')")) {
        row.next();
        assertThat(row.getString(1)).isEqualTo(name);
        assertThat(row.getLong(2)).isZero();
      }
    }
    assertThat(databaseExists(name)).isFalse();
  }

  @Test
  void closeEndsSessionsStillInTheDatabase() throws Exception {
    ScratchDatabase scratch =
        ScratchDatabase.create(ScratchServers.of(pg.database()), likeTheTarget());
    try (Connection left = scratch.dataSource().getConnection()) {
      scratch.close();
      assertThat(databaseExists(scratch.name())).isFalse();
      assertThat(left.isValid(2)).isFalse();
    }
  }

  @Test
  void aRoleWithoutCreatedbIsToldSoAndNothingIsCreated() {
    String role = roles.create("planner", "NOCREATEDB");
    ScratchServer server = ScratchServers.of(pg.database(), role, TestRoles.PASSWORD);

    assertThatThrownBy(() -> ScratchDatabase.create(server, likeTheTarget()))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.PLAN_SCRATCH_UNAVAILABLE);
              assertThat(e.getMessage())
                  .contains("Role " + role + " cannot create the plan's scratch database on ")
                  .contains("(it lacks CREATEDB); grant it (ALTER ROLE " + role + " CREATEDB)")
                  .endsWith("nothing was changed.");
            });
    assertThat(
            pg.queryLong(
                "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"
                    + " WHERE r.rolname = ?",
                role))
        .isZero();
  }

  @Test
  void dropsLeftoversOfEarlierPlansThatNobodyUses() throws Exception {
    String leftover = "pitstop_plan_0123456789ab";
    String inUse = "pitstop_plan_ba9876543210";
    execute("DROP DATABASE IF EXISTS " + leftover + " WITH (FORCE)");
    execute("DROP DATABASE IF EXISTS " + inUse + " WITH (FORCE)");
    execute("CREATE DATABASE " + leftover);
    execute("CREATE DATABASE " + inUse);
    try (Connection user = ScratchServers.of(pg.database()).database(inUse).getConnection();
        ScratchDatabase scratch =
            ScratchDatabase.create(ScratchServers.of(pg.database()), likeTheTarget())) {
      assertThat(databaseExists(leftover)).isFalse();
      assertThat(databaseExists(inUse)).isTrue();
      assertThat(databaseExists(scratch.name())).isTrue();
      assertThat(user.isValid(2)).isTrue();
    } finally {
      execute("DROP DATABASE IF EXISTS " + inUse + " WITH (FORCE)");
    }
  }

  @Test
  void takesTheTargetsEncodingAndLocale() throws Exception {
    TargetDatabase latin1 = new TargetDatabase(160000, "LATIN1", "C", "C", List.of());
    try (ScratchDatabase scratch =
        ScratchDatabase.create(ScratchServers.of(pg.database()), latin1)) {
      assertThat(traits(scratch.name())).isEqualTo("LATIN1 C C");
      assertThat(scratch.notCopied()).isEmpty();
    }
  }

  @Test
  void aLocaleTheScratchServerLacksLeavesTheEncodingWithLocaleCAndSaysSo() throws Exception {
    TargetDatabase missing = new TargetDatabase(160000, "LATIN1", "xx_NOPE", "xx_NOPE", List.of());
    try (ScratchDatabase scratch =
        ScratchDatabase.create(ScratchServers.of(pg.database()), missing)) {
      assertThat(traits(scratch.name())).isEqualTo("LATIN1 C C");
      assertThat(scratch.notCopied())
          .singleElement(STRING)
          .startsWith(
              "locale LC_COLLATE xx_NOPE, LC_CTYPE xx_NOPE of the database: the copy uses C (the"
                  + " scratch server refused it: ");
    }
  }

  @Test
  void aLocaleProviderTheScratchServerLacksLeavesLibcAndSaysSo() throws Exception {
    assumeTrue(
        pg.queryLong("SELECT current_setting('server_version_num')::int") < 170000,
        "the builtin provider is PostgreSQL 17's");
    TargetDatabase builtin =
        new TargetDatabase(
            170000,
            "UTF8",
            "C",
            "C",
            List.of(),
            new TargetDatabase.LocaleProvider("builtin", "C.UTF-8", null));
    try (ScratchDatabase scratch =
        ScratchDatabase.create(ScratchServers.of(pg.database()), builtin)) {
      assertThat(traits(scratch.name())).isEqualTo("UTF8 C C");
      assertThat(
              pg.queryStrings(
                  "SELECT datlocprovider::text FROM pg_database WHERE datname = ?", scratch.name()))
          .containsExactly("c");
      assertThat(scratch.notCopied())
          .singleElement(STRING)
          .startsWith(
              "locale provider builtin locale C.UTF-8 of the database: the copy uses libc (the"
                  + " scratch server refused it: ");
    }
  }

  @Test
  void anEncodingTheScratchServerRefusesLeavesItsDefaultsAndSaysSo() throws Exception {
    // SJIS is a client encoding only: no database can have it.
    TargetDatabase sjis = new TargetDatabase(160000, "SJIS", "C", "C", List.of());
    try (ScratchDatabase scratch = ScratchDatabase.create(ScratchServers.of(pg.database()), sjis)) {
      assertThat(traits(scratch.name())).isEqualTo(traits(pg.databaseName()));
      assertThat(scratch.notCopied())
          .singleElement(STRING)
          .startsWith(
              "encoding SJIS and locale LC_COLLATE C, LC_CTYPE C of the database: the copy has the"
                  + " scratch server's defaults (it refused them: ");
    }
  }

  private static TargetDatabase likeTheTarget() {
    try (Connection target = pg.dataSource().getConnection()) {
      return TargetDatabase.read(target);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String traits(String database) {
    return pg.queryStrings(
            "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype"
                + " FROM pg_database WHERE datname = ?",
            database)
        .get(0);
  }

  private static boolean databaseExists(String name) {
    return pg.queryLong("SELECT count(*) FROM pg_database WHERE datname = ?", name) == 1;
  }

  private static void execute(String sql) throws Exception {
    try (Connection admin = pg.adminDataSource().getConnection();
        Statement statement = admin.createStatement()) {
      statement.execute(sql);
    }
  }
}
