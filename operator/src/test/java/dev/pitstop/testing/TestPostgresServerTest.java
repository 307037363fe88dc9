package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The embedded server trusts every login except those of the password group's members. */
class TestPostgresServerTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final List<String> roles = new ArrayList<>();

  private String role(boolean inPasswordGroup) {
    String role = "auth_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    pg.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'right-pw'");
    roles.add(role);
    if (inPasswordGroup) {
      String group = TestPostgresServer.PASSWORD_LOGIN_GROUP;
      pg.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
              + group
              + "') THEN CREATE ROLE "
              + group
              + " NOLOGIN; END IF; END $$");
      pg.execute("GRANT " + group + " TO " + role);
    }
    return role;
  }

  private String currentUser(String role, String password) throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), role, password);
        var rs = c.createStatement().executeQuery("SELECT current_user")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @AfterEach
  void dropRoles() {
    for (String role : roles) {
      pg.execute("DROP ROLE IF EXISTS " + role);
    }
  }

  @Test
  void membersOfThePasswordGroupMustGiveTheirPassword() throws SQLException {
    assumeTrue(System.getenv(TestPostgresServer.URL_VARIABLE) == null, "embedded server only");
    String role = role(true);

    assertThat(currentUser(role, "right-pw")).isEqualTo(role);
    assertThatThrownBy(() -> currentUser(role, "wrong-pw"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }

  @Test
  void everyOtherLoginIsTrusted() throws SQLException {
    assumeTrue(System.getenv(TestPostgresServer.URL_VARIABLE) == null, "embedded server only");
    String role = role(false);

    assertThat(currentUser(role, "wrong-pw")).isEqualTo(role);
    assertThat(currentUser(pg.user(), "not-" + pg.password())).isEqualTo(pg.user());
  }
}
