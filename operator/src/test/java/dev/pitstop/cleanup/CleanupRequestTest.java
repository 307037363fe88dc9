package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CleanupRequestTest {
  private static final DeletionRule TOKENS =
      DeletionRule.olderThan("expired-tokens", "refresh_tokens", "expires_at", Duration.ZERO);

  @Test
  void defaultsFollowTheSpec() {
    CleanupRequest request = CleanupRequest.builder().rule(TOKENS).build();
    assertThat(request.batchSize()).isEqualTo(1000);
    assertThat(request.pauseBetweenBatches()).isEqualTo(Duration.ofMillis(50));
    assertThat(request.maxDuration()).isEqualTo(Duration.ofMinutes(30));
    assertThat(request.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(request.dryRun()).isFalse();
    assertThat(request.vacuumAnalyze()).isFalse();
    assertThat(request.lockScope()).isEmpty();
  }

  @Test
  void refusesARuleDeletingFromASystemSchemaButNotReadingAParentThere() {
    for (String table :
        new String[] {"pg_catalog.pg_description", "information_schema.sql_parts", "pg_toast.t"}) {
      assertThatThrownBy(() -> DeletionRule.where("sys", table, "true"))
          .isInstanceOfSatisfying(
              CleanupException.class,
              e -> {
                assertThat(e.subject()).isEqualTo("rules[sys].table");
                assertThat(e.getMessage())
                    .startsWith(table + " is in the system schema " + table.split("\\.")[0]);
              });
    }
    assertThat(
            DeletionRule.orphanedBy(
                    "stale", "grants", "role_name", "pg_catalog.pg_roles", "rolname")
                .table()
                .schema())
        .isNull();
    assertThat(DeletionRule.where("own", "pg_things", "true").table().name())
        .isEqualTo("pg_things");
  }

  @Test
  void refusesNoRules() {
    assertRefused(CleanupRequest.builder(), "rules", "rules must list at least one rule.");
  }

  @Test
  void refusesDuplicateRuleNames() {
    assertRefused(
        CleanupRequest.builder().rule(TOKENS).rule(TOKENS),
        "rules[expired-tokens]",
        "Rule name 'expired-tokens' is used twice.");
  }

  @Test
  void refusesBatchSizesOutOfRange() {
    assertRefused(
        CleanupRequest.builder().rule(TOKENS).batchSize(0),
        "batchSize",
        "batchSize must be between 1 and 100000, not 0.");
    assertRefused(
        CleanupRequest.builder().rule(TOKENS).batchSize(100_001),
        "batchSize",
        "batchSize must be between 1 and 100000, not 100001.");
  }

  @Test
  void refusesAZeroTimeBudget() {
    assertRefused(
        CleanupRequest.builder().rule(TOKENS).maxDuration(Duration.ZERO),
        "maxDuration",
        "maxDuration must be longer than 0s.");
  }

  @Test
  void refusesNegativeDurations() {
    assertRefused(
        CleanupRequest.builder().rule(TOKENS).pauseBetweenBatches(Duration.ofMillis(-1)),
        "pauseBetweenBatches",
        "pauseBetweenBatches must be zero or a positive duration.");
  }

  @Test
  void refusesAnInvalidTableNameNamingTheRuleField() {
    assertThatThrownBy(() -> DeletionRule.where("bad", "a.b.c", "true"))
        .isInstanceOf(CleanupException.class)
        .satisfies(e -> assertThat(((CleanupException) e).subject()).isEqualTo("rules[bad].table"))
        .hasMessageContaining("a.b.c");
    assertThatThrownBy(
            () -> DeletionRule.orphanedBy("orphans", "progress", "lesson_id", "bad name", "id"))
        .satisfies(
            e ->
                assertThat(((CleanupException) e).subject())
                    .isEqualTo("rules[orphans].orphanedBy.parentTable"));
  }

  @Test
  void ruleLockKeysDependOnScopeAndRule() {
    long key = RuleLock.keyFor("default/nightly", "old-logs");
    assertThat(RuleLock.keyFor("default/nightly", "old-logs")).isEqualTo(key);
    assertThat(RuleLock.keyFor("default/nightly", "expired-tokens")).isNotEqualTo(key);
    assertThat(RuleLock.keyFor("shop/nightly", "old-logs")).isNotEqualTo(key);
  }

  private static void assertRefused(
      CleanupRequest.Builder builder, String subject, String message) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(CleanupException.class)
        .hasMessage(message)
        .satisfies(
            e -> {
              CleanupException c = (CleanupException) e;
              assertThat(c.code()).isEqualTo(CleanupErrorCode.INVALID_REQUEST);
              assertThat(c.subject()).isEqualTo(subject);
              assertThat(c.isRefusal()).isTrue();
            });
  }
}
