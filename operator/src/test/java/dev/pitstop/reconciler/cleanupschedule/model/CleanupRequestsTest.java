package dev.pitstop.reconciler.cleanupschedule.model;

import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.olderThan;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.schedule;
import static dev.pitstop.reconciler.cleanupschedule.CleanupFixtures.where;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.api.v1alpha1.CleanupRule;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.CleanupScheduleSpec;
import dev.pitstop.reconciler.model.SpecException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupRequestsTest {
  private static CleanupSchedule valid() {
    return schedule("nightly", "app-db", olderThan("old-logs", "api_logs", "created_at", "365d"));
  }

  @Test
  void translatesTheSpecWithDefaults() throws SpecException {
    CleanupRequests config = CleanupRequests.prepare(valid());
    assertThat(config.schedule().expression()).isEqualTo("0 2 * * *");
    assertThat(config.startingDeadline()).isEqualTo(Duration.ofHours(1));
    assertThat(config.historyLimit()).isEqualTo(10);
    assertThat(config.request().batchSize()).isEqualTo(1000);
    assertThat(config.request().lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.request().statementTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.request().lockScope()).isEqualTo("default/nightly");
    assertThat(config.request().rules())
        .singleElement()
        .extracting(r -> r.name())
        .isEqualTo("old-logs");
  }

  @Test
  void eachBadFieldIsOneSentenceNamingIt() {
    assertRefused(c -> c.getSpec().schedule = "0 2 * *", "spec.schedule must have 5 fields");
    assertRefused(
        c -> c.getSpec().timeZone = "Mars/Olympus", "spec.timeZone must be an IANA time zone");
    assertRefused(
        c -> c.getSpec().maxDuration = "soon",
        "spec.maxDuration must be a duration such as 500ms, 10s, 5m, 1h30m or 7d, not 'soon'");
    assertRefused(
        c -> c.getSpec().rules.get(0).olderThan.age = "1y",
        "spec.rules[old-logs].olderThan.age must be a duration");
    assertRefused(
        c -> c.getSpec().rules.add(where("stale", "cache", "invalid; DROP TABLE x")),
        "spec.rules[stale].where must be one expression: ';' would end the statement");
    assertRefused(
        c -> c.getSpec().rules.add(where("old-logs", "cache", "invalid")),
        "spec.rules[old-logs]: Rule name 'old-logs' is used twice.");
    assertRefused(
        c -> {
          CleanupRule both = where("both", "cache", "invalid");
          both.olderThan = new CleanupRule.OlderThan();
          c.getSpec().rules.add(both);
        },
        "spec.rules[both] must set exactly one of olderThan, orphanedBy or where");
    assertRefused(
        c -> c.getSpec().rules.add(where("bad-table", "a.b.c", "invalid")),
        "spec.rules[bad-table].table");
    assertRefused(c -> c.getSpec().batchSize = 0, "spec.batchSize must be between 1 and 100000");
    assertRefused(c -> c.getSpec().rules.clear(), "spec.rules must list at least one rule");
    assertRefused(
        c -> c.getSpec().database.secretRef.namespace = "other",
        "spec.database.secretRef.namespace");
    assertRefused(
        c -> {
          c.getSpec().notify = new CleanupScheduleSpec.Notify();
        },
        "spec.notify.webhookSecretRef.name is required");
    assertRefused(
        c -> {
          c.getSpec().notify = new CleanupScheduleSpec.Notify();
          c.getSpec().notify.webhookSecretRef = new CleanupScheduleSpec.SecretKeyRef();
          c.getSpec().notify.webhookSecretRef.name = "slack";
          c.getSpec().notify.results = List.of(CleanupScheduleSpec.NotifyOn.Success);
          setDeprecatedOn(c.getSpec().notify, List.of(CleanupScheduleSpec.NotifyOn.Failure));
        },
        "spec.notify.on and spec.notify.results list different results");
  }

  @SuppressWarnings("deprecation")
  private static void setDeprecatedOn(
      CleanupScheduleSpec.Notify notify, List<CleanupScheduleSpec.NotifyOn> on) {
    notify.on = on;
  }

  private interface Edit {
    void apply(CleanupSchedule c);
  }

  private static void assertRefused(Edit edit, String messageStart) {
    CleanupSchedule c = valid();
    edit.apply(c);
    assertThatThrownBy(() -> CleanupRequests.prepare(c))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith(messageStart)
        .satisfies(e -> assertThat(((SpecException) e).reason()).isEqualTo("InvalidSpec"));
  }
}
