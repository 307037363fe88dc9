package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine against a real PostgreSQL: what each kind of rule deletes, and what it refuses. */
class CleanupEngineTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @BeforeEach
  void learningPlatformTables() {
    pg.execute(
        "CREATE TABLE refresh_tokens (token text PRIMARY KEY, expires_at timestamptz NOT NULL);"
            + " INSERT INTO refresh_tokens SELECT 'expired-' || i, now() - interval '1 hour'"
            + " FROM generate_series(1, 2500) i;"
            + " INSERT INTO refresh_tokens SELECT 'live-' || i, now() + interval '1 hour'"
            + " FROM generate_series(1, 700) i;"
            + "CREATE TABLE api_logs (id bigserial PRIMARY KEY, created_at timestamp NOT NULL,"
            + " message text);"
            + " INSERT INTO api_logs (created_at, message) SELECT now() - interval '400 days', 'old'"
            + " FROM generate_series(1, 300);"
            + " INSERT INTO api_logs (created_at, message) SELECT now() - interval '10 days', 'new'"
            + " FROM generate_series(1, 200);"
            + "CREATE TABLE lessons (id bigserial PRIMARY KEY, title text);"
            + " INSERT INTO lessons (title) SELECT 'lesson ' || i FROM generate_series(1, 10) i;"
            + "CREATE TABLE lesson_progress (id bigserial PRIMARY KEY, lesson_id bigint,"
            + " done boolean);"
            + " INSERT INTO lesson_progress (lesson_id, done)"
            + " SELECT 1 + i % 20, true FROM generate_series(1, 400) i;"
            + " INSERT INTO lesson_progress (lesson_id, done) VALUES (NULL, false);"
            + "CREATE TABLE cache_entries (key text, expires_at timestamptz,"
            + " invalid boolean NOT NULL DEFAULT false);"
            + " INSERT INTO cache_entries SELECT 'k' || i, now() - interval '1 minute', false"
            + " FROM generate_series(1, 50) i;"
            + " INSERT INTO cache_entries SELECT 'v' || i, now() + interval '1 day', i <= 5"
            + " FROM generate_series(1, 30) i;");
  }

  private CleanupEngine engine() {
    return new CleanupEngine(pg.dataSource());
  }

  private static CleanupRequest.Builder request() {
    return CleanupRequest.builder().pauseBetweenBatches(Duration.ZERO);
  }

  @Test
  void olderThanDeletesExpiredRowsInBatchesAndKeepsTheRest() {
    List<BatchReport> batches = new CopyOnWriteArrayList<>();
    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(1000)
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "public.refresh_tokens", "expires_at", Duration.ZERO))
                    .build(),
                new CleanupListener() {
                  @Override
                  public void onBatch(BatchReport batch) {
                    batches.add(batch);
                  }
                });

    assertThat(result.outcome()).isEqualTo(CleanupOutcome.SUCCEEDED);
    RuleOutcome tokens = result.rule("expired-tokens").orElseThrow();
    assertThat(tokens.state()).isEqualTo(RuleState.DONE);
    assertThat(tokens.table()).isEqualTo("public.refresh_tokens");
    assertThat(tokens.matched()).isEqualTo(2500);
    assertThat(tokens.deleted()).isEqualTo(2500);
    assertThat(tokens.remaining()).isZero();
    assertThat(tokens.batches()).isEqualTo(3);
    assertThat(batches).extracting(BatchReport::deleted).containsExactly(1000, 1000, 500);
    assertThat(result.rowsDeleted()).isEqualTo(2500);
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(700);
    assertThat(pg.queryLong("SELECT count(*) FROM refresh_tokens WHERE token LIKE 'live-%'"))
        .isEqualTo(700);
  }

  @Test
  void aChildTablesRowWithAPickedKeyIsNotDeletedUnlessItMatches() {
    // A primary key is not inherited: the child holds current rows with the parent's key values.
    pg.execute(
        "CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL);"
            + " CREATE INDEX ON events (at);"
            + " CREATE TABLE events_archive () INHERITS (events);"
            + " INSERT INTO events SELECT i, timestamptz '2020-01-01' FROM generate_series(1, 300) i;"
            + " INSERT INTO events_archive SELECT i, now() + interval '10 days'"
            + " FROM generate_series(1, 300) i;");

    // 300 rows share one key value, more than a batch: the rule deletes in locking batches
    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(100)
                    .rule(DeletionRule.olderThan("old", "events", "at", Duration.ofDays(365)))
                    .build(),
                CleanupListener.NONE);

    RuleOutcome old = result.rule("old").orElseThrow();
    assertThat(old.deleted()).isEqualTo(300);
    assertThat(pg.queryLong("SELECT count(*) FROM ONLY events")).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM events_archive")).isEqualTo(300);
    assertThat(result.outcome()).isEqualTo(CleanupOutcome.SUCCEEDED);
  }

  @Test
  void rowsABeforeDeleteTriggerKeepsAreReportedAsLeftNotDeleted() {
    // a soft delete: the trigger marks the row and keeps it
    pg.execute(
        "ALTER TABLE api_logs ADD COLUMN deleted boolean NOT NULL DEFAULT false;"
            + " CREATE INDEX ON api_logs (created_at);"
            + " CREATE FUNCTION keep_log() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN UPDATE api_logs SET deleted = true WHERE id = OLD.id; RETURN NULL; END $$;"
            + " CREATE TRIGGER keep_log BEFORE DELETE ON api_logs FOR EACH ROW"
            + " EXECUTE FUNCTION keep_log();");

    CleanupResult result =
        engine()
            .run(
                request()
                    .rule(
                        DeletionRule.olderThan(
                            "old-logs", "api_logs", "created_at", Duration.ofDays(365)))
                    .build(),
                CleanupListener.NONE);

    RuleOutcome logs = result.rule("old-logs").orElseThrow();
    assertThat(logs.deleted()).isZero();
    assertThat(logs.remaining()).isEqualTo(300);
    assertThat(logs.matched()).isEqualTo(300);
    assertThat(logs.message()).contains("BEFORE DELETE trigger");
    assertThat(result.outcome()).isEqualTo(CleanupOutcome.INCOMPLETE);
    assertThat(pg.rowCount("api_logs")).isEqualTo(500);
  }

  @Test
  void olderThanWorksOnTimestampWithoutTimeZoneAndLongAges() {
    CleanupResult result =
        engine()
            .run(
                request()
                    .rule(
                        DeletionRule.olderThan(
                            "old-logs", "api_logs", "created_at", Duration.ofDays(365)))
                    .build(),
                CleanupListener.NONE);
    assertThat(result.rule("old-logs").orElseThrow().deleted()).isEqualTo(300);
    assertThat(pg.queryLong("SELECT count(*) FROM api_logs WHERE message = 'new'")).isEqualTo(200);
    assertThat(pg.rowCount("api_logs")).isEqualTo(200);
  }

  @Test
  void orphanedByDeletesRowsWhoseParentIsGoneAndKeepsNullReferences() {
    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(50)
                    .rule(
                        DeletionRule.orphanedBy(
                            "orphaned-progress", "lesson_progress", "lesson_id", "lessons", "id"))
                    .build(),
                CleanupListener.NONE);

    // lesson_id = 1 + i % 20 for i in 1..400: ids 11..20 are orphans, 20 rows each.
    assertThat(result.rule("orphaned-progress").orElseThrow().deleted()).isEqualTo(200);
    assertThat(pg.queryLong("SELECT count(*) FROM lesson_progress WHERE lesson_id > 10")).isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM lesson_progress WHERE lesson_id <= 10"))
        .isEqualTo(200);
    assertThat(pg.queryLong("SELECT count(*) FROM lesson_progress WHERE lesson_id IS NULL"))
        .isEqualTo(1);
  }

  @Test
  void orphanedByHandlesASelfReference() {
    pg.execute(
        "CREATE TABLE comments (id int PRIMARY KEY, parent_id int);"
            + " INSERT INTO comments VALUES (1, NULL), (2, 1), (3, 99), (4, 3)");
    CleanupResult result =
        engine()
            .run(
                request()
                    .rule(
                        DeletionRule.orphanedBy(
                            "orphaned-replies", "comments", "parent_id", "comments", "id"))
                    .build(),
                CleanupListener.NONE);
    // 3 points at a missing 99; 4 points at 3, which still existed when the run looked, so 4 is
    // an orphan only after the run: the next run deletes it.
    assertThat(result.rule("orphaned-replies").orElseThrow().deleted()).isEqualTo(1);
    assertThat(pg.queryStrings("SELECT id::text FROM comments ORDER BY id"))
        .containsExactly("1", "2", "4");
    CleanupResult next =
        engine()
            .run(
                request()
                    .rule(
                        DeletionRule.orphanedBy(
                            "orphaned-replies", "comments", "parent_id", "comments", "id"))
                    .build(),
                CleanupListener.NONE);
    assertThat(next.rowsDeleted()).isEqualTo(1);
    assertThat(pg.queryStrings("SELECT id::text FROM comments ORDER BY id"))
        .containsExactly("1", "2");
  }

  @Test
  void whereDeletesMatchingRowsOfATableWithoutPrimaryKeyByCtid() {
    CleanupPlan plan =
        engine()
            .plan(
                request()
                    .rule(
                        DeletionRule.where(
                            "stale-cache", "cache_entries", "expires_at < now() OR invalid"))
                    .build());
    assertThat(plan.rules().get(0).deleteBy()).isEqualTo("ctid");

    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(7)
                    .rule(
                        DeletionRule.where(
                            "stale-cache", "cache_entries", "expires_at < now() OR invalid"))
                    .build(),
                CleanupListener.NONE);

    RuleOutcome cache = result.rule("stale-cache").orElseThrow();
    assertThat(cache.deleted()).isEqualTo(55);
    assertThat(cache.batches()).isEqualTo(8);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(25);
    assertThat(pg.queryLong("SELECT count(*) FROM cache_entries WHERE invalid")).isZero();
  }

  @Test
  void partitionedTablesAreDeletedByTheirCompositePrimaryKey() {
    pg.execute(
        "CREATE TABLE enrollment_events (course_id int, seq int, at timestamptz NOT NULL,"
            + " PRIMARY KEY (course_id, seq)) PARTITION BY LIST (course_id);"
            + " CREATE TABLE enrollment_events_a PARTITION OF enrollment_events FOR VALUES IN (0, 1);"
            + " CREATE TABLE enrollment_events_b PARTITION OF enrollment_events"
            + " FOR VALUES IN (2, 9);"
            + " INSERT INTO enrollment_events SELECT i % 3, i, now() - interval '2 days'"
            + " FROM generate_series(1, 90) i;"
            + " INSERT INTO enrollment_events SELECT 9, i, now() FROM generate_series(1, 10) i");
    CleanupRequest cleanup =
        request()
            .batchSize(25)
            .rule(
                DeletionRule.olderThan("old-events", "enrollment_events", "at", Duration.ofDays(1)))
            .build();
    assertThat(engine().plan(cleanup).rules().get(0).deleteBy())
        .isEqualTo("primary key (course_id, seq)");

    CleanupResult result = engine().run(cleanup, CleanupListener.NONE);
    assertThat(result.rule("old-events").orElseThrow().deleted()).isEqualTo(90);
    assertThat(pg.rowCount("enrollment_events")).isEqualTo(10);
  }

  @Test
  void anIndexedTimeColumnIsWalkedInOrderAndAPrimaryKeyOtherwise() {
    pg.execute("CREATE INDEX api_logs_created_at_idx ON api_logs (created_at)");
    CleanupPlan plan =
        engine()
            .plan(
                request()
                    .rule(
                        DeletionRule.olderThan("old-logs", "api_logs", "created_at", Duration.ZERO))
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
                    .build());
    assertThat(plan.rules())
        .extracting(CleanupPlan.PlannedRule::deleteBy)
        .containsExactly("ctid, in created_at order", "ctid, in token order");
    assertThat(plan.rules().get(0).batchSql())
        .contains("FOR UPDATE SKIP LOCKED")
        .contains("ORDER BY \"created_at\"")
        .contains("\"created_at\" >= CAST(? AS timestamp without time zone)");
  }

  @Test
  void rowsSharingOneTimestampAreStillDeletedInBatchesOfAtMostBatchSize() {
    pg.execute(
        "CREATE TABLE imports (id bigserial PRIMARY KEY, imported_at timestamptz NOT NULL);"
            + " CREATE INDEX imports_at_idx ON imports (imported_at);"
            + " INSERT INTO imports (imported_at) SELECT '2020-01-01' FROM generate_series(1, 350);"
            + " INSERT INTO imports (imported_at)"
            + " SELECT '2020-01-02'::timestamptz + i * interval '1 second'"
            + " FROM generate_series(1, 250) i;"
            + " INSERT INTO imports (imported_at) SELECT now() FROM generate_series(1, 10)");
    List<BatchReport> batches = new CopyOnWriteArrayList<>();
    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(100)
                    .rule(
                        DeletionRule.olderThan(
                            "old-imports", "imports", "imported_at", Duration.ofDays(1)))
                    .build(),
                new CleanupListener() {
                  @Override
                  public void onBatch(BatchReport batch) {
                    batches.add(batch);
                  }
                });

    assertThat(result.rule("old-imports").orElseThrow().deleted()).isEqualTo(600);
    assertThat(batches).allSatisfy(b -> assertThat(b.deleted()).isLessThanOrEqualTo(100));
    assertThat(pg.rowCount("imports")).isEqualTo(10);
  }

  @Test
  void aPartitionedTableWithoutPrimaryKeyIsRefused() {
    pg.execute(
        "CREATE TABLE metrics (at timestamptz NOT NULL) PARTITION BY RANGE (at);"
            + " CREATE TABLE metrics_all PARTITION OF metrics DEFAULT");
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("old-metrics", "metrics", "at", Duration.ZERO),
        CleanupErrorCode.TABLE_NOT_FOUND,
        "rules[old-metrics].table",
        "rules[old-metrics].table: table public.metrics is partitioned and has no primary key, so"
            + " rows cannot be picked safely in batches; add a primary key or name one partition"
            + " or child.");
  }

  @Test
  void dryRunCountsEveryRuleAndDeletesNothing() {
    CleanupResult result =
        engine()
            .run(
                request()
                    .dryRun(true)
                    .vacuumAnalyze(true)
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
                    .rule(
                        DeletionRule.orphanedBy(
                            "orphaned-progress", "lesson_progress", "lesson_id", "lessons", "id"))
                    .rule(
                        DeletionRule.where(
                            "stale-cache", "cache_entries", "expires_at < now() OR invalid"))
                    .build(),
                CleanupListener.NONE);

    assertThat(result.dryRun()).isTrue();
    assertThat(result.outcome()).isEqualTo(CleanupOutcome.SUCCEEDED);
    assertThat(result.rules())
        .extracting(RuleOutcome::name, RuleOutcome::state, RuleOutcome::matched)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("expired-tokens", RuleState.COUNTED, 2500L),
            org.assertj.core.groups.Tuple.tuple("orphaned-progress", RuleState.COUNTED, 200L),
            org.assertj.core.groups.Tuple.tuple("stale-cache", RuleState.COUNTED, 55L));
    assertThat(result.rowsDeleted()).isZero();
    assertThat(result.vacuumed()).isEmpty();
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3200);
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(401);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
  }

  @Test
  void vacuumAnalyzeRunsOnTablesThatLostRowsOnly() {
    CleanupResult result =
        engine()
            .run(
                request()
                    .vacuumAnalyze(true)
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
                    .rule(
                        DeletionRule.olderThan(
                            "ancient-logs", "api_logs", "created_at", Duration.ofDays(5000)))
                    .build(),
                CleanupListener.NONE);

    assertThat(result.vacuumed()).containsExactly("public.refresh_tokens");
    assertThat(result.warnings()).isEmpty();
    assertThat(
            pg.queryLong(
                "SELECT vacuum_count + analyze_count FROM pg_stat_user_tables"
                    + " WHERE relname = 'refresh_tokens'"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void maxDurationStopsBetweenBatchesWithRowsRemainingCounted() {
    CleanupResult result =
        engine()
            .run(
                request()
                    .batchSize(100)
                    .pauseBetweenBatches(Duration.ofMillis(100))
                    .maxDuration(Duration.ofMillis(700))
                    .vacuumAnalyze(true)
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
                    .rule(
                        DeletionRule.olderThan(
                            "old-logs", "api_logs", "created_at", Duration.ofDays(365)))
                    .build(),
                CleanupListener.NONE);

    assertThat(result.outcome()).isEqualTo(CleanupOutcome.INCOMPLETE);
    RuleOutcome tokens = result.rule("expired-tokens").orElseThrow();
    assertThat(tokens.state()).isEqualTo(RuleState.MAX_DURATION);
    assertThat(tokens.deleted()).isBetween(100L, 2400L);
    assertThat(tokens.remaining()).isEqualTo(2500 - tokens.deleted());
    assertThat(tokens.deleted() % 100).as("whole batches only").isZero();
    assertThat(pg.queryLong("SELECT count(*) FROM refresh_tokens WHERE token LIKE 'expired-%'"))
        .isEqualTo(tokens.remaining());
    RuleOutcome logs = result.rule("old-logs").orElseThrow();
    assertThat(logs.state()).isEqualTo(RuleState.MAX_DURATION);
    assertThat(logs.deleted()).isZero();
    assertThat(result.vacuumed()).isEmpty();
    assertThat(result.warnings()).singleElement().asString().contains("VACUUM (ANALYZE) skipped");
    assertThat(pg.rowCount("api_logs")).isEqualTo(500);
  }

  @Test
  void aMissingTableIsRefusedByNameAndNothingIsDeleted() {
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("old-audit", "audit_log", "created_at", Duration.ZERO),
        CleanupErrorCode.TABLE_NOT_FOUND,
        "rules[old-audit].table",
        "rules[old-audit].table: table audit_log does not exist in the search_path.");
  }

  /** Prisma (and NextAuth's tables through it) names tables in mixed case: "Session". */
  @Test
  void aTableNamedInAnotherCaseIsRefusedWithHowToNameItAndNothingIsDeleted() {
    pg.execute(
        "CREATE TABLE \"Session\" (id text PRIMARY KEY, expires timestamp(3) NOT NULL);"
            + " INSERT INTO \"Session\" VALUES ('old', now() - interval '1 day');");

    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("sessions", "Session", "expires", Duration.ZERO),
        CleanupErrorCode.TABLE_NOT_FOUND,
        "rules[sessions].table",
        "rules[sessions].table: table session does not exist in the search_path;"
            + " public.\"Session\" does (a name without double quotes is folded to lower case):"
            + " write '\"Session\"' to name it.");
    assertThat(pg.queryLong("SELECT count(*) FROM \"Session\"")).isEqualTo(1);

    CleanupResult result =
        engine()
            .run(
                request()
                    .rule(
                        DeletionRule.olderThan("sessions", "\"Session\"", "expires", Duration.ZERO))
                    .build(),
                CleanupListener.NONE);
    assertThat(result.rule("sessions").orElseThrow().deleted()).isEqualTo(1);
  }

  @Test
  void aMissingSchemaQualifiedTableIsRefused() {
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("old-audit", "archive.audit_log", "created_at", Duration.ZERO),
        CleanupErrorCode.TABLE_NOT_FOUND,
        "rules[old-audit].table",
        "rules[old-audit].table: table archive.audit_log does not exist.");
  }

  @Test
  void aViewIsRefused() {
    pg.execute("CREATE VIEW live_tokens AS SELECT * FROM refresh_tokens");
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("tokens", "live_tokens", "expires_at", Duration.ZERO),
        CleanupErrorCode.TABLE_NOT_FOUND,
        "rules[tokens].table",
        "rules[tokens].table: public.live_tokens is a view, not a table.");
  }

  @Test
  void aMissingColumnIsRefusedByName() {
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("old-logs", "api_logs", "logged_at", Duration.ZERO),
        CleanupErrorCode.COLUMN_NOT_FOUND,
        "rules[old-logs].olderThan.column",
        "rules[old-logs].olderThan.column: column logged_at does not exist in table"
            + " public.api_logs.");
  }

  @Test
  void aMissingParentColumnIsRefusedByName() {
    assertRefusedAndNothingDeleted(
        DeletionRule.orphanedBy("orphans", "lesson_progress", "lesson_id", "lessons", "uuid"),
        CleanupErrorCode.COLUMN_NOT_FOUND,
        "rules[orphans].orphanedBy.parentColumn",
        "rules[orphans].orphanedBy.parentColumn: column uuid does not exist in table"
            + " public.lessons.");
  }

  @Test
  void anOlderThanColumnThatIsNotATimeIsRefused() {
    assertRefusedAndNothingDeleted(
        DeletionRule.olderThan("old-logs", "api_logs", "message", Duration.ZERO),
        CleanupErrorCode.INVALID_COLUMN_TYPE,
        "rules[old-logs].olderThan.column",
        "rules[old-logs].olderThan.column: column message of public.api_logs is not a"
            + " timestamp, timestamptz or date column, so it has no age.");
  }

  @Test
  void aWhereWithAnUnknownColumnIsRefusedByTheServer() {
    CleanupException e =
        assertRefusedAndNothingDeleted(
            DeletionRule.where("stale-cache", "cache_entries", "expired_at < now()"),
            CleanupErrorCode.INVALID_WHERE,
            "rules[stale-cache].where",
            null);
    assertThat(e.getMessage())
        .startsWith(
            "rules[stale-cache].where: not a valid boolean expression for table"
                + " public.cache_entries: column \"expired_at\" does not exist")
        .contains("SQLSTATE 42703");
  }

  @Test
  void aWhereWithADataModifyingWithIsRefusedNamingTheField() {
    // 0A000 makes the pool close the connection; the refusal must still name the field
    CleanupException e =
        assertRefusedAndNothingDeleted(
            DeletionRule.where(
                "stale-cache",
                "cache_entries",
                "key IN (WITH d AS (DELETE FROM cache_entries RETURNING key) SELECT key FROM d)"),
            CleanupErrorCode.INVALID_WHERE,
            "rules[stale-cache].where",
            null);
    assertThat(e.getMessage()).contains("SQLSTATE 0A000");
  }

  @Test
  void aWhereThatIsNotBooleanIsRefusedByTheServer() {
    CleanupException e =
        assertRefusedAndNothingDeleted(
            DeletionRule.where("stale-cache", "cache_entries", "length(key)"),
            CleanupErrorCode.INVALID_WHERE,
            "rules[stale-cache].where",
            null);
    assertThat(e.getMessage()).contains("must be type boolean");
  }

  @Test
  void aWhereWithADataModifyingSubqueryIsRefusedByTheServer() {
    assertRefusedAndNothingDeleted(
        DeletionRule.where(
            "sneaky",
            "cache_entries",
            "EXISTS (WITH gone AS (DELETE FROM lessons RETURNING 1) SELECT 1 FROM gone)"),
        CleanupErrorCode.INVALID_WHERE,
        "rules[sneaky].where",
        null);
    assertThat(pg.rowCount("lessons")).isEqualTo(10);
  }

  @Test
  void aWhereWithASemicolonIsRefusedBeforeTheServerSeesIt() {
    assertThatThrownBy(
            () ->
                DeletionRule.where("stale-cache", "cache_entries", "invalid; DELETE FROM lessons"))
        .isInstanceOf(CleanupException.class)
        .hasMessageContaining("';' would end the statement");
    assertThat(pg.rowCount("lessons")).isEqualTo(10);
  }

  @Test
  void aWhereThatFailsOnlyOnTheDataIsRefusedBeforeAnyRuleDeletes() {
    pg.execute(
        "CREATE TABLE webhook_events (id bigserial PRIMARY KEY, payload text);"
            + " INSERT INTO webhook_events (payload) SELECT i::text FROM generate_series(1, 3000) i;"
            + " INSERT INTO webhook_events (payload) VALUES ('not a number')");
    CleanupException refused =
        assertRefusedAndNothingDeleted(
            DeletionRule.where("small-payloads", "webhook_events", "payload::int > 5"),
            CleanupErrorCode.INVALID_WHERE,
            "rules[small-payloads].where",
            null);
    assertThat(refused)
        .hasMessageContaining("fails on the rows of public.webhook_events")
        .hasMessageContaining("invalid input syntax for type integer");
    assertThat(pg.rowCount("webhook_events")).isEqualTo(3001);
  }

  @Test
  void aRuleThatFailsAtRunTimeStopsOnlyItselfAndTheRunFails() {
    // Checked before the run the divisor is 10; once the first rule has emptied lessons it is 0.
    CleanupResult result =
        engine()
            .run(
                request()
                    .rule(DeletionRule.where("all-lessons", "lessons", "true"))
                    .rule(
                        DeletionRule.where(
                            "by-lesson-count",
                            "cache_entries",
                            "100 / (SELECT count(*) FROM lessons) > 0"))
                    .rule(
                        DeletionRule.olderThan(
                            "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
                    .build(),
                CleanupListener.NONE);

    assertThat(result.outcome()).isEqualTo(CleanupOutcome.FAILED);
    assertThat(result.rule("all-lessons").orElseThrow().deleted()).isEqualTo(10);
    RuleOutcome failed = result.rule("by-lesson-count").orElseThrow();
    assertThat(failed.state()).isEqualTo(RuleState.FAILED);
    assertThat(failed.deleted()).isZero();
    assertThat(failed.message()).contains("division by zero");
    assertThat(result.rule("expired-tokens").orElseThrow().deleted()).isEqualTo(2500);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(700);
  }

  @Test
  void aDryRunIsReadOnlySoAWhereWithSideEffectsIsRefusedAndChangesNothing() {
    pg.execute(
        "CREATE SEQUENCE ticket_seq;"
            + "CREATE TABLE audit (note text);"
            + "CREATE FUNCTION noted() RETURNS boolean LANGUAGE sql VOLATILE"
            + " AS $$ INSERT INTO audit VALUES ('called') RETURNING true $$");
    for (String where : List.of("nextval('ticket_seq') > 0", "invalid AND noted()")) {
      CleanupException refused =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              () ->
                  engine()
                      .dryRun(
                          request()
                              .rule(DeletionRule.where("stale", "cache_entries", where))
                              .build(),
                          CleanupListener.NONE),
              CleanupException.class);
      assertThat(refused).as(where).isNotNull();
      assertThat(refused.code()).isEqualTo(CleanupErrorCode.INVALID_WHERE);
      assertThat(refused.subject()).isEqualTo("rules[stale].where");
      assertThat(refused).hasMessageContaining("would change data");
    }
    assertThat(pg.queryStrings("SELECT is_called::text FROM ticket_seq")).containsExactly("false");
    assertThat(pg.rowCount("audit")).isZero();
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
  }

  @Test
  void aLostDatabaseIsATransientError() {
    org.postgresql.ds.PGSimpleDataSource down = new org.postgresql.ds.PGSimpleDataSource();
    down.setURL("jdbc:postgresql://127.0.0.1:1/nowhere");
    down.setUser("nobody");
    down.setPassword("pw-not-shown-4711");
    assertThatThrownBy(
            () ->
                new CleanupEngine(down)
                    .run(
                        request()
                            .rule(DeletionRule.where("any", "cache_entries", "invalid"))
                            .build(),
                        CleanupListener.NONE))
        .isInstanceOf(CleanupException.class)
        .satisfies(
            e -> {
              CleanupException c = (CleanupException) e;
              assertThat(c.code()).isEqualTo(CleanupErrorCode.DATABASE_ERROR);
              assertThat(c.isTransient()).isTrue();
              assertThat(c.isRefusal()).isFalse();
            });
  }

  /** The bad rule comes last, after good ones: nothing is deleted by any of them. */
  private CleanupException assertRefusedAndNothingDeleted(
      DeletionRule bad, CleanupErrorCode code, String subject, String message) {
    CleanupRequest cleanup =
        request()
            .rule(
                DeletionRule.olderThan(
                    "expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO))
            .rule(DeletionRule.where("stale-cache-ok", "cache_entries", "invalid"))
            .rule(bad)
            .build();
    CleanupException refused =
        (CleanupException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> engine().run(cleanup, CleanupListener.NONE));
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(code);
    assertThat(refused.subject()).isEqualTo(subject);
    assertThat(refused.isRefusal()).isTrue();
    if (message != null) {
      assertThat(refused).hasMessage(message);
    }
    assertThat(pg.rowCount("refresh_tokens")).isEqualTo(3200);
    assertThat(pg.rowCount("cache_entries")).isEqualTo(80);
    assertThat(pg.rowCount("api_logs")).isEqualTo(500);
    assertThat(pg.rowCount("lesson_progress")).isEqualTo(401);
    assertThatThrownBy(() -> engine().plan(cleanup)).isInstanceOf(CleanupException.class);
    return refused;
  }
}
