package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A script run outside a transaction is run again after an earlier run ended part-way: the state an
 * interrupted run leaves is set up by hand here (the real kills are in CicCrashIT).
 */
class InterruptedIndexWorkTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  static final MigrationScript V1 =
      new MigrationScript(
          "V1__accounts.sql",
          "CREATE TABLE accounts (id int PRIMARY KEY, email text, deleted_at timestamptz,"
              + " status text);\n"
              + "CREATE INDEX accounts_old_idx ON accounts (status);\n"
              + "INSERT INTO accounts VALUES (1, 'a@x', null, 'active'), (2, 'b@x', now(), 'x');");

  /** Three concurrent index statements and a statement after them. */
  static final MigrationScript V2 =
      new MigrationScript(
          "V2__email_indexes.sql",
          "CREATE INDEX CONCURRENTLY accounts_email_live_idx ON accounts\n"
              + "  (lower(email) text_pattern_ops, id DESC) WHERE deleted_at IS NULL"
              + " AND status = 'active';\n"
              + "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON public.accounts (email);\n"
              + "DROP INDEX CONCURRENTLY accounts_old_idx;\n"
              + "CREATE TABLE email_audit (id int);\n");

  private final List<RecoveredStatement> recovered =
      Collections.synchronizedList(new ArrayList<>());

  private final MigrationListener listener =
      new MigrationListener() {
        @Override
        public void onRecovered(RecoveredStatement statement) {
          recovered.add(statement);
        }
      };

  private MigrateResult migrate(MigrationScript... scripts) {
    return new MigrationEngine(pg.dataSource())
        .migrate(MigrationRequest.builder(List.of(scripts)).build(), listener);
  }

  /**
   * Waits until one session running a statement that starts with {@code prefix} waits for a lock.
   */
  private static void awaitOneWaitingForALock(String prefix) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                pg.queryLong(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND starts_with(query, ?)",
                        prefix)
                    == 1);
  }

  private String indexdef(String index) {
    return pg.queryStrings("SELECT pg_get_indexdef(to_regclass(?))", index).get(0);
  }

  private List<String> notes() {
    return recovered.stream().map(r -> r.statement() + ": " + r.note()).toList();
  }

  @Test
  void indexesAlreadyBuiltOrDroppedAreSkippedAndTheRestRunsAndIsRecorded() {
    migrate(V1);
    // The earlier run built the first index (written differently here, the same index), and
    // dropped the old one, then ended: the second index and the table were never made.
    pg.execute(
        "CREATE INDEX accounts_email_live_idx ON public.accounts USING btree"
            + " (lower(email) text_pattern_ops, id DESC)"
            + " WHERE ((deleted_at IS NULL) AND (status = 'active'::text))");
    String before = indexdef("accounts_email_live_idx");
    pg.execute("DROP INDEX accounts_old_idx");

    MigrateResult result = migrate(V1, V2);

    assertThat(result.applied()).extracting(ExecutedMigration::version).containsExactly("2");
    assertThat(notes())
        .containsExactly(
            "1: index public.accounts_email_live_idx already exists, valid and as this statement"
                + " builds it (an earlier run ended after building it); statement skipped",
            "3: index accounts_old_idx does not exist (an earlier run ended after dropping it);"
                + " statement skipped");
    assertThat(recovered).extracting(RecoveredStatement::line).containsExactly(1, 4);
    assertThat(indexdef("accounts_email_live_idx")).isEqualTo(before);
    assertThat(indexdef("accounts_email_key")).contains("UNIQUE");
    assertThat(pg.tableExists("email_audit")).isTrue();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history ORDER BY 1"))
        .containsExactly("V1__accounts.sql", "V2__email_indexes.sql");
  }

  @Test
  void indexesOfEveryShapeAreRecognisedOnATableWithADroppedColumn() {
    MigrationScript table =
        new MigrationScript(
            "V1__table.sql",
            "CREATE TABLE shapes (gone int, a int, b text, c jsonb);\n"
                + "ALTER TABLE shapes DROP COLUMN gone;");
    migrate(table);
    List<String> builds =
        List.of(
            "UNIQUE INDEX s1 ON shapes (a) INCLUDE (b) NULLS NOT DISTINCT WITH (fillfactor = 70)",
            "INDEX s2 ON shapes USING gin (c jsonb_path_ops)",
            "INDEX s3 ON shapes (b COLLATE \"C\" DESC NULLS LAST, (lower(b)))",
            "INDEX s4 ON shapes USING hash (b)",
            "INDEX s5 ON shapes (a) WHERE c ? 'k' AND b <> ''");
    StringBuilder script = new StringBuilder();
    for (String build : builds) {
      pg.execute("CREATE " + build); // built by the server for a run that then ended
      script.append("CREATE ").append(build.replace("INDEX ", "INDEX CONCURRENTLY ")).append(";\n");
    }

    migrate(table, new MigrationScript("V2__shapes.sql", script.toString()));

    assertThat(notes())
        .hasSize(5)
        .allMatch(
            note ->
                note.endsWith(
                    "as this statement builds it (an earlier run ended after"
                        + " building it); statement skipped"));
  }

  @Test
  void aDifferentIndexWithTheStatementsNameIsRefusedNamingBoth() {
    migrate(V1);
    pg.execute(
        "CREATE INDEX accounts_email_live_idx ON accounts (lower(email) text_pattern_ops, id DESC)"
            + " WHERE deleted_at IS NULL"); // the statement also asks status = 'active'

    MigrationException e = catchThrowableOfType(MigrationException.class, () -> migrate(V1, V2));

    assertThat(e.code()).isEqualTo(ErrorCode.SCRIPT_FAILED);
    assertThat(e.failure().line()).isEqualTo(1);
    assertThat(e.failure().sqlState()).isEqualTo("42P07");
    assertThat(e.getMessage())
        .contains(
            "index public.accounts_email_live_idx already exists but is not the index this"
                + " statement builds: it is \"USING btree (lower(email) text_pattern_ops, id DESC)"
                + " WHERE (deleted_at IS NULL)\", the statement builds \"USING btree"
                + " (lower(email) text_pattern_ops, id DESC) WHERE ((deleted_at IS NULL) AND"
                + " (status = 'active'::text))\"")
        .contains("it was not recorded");
    assertThat(indexdef("accounts_email_live_idx")).endsWith("WHERE (deleted_at IS NULL)");
    assertThat(pg.tableExists("email_audit")).isFalse();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__accounts.sql");
    assertThat(recovered).isEmpty();
  }

  @Test
  void anInvalidIndexIsDroppedAndBuiltAgainAndTheRunSaysSo() {
    migrate(V1);
    pg.execute("INSERT INTO accounts VALUES (3, 'a@x', null, 'active')");
    MigrationException e = catchThrowableOfType(MigrationException.class, () -> migrate(V1, V2));
    assertThat(e.failure().invalidIndexes()).containsExactly("public.accounts_email_key");
    assertThat(recovered).isEmpty();
    pg.execute("DELETE FROM accounts WHERE id = 3");

    migrate(V1, V2);

    assertThat(notes())
        .containsExactly(
            "1: index public.accounts_email_live_idx already exists, valid and as this statement"
                + " builds it (an earlier run ended after building it); statement skipped",
            "2: dropped invalid index public.accounts_email_key left by an interrupted build;"
                + " building it again");
    assertThat(
            pg.queryStrings(
                "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'accounts_email_key'::regclass"))
        .containsExactly("true");
    assertThat(pg.queryStrings("SELECT to_regclass('accounts_old_idx')::text")).containsOnlyNulls();
    assertThat(pg.tableExists("email_audit")).isTrue();
  }

  @Test
  void theCopyAnInterruptedReindexLeftIsDroppedBeforeItRunsAgain() throws Exception {
    migrate(V1);
    MigrationScript v2 =
        new MigrationScript("V2__reindex.sql", "REINDEX INDEX CONCURRENTLY accounts_old_idx;\n");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection writer = pg.dataSource().getConnection()) {
      writer.setAutoCommit(false);
      writer.createStatement().execute("INSERT INTO accounts VALUES (9, 'z@x', null, 'x')");
      Future<MigrateResult> run = pool.submit(() -> migrate(V1, v2));
      awaitOneWaitingForALock("REINDEX");
      assertThat(
              pg.queryLong(
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                      + " WHERE starts_with(query, 'REINDEX')"))
          .isEqualTo(1);
      assertThat(catchThrowable(() -> run.get(30, TimeUnit.SECONDS)))
          .hasCauseInstanceOf(MigrationException.class);
      writer.commit();
    } finally {
      pool.shutdownNow();
    }
    String invalid = "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid";
    assertThat(pg.queryStrings(invalid)).containsExactly("accounts_old_idx_ccnew");

    migrate(V1, v2);

    assertThat(notes())
        .containsExactly(
            "1: dropped invalid index public.accounts_old_idx_ccnew left by an interrupted"
                + " REINDEX CONCURRENTLY; reindexing again");
    assertThat(pg.queryStrings(invalid)).isEmpty();
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history ORDER BY 1"))
        .containsExactly("V1__accounts.sql", "V2__reindex.sql");
  }

  @Test
  void theWaitForAnotherSessionsBuildEndsAtStatementTimeoutOrInterruptAndLeavesTheBuildAlone()
      throws Exception {
    migrate(V1);
    MigrationScript v2 =
        new MigrationScript(
            "V2__status_index.sql",
            "CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status);\n");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (Connection writer = pg.dataSource().getConnection();
        Connection other = pg.dataSource().getConnection()) {
      writer.setAutoCommit(false);
      writer.createStatement().execute("INSERT INTO accounts VALUES (9, 'z@x', null, 'x')");
      // another session's build of the same index, held by the open writer
      Future<Boolean> build =
          pool.submit(
              () ->
                  other
                      .createStatement()
                      .execute(
                          "CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status)"));
      awaitOneWaitingForALock("CREATE INDEX CONCURRENTLY");

      Future<MigrateResult> timed =
          pool.submit(
              () ->
                  new MigrationEngine(pg.dataSource())
                      .migrate(
                          MigrationRequest.builder(List.of(V1, v2))
                              .statementTimeout(Duration.ofSeconds(1))
                              .build(),
                          listener));
      Throwable timedOut =
          catchThrowableOfType(ExecutionException.class, () -> timed.get(30, TimeUnit.SECONDS))
              .getCause();
      assertThat(timedOut)
          .isInstanceOf(MigrationException.class)
          .hasMessageContaining(
              "statement_timeout (1000 ms) ended the wait for the other session's build of index"
                  + " public.accounts_status_idx");

      Future<MigrateResult> waiting = pool.submit(() -> migrate(V1, v2));
      await().atMost(Duration.ofSeconds(30)).until(() -> recovered.size() == 2);
      assertThat(waiting.isDone()).isFalse();
      waiting.cancel(true);
      await()
          .atMost(Duration.ofSeconds(30))
          .alias("the interrupted run ends, releasing the migration lock")
          .until(
              () -> pg.queryLong("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0);

      assertThat(build.isDone()).as("the other session's build goes on").isFalse();
      writer.commit();
      assertThat(build.get(30, TimeUnit.SECONDS)).isFalse();
    } finally {
      pool.shutdownNow();
    }
    assertThat(notes())
        .hasSize(2)
        .allSatisfy(
            note ->
                assertThat(note)
                    .matches(
                        "1: index public.accounts_status_idx is still being built by session"
                            + " [0-9]+ \\(an earlier run whose client ended\\); waiting for that"
                            + " build to end"));
    assertThat(
            pg.queryStrings(
                "SELECT indisvalid::text FROM pg_index WHERE indexrelid ="
                    + " 'accounts_status_idx'::regclass"))
        .containsExactly("true");
    assertThat(pg.queryStrings("SELECT script FROM pitstop_schema_history"))
        .containsExactly("V1__accounts.sql");
  }

  @Test
  void readsTheIndexAndTableOfAConcurrentBuild() {
    assertThat(
            InterruptedIndexWork.build(
                SqlSplitter.split(
                        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"My Idx\" ON ONLY"
                            + " \"My Schema\" . \"T\" USING gin (a)")
                    .get(0)))
        .isEqualTo(
            new InterruptedIndexWork.Build(
                true, true, "My Idx", "\"My Schema\" . \"T\"", " USING gin (a)"));
    assertThat(
            InterruptedIndexWork.build(
                SqlSplitter.split("CREATE INDEX CONCURRENTLY ON t (a)").get(0)))
        .isNull();
  }
}
