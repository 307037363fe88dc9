package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dump sees every kind of change the bad-input tests must rule out. */
class DatabaseDumpTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  private String before;

  @BeforeEach
  void createSchema() {
    pg.execute(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text);"
            + " INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');");
    before = DatabaseDump.of(pg.dataSource());
  }

  @Test
  void isStableWhenNothingChanged() {
    assertThat(DatabaseDump.of(pg.dataSource())).isEqualTo(before);
  }

  @Test
  void seesADeletedRow() {
    pg.execute("DELETE FROM users WHERE email = 'b@example.com'");
    assertThat(DatabaseDump.of(pg.dataSource())).isNotEqualTo(before);
  }

  @Test
  void seesAnAdvancedSequence() {
    pg.execute("SELECT nextval('users_id_seq')");
    assertThat(DatabaseDump.of(pg.dataSource())).isNotEqualTo(before);
  }

  @Test
  void seesANewEmptyTableAndAnIndex() {
    pg.execute("CREATE TABLE pitstop_maintenance_mode (id int)");
    String withTable = DatabaseDump.of(pg.dataSource());
    assertThat(withTable).isNotEqualTo(before);
    pg.execute("CREATE INDEX users_email ON users (email)");
    assertThat(DatabaseDump.of(pg.dataSource())).isNotEqualTo(withTable);
  }

  @Test
  void seesAChangedColumnDefault() {
    pg.execute("ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x'");
    assertThat(DatabaseDump.of(pg.dataSource())).isNotEqualTo(before);
  }

  @Test
  void sinceLeavesOutRolesCreatedMeanwhileButSeesAChangedOne() {
    pg.execute("CREATE ROLE dump_test_kept CONNECTION LIMIT 5");
    pg.execute("GRANT SELECT ON users TO dump_test_kept"); // a role of this database
    String withRole = DatabaseDump.of(pg.dataSource());
    assertThat(withRole).contains("role dump_test_kept connlimit=5");
    try {
      pg.execute("CREATE ROLE dump_test_other_class");
      pg.execute("GRANT SELECT ON users TO dump_test_other_class");
      assertThat(DatabaseDump.since(withRole, pg.dataSource())).isEqualTo(withRole);
      assertThat(DatabaseDump.of(pg.dataSource())).isNotEqualTo(withRole);

      pg.execute("ALTER ROLE dump_test_kept CONNECTION LIMIT 0");
      assertThat(DatabaseDump.since(withRole, pg.dataSource())).isNotEqualTo(withRole);
      pg.execute("ALTER ROLE dump_test_kept CONNECTION LIMIT 5");
      pg.execute("DELETE FROM users WHERE email = 'b@example.com'");
      assertThat(DatabaseDump.since(withRole, pg.dataSource())).isNotEqualTo(withRole);
    } finally {
      pg.execute("REVOKE ALL ON users FROM dump_test_other_class, dump_test_kept");
      pg.execute("DROP ROLE IF EXISTS dump_test_other_class");
      pg.execute("DROP ROLE IF EXISTS dump_test_kept");
    }
  }

  /**
   * Roles are the server's: a role another test class made for its own database, its limit changed
   * or the role dropped meanwhile, is not this database's (seen failing a bad-input check).
   */
  @Test
  void rolesOfOtherDatabasesDoNotShow() {
    pg.execute("CREATE ROLE dump_test_elsewhere CONNECTION LIMIT 5");
    try {
      String before = DatabaseDump.of(pg.dataSource());
      assertThat(before).doesNotContain("dump_test_elsewhere");
      pg.execute("ALTER ROLE dump_test_elsewhere CONNECTION LIMIT 0");
      assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
      pg.execute("DROP ROLE dump_test_elsewhere");
      assertThat(DatabaseDump.since(before, pg.dataSource())).isEqualTo(before);
    } finally {
      pg.execute("DROP ROLE IF EXISTS dump_test_elsewhere");
    }
  }
}
