package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestRoles;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TargetDatabaseTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();
  @RegisterExtension TestRoles roles = new TestRoles(pg);

  @Test
  void readsTheSettingsASessionOfTheLoginRoleStartsWithInTheOrderTheyOverrideEachOther()
      throws Exception {
    String app = roles.create("app", "");
    String other = roles.create("other", "");
    String db = pg.databaseName();
    pg.execute("ALTER DATABASE " + db + " SET search_path = from_database");
    pg.execute("ALTER DATABASE " + db + " SET work_mem = '5MB'");
    pg.execute("ALTER ROLE " + app + " SET search_path = from_role");
    pg.execute("ALTER ROLE " + app + " IN DATABASE " + db + " SET search_path = from_both");
    pg.execute("ALTER ROLE " + other + " IN DATABASE " + db + " SET search_path = not_app");
    try (Connection target =
        ScratchServers.of(pg.database(), app, TestRoles.PASSWORD).database(db).getConnection()) {
      TargetDatabase read = TargetDatabase.read(target);

      assertThat(read.settings())
          .extracting(TargetDatabase.Setting::label)
          .containsExactly(
              "setting search_path = from_database (of the database)",
              "setting work_mem = 5MB (of the database)",
              "setting search_path = from_role (of the role " + app + ")",
              "setting search_path = from_both (of the role " + app + " in the database)");
      // What PostgreSQL itself gave the session: the last one of each name wins.
      assertThat(setting(target, "search_path")).isEqualTo("from_both");
    }
  }

  @Test
  void settingsTheDriverMakesWhenItConnectsAreNotTheCopysAsTheyAreNotMigratesEither()
      throws Exception {
    String db = pg.databaseName();
    pg.execute("ALTER DATABASE " + db + " SET TimeZone = 'Asia/Tokyo'");
    pg.execute("ALTER DATABASE " + db + " SET DateStyle = 'ISO, DMY'");
    pg.execute("ALTER DATABASE " + db + " SET work_mem = '5MB'");
    TestDatabase copyDb = pg.createDatabase();
    try (Connection target = pg.dataSource().getConnection();
        Connection migrates = pg.dataSource().getConnection();
        Connection copy = copyDb.dataSource().getConnection()) {
      TargetDatabase read = TargetDatabase.read(target);
      assertThat(read.apply(copy)).isEmpty();

      assertThat(read.settings())
          .extracting(TargetDatabase.Setting::label)
          .containsExactly("setting work_mem = 5MB (of the database)");
      // the copy's session as a session of migrate on the target: the driver's values win there
      for (String name : List.of("TimeZone", "DateStyle", "work_mem")) {
        assertThat(setting(copy, name)).as(name).isEqualTo(setting(migrates, name));
      }
      assertThat(setting(migrates, "DateStyle")).isEqualTo("ISO, MDY");
    }
  }

  @Test
  void appliesTheSettingsAndSaysWhichTheCopysSessionRefused() throws Exception {
    String planner = roles.create("planner", "");
    TargetDatabase target =
        new TargetDatabase(
            160000,
            "UTF8",
            "C",
            "C",
            List.of(
                new TargetDatabase.Setting("search_path", "app, public", "the database"),
                new TargetDatabase.Setting(
                    "log_min_duration_statement", "0", "the role app in the database")));
    try (Connection copy =
        ScratchServers.of(pg.database(), planner, TestRoles.PASSWORD)
            .database(pg.databaseName())
            .getConnection()) {
      List<String> refused = target.apply(copy);

      assertThat(setting(copy, "search_path")).isEqualTo("app, public");
      assertThat(refused)
          .singleElement()
          .asString()
          .startsWith(
              "setting log_min_duration_statement = 0 (of the role app in the database), refused"
                  + " on the copy: ");
    }
  }

  private static String setting(Connection session, String name) throws Exception {
    try (Statement statement = session.createStatement();
        ResultSet row = statement.executeQuery("SHOW " + name)) {
      row.next();
      return row.getString(1);
    }
  }

  @Test
  void aCopyOnAnotherMajorVersionIsNamedAndOneOnTheSameIsNot() throws Exception {
    try (Connection copy = pg.dataSource().getConnection()) {
      int version = TargetDatabase.read(copy).serverVersion();
      int major = version / 10000;
      TargetDatabase older =
          new TargetDatabase((major - 1) * 10000 + 4, "UTF8", "C", "C", List.of());
      TargetDatabase sameMajor =
          new TargetDatabase(major * 10000 + 99, "UTF8", "C", "C", List.of());

      assertThat(older.versionDifference(copy))
          .hasValue(
              "PostgreSQL "
                  + (major - 1)
                  + " of the target: the copy is on PostgreSQL "
                  + major
                  + ", which may not know the same syntax, functions and settings and takes some"
                  + " locks differently; plan on a server of the target's major version");
      assertThat(sameMajor.versionDifference(copy)).isEmpty();
    }
  }
}
