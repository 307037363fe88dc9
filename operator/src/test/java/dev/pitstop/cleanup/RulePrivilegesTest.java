package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestRoles;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/** The server checks the rule's statements with the run's own role, before anything is deleted. */
class RulePrivilegesTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @Test
  void aRoleThatMayNotLockRowsIsRefusedNamingThePrivilegesNeeded() {
    pg.execute(
        "CREATE TABLE refresh_tokens (token text PRIMARY KEY, expires_at timestamptz NOT NULL);"
            + " INSERT INTO refresh_tokens SELECT 't' || i, now() - interval '1 hour'"
            + " FROM generate_series(1, 10) i");
    String role = roles.create("cleaner", "");
    pg.execute("GRANT SELECT, DELETE ON refresh_tokens TO " + role);
    PGSimpleDataSource asRole = new PGSimpleDataSource();
    asRole.setURL(pg.jdbcUrl());
    asRole.setUser(role);
    asRole.setPassword(TestRoles.PASSWORD);

    CleanupException refused =
        catchThrowableOfType(
            CleanupException.class,
            () ->
                new CleanupEngine(asRole)
                    .run(
                        CleanupRequest.builder()
                            .rule(
                                DeletionRule.olderThan(
                                    "expired-tokens",
                                    "refresh_tokens",
                                    "expires_at",
                                    Duration.ZERO))
                            .build(),
                        CleanupListener.NONE));

    assertThat(refused.code()).isEqualTo(CleanupErrorCode.RULE_REJECTED);
    assertThat(refused.subject()).isEqualTo("rules[expired-tokens].table");
    assertThat(refused)
        .hasMessageStartingWith(
            "rules[expired-tokens].table: the server refused the rule's DELETE: permission denied")
        .hasMessageContaining("the role needs SELECT, UPDATE (row locks) and DELETE");
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(10);
  }
}
