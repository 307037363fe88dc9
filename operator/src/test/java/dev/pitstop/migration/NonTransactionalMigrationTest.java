package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NonTransactionalMigrationTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  static final MigrationScript V1 =
      new MigrationScript(
          "V1__accounts.sql",
          "CREATE TABLE accounts (id int PRIMARY KEY, email text);\n"
              + "INSERT INTO accounts VALUES (1, 'a@x'), (2, 'b@x'), (3, 'a@x');");

  private MigrationEngine engine() {
    return new MigrationEngine(pg.dataSource());
  }

  private static MigrationRequest request(MigrationScript... scripts) {
    return MigrationRequest.builder(List.of(scripts)).build();
  }

  private boolean indexIsValid(String name) {
    return pg.queryStrings(
            "SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass(?)", name)
        .equals(List.of("true"));
  }

  @Test
  void concurrentIndexBuildRunsOutsideATransaction() {
    MigrationScript v2 =
        new MigrationScript(
            "V2__email_index.sql",
            "-- must not run in a transaction\n"
                + "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n"
                + "VACUUM (ANALYZE) accounts;\n");
    assertThat(engine().info(request(V1, v2)).pending())
        .extracting(PendingMigration::transactional)
        .containsExactly(true, false);

    MigrateResult result = engine().migrate(request(V1, v2));

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("1", "2");
    assertThat(indexIsValid("accounts_email_idx")).isTrue();
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history WHERE success"))
        .isEqualTo(2);
  }

  @Test
  void failedConcurrentBuildReportsInvalidIndexAndDropsItBeforeRetry() {
    engine().migrate(request(V1));
    MigrationScript v2 =
        new MigrationScript(
            "V2__unique_email.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_key\n"
                + "  ON accounts (email);\n");

    MigrationException e =
        catchThrowableOfType(MigrationException.class, () -> engine().migrate(request(V1, v2)));

    assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
    assertThat(e.failure().sqlState()).isEqualTo("23505");
    assertThat(e.failure().transactional()).isFalse();
    assertThat(e.failure().line()).isEqualTo(1);
    assertThat(e.failure().invalidIndexes()).containsExactly("public.accounts_email_key");
    assertThat(e.getMessage()).contains("public.accounts_email_key");
    assertThat(indexIsValid("accounts_email_key")).isFalse();
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(1);

    pg.execute("DELETE FROM accounts WHERE id = 3");
    MigrateResult retry = engine().migrate(request(V1, v2));

    assertThat(retry.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    assertThat(indexIsValid("accounts_email_key"))
        .isTrue(); // rebuilt, not skipped by IF NOT EXISTS
  }

  @Test
  void failureAfterEarlierStatementsKeepsThemAndRecordsNothing() {
    MigrationScript v2 =
        new MigrationScript(
            "V2__mixed.sql",
            "CREATE TABLE audit (id int);\n"
                + "CREATE INDEX CONCURRENTLY audit_id_idx ON audit (id);\n"
                + "CREATE INDEX CONCURRENTLY broken_idx ON missing_table (id);\n");
    MigrationException e =
        catchThrowableOfType(MigrationException.class, () -> engine().migrate(request(V1, v2)));
    assertThat(e.failure().line()).isEqualTo(3);
    assertThat(e.failure().statement()).isEqualTo(3);
    assertThat(e.failure().sqlState()).isEqualTo("42P01");
    assertThat(e.getMessage()).contains("outside a transaction");
    assertThat(pg.tableExists("audit")).isTrue();
    assertThat(pg.queryStrings("SELECT version FROM pitstop_schema_history")).containsExactly("1");
    assertThat(pg.queryStrings("SHOW lock_timeout")).containsExactly("0");
  }

  @Test
  void settingsOfAScriptRunOutsideATransactionDoNotReachTheNextOne() {
    MigrationScript v2 =
        new MigrationScript(
            "V2__elsewhere.sql",
            "CREATE SCHEMA elsewhere;\nSET search_path TO elsewhere;\nSET lock_timeout = '1s';\n"
                + "CREATE TABLE notes (id int);\n"
                + "CREATE INDEX CONCURRENTLY notes_id_idx ON notes (id);\n");
    MigrationScript v3 = new MigrationScript("V3__plain.sql", "CREATE TABLE plain (id int);\n");

    engine().migrate(request(V1, v2, v3));

    assertThat(
            pg.queryStrings(
                "SELECT schemaname || '.' || tablename FROM pg_tables"
                    + " WHERE tablename IN ('notes', 'plain') ORDER BY 1"))
        .containsExactly("elsewhere.notes", "public.plain");
  }

  @Test
  void discardAllRunsOutsideATransactionAndLeavesTheRunItsSession() {
    MigrationScript v2 =
        new MigrationScript(
            "V2__discard.sql",
            "CREATE TEMP TABLE scratch (id int);\nINSERT INTO accounts VALUES (4, 'd@x');\n"
                + "DISCARD ALL;\n");
    MigrationScript v3 =
        new MigrationScript("V3__after.sql", "INSERT INTO accounts VALUES (5, 'e@x');\n");

    MigrateResult result = engine().migrate(request(V1, v2, v3));

    assertThat(result.applied()).hasSize(3);
    assertThat(pg.rowCount("accounts")).isEqualTo(5);
    assertThat(pg.queryLong("SELECT count(*) FROM pitstop_schema_history")).isEqualTo(3);
  }

  @Test
  void concurrentIndexBuildWaitsForWritersBeyondTheLockTimeout() throws Exception {
    engine().migrate(request(V1));
    MigrationScript v2 =
        new MigrationScript(
            "V2__email_index.sql",
            "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n");
    MigrationRequest request =
        MigrationRequest.builder(List.of(V1, v2)).lockTimeout(Duration.ofMillis(100)).build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection writer = pg.dataSource().getConnection()) {
      writer.setAutoCommit(false);
      writer.createStatement().execute("INSERT INTO accounts VALUES (4, 'd@x')");
      Future<MigrateResult> run = pool.submit(() -> engine().migrate(request));
      // the build waits for the open writer for far longer than lock_timeout
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  run.isDone()
                      || pg.queryLong(
                              "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                  + " AND query LIKE 'CREATE INDEX CONCURRENTLY%'"
                                  + " AND clock_timestamp() - query_start > interval '1 second'")
                          > 0);
      assertThat(run).isNotDone();
      writer.commit();
      assertThat(run.get(30, TimeUnit.SECONDS).applied())
          .extracting(ExecutedMigration::script)
          .containsExactly("V2__email_index.sql");
    } finally {
      pool.shutdownNow();
    }
    assertThat(indexIsValid("accounts_email_idx")).isTrue();
  }
}
