package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reset's transaction is bounded in the server, so a client that dies mid-reset cannot hold its
 * locks: a seed records the settings it runs with.
 */
class ResetServerBoundsTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private static final SeedScript RECORD =
      new SeedScript(
          "record.sql",
          "INSERT INTO seen VALUES (current_setting('statement_timeout'),"
              + " current_setting('idle_in_transaction_session_timeout'),"
              + " current_setting('lock_timeout'));");

  private List<String> seen() {
    return pg.queryStrings("SELECT s || ' ' || i || ' ' || l FROM seen");
  }

  @Test
  void resetTransactionHasStatementIdleAndLockTimeoutsByDefault() {
    pg.execute("CREATE TABLE seen (s text, i text, l text); INSERT INTO seen VALUES ('x','y','z')");

    new ResetEngine(pg.dataSource())
        .reset(ResetRequest.builder(pg.databaseName()).seeds(List.of(RECORD)).build());

    assertThat(seen()).containsExactly("30min 1min 5s");
    assertThat(pg.queryStrings("SELECT current_setting('idle_in_transaction_session_timeout')"))
        .containsExactly("0");
  }

  @Test
  void givenTimeoutsAreUsed() {
    pg.execute("CREATE TABLE seen (s text, i text, l text)");

    new ResetEngine(pg.dataSource())
        .reset(
            ResetRequest.builder(pg.databaseName())
                .seeds(List.of(RECORD))
                .lockTimeout(Duration.ofSeconds(3))
                .statementTimeout(Duration.ofMinutes(2))
                .idleTimeout(Duration.ofSeconds(20))
                .build());

    assertThat(seen()).containsExactly("2min 20s 3s");
  }
}
