package dev.pitstop.reconciler.sandboxreset;

import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.NAMESPACE;
import static dev.pitstop.reconciler.databasemigration.MigrationFixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.InlineScript;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.SandboxResetStatus.ResetRun;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scheduled resets with a schedule firing every minute: these tests wait for real minute
 * boundaries, so each takes up to about a minute and a half.
 */
class SandboxResetScheduleIT {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension();

  @BeforeEach
  void sandbox() {
    kube.client().resource(secret("sandbox-db", pg.jdbcUrl(), pg.user(), "pw-sched")).create();
    pg.execute("CREATE TABLE notes (id bigserial PRIMARY KEY, body text)");
  }

  private SandboxReset everyMinute(String name, String startingDeadline) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = pg.databaseName();
    spec.schedule = "* * * * *";
    spec.startingDeadline = startingDeadline;
    sbr.setSpec(spec);
    return sbr;
  }

  @Test
  void fireTimesMissedWhileTheOperatorWasDownRunOnceOrAreRecordedAsMissed() {
    kube.stopOperator();
    kube.client().resource(everyMinute("within-deadline", "1h")).create();
    kube.client().resource(everyMinute("past-deadline", "1s")).create();
    pg.execute("INSERT INTO notes (body) SELECT 'n' FROM generate_series(1, 10)");
    Instant boundary = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    sleepUntil(boundary.plusSeconds(3));

    kube.restartOperator();

    SandboxReset ran =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("within-deadline"),
                r -> r.getStatus() != null && r.getStatus().lastRun != null);
    assertThat(ran.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(ran.getStatus().lastRun.scheduleTime).isEqualTo(boundary.toString());
    assertThat(ran.getStatus().lastScheduleTime).isEqualTo(boundary.toString());
    assertThat(ran.getStatus().phase).isEqualTo(ResetPhase.Scheduled);
    assertThat(ran.getStatus().nextRunTime).isEqualTo(boundary.plusSeconds(60).toString());

    SandboxReset missed =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("past-deadline"),
                r -> r.getStatus() != null && !r.getStatus().history.isEmpty());
    ResetRun entry = missed.getStatus().history.get(0);
    assertThat(entry.result).isEqualTo(RunResult.Missed);
    assertThat(entry.scheduleTime).isEqualTo(boundary.toString());
    assertThat(missed.getStatus().lastRun).isNull();
    assertThat(kube.eventsFor(missed)).extracting(Event::getReason).contains("ScheduleMissed");
    assertThat(pg.rowCount("notes")).isZero();
  }

  @Test
  void fireTimeDuringARunningResetIsSkipped() {
    SandboxReset sbr = everyMinute("sandbox", "1h");
    sbr.getSpec().seed = new ScriptSource();
    sbr.getSpec().seed.inline.add(new InlineScript("01-slow.sql", "SELECT pg_sleep(20);"));
    // The manual run must start well before the next fire time: too close to a minute boundary,
    // the fire time may come before the run starts, and the scenario is not set up.
    Instant boundary = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
    if (Duration.between(Instant.now(), boundary).compareTo(Duration.ofSeconds(15)) < 0) {
      sleepUntil(boundary.plusSeconds(1));
    }
    kube.client().resource(sbr).create();
    SandboxReset scheduled =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("sandbox"),
                r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Scheduled);
    Instant next = Instant.parse(scheduled.getStatus().nextRunTime);
    // Start a manual run 10 s before the next fire time, so that it is still going then.
    sleepUntil(next.minusSeconds(10));

    annotate("sandbox", "manual-1");

    SandboxReset skipped =
        await()
            .atMost(Duration.ofSeconds(40))
            .until(
                () -> get("sandbox"),
                r -> r.getStatus().history.stream().anyMatch(h -> h.result == RunResult.Skipped));
    ResetRun entry =
        skipped.getStatus().history.stream()
            .filter(h -> h.result == RunResult.Skipped)
            .findFirst()
            .orElseThrow();
    assertThat(entry.scheduleTime).isEqualTo(next.toString());
    assertThat(kube.eventsFor(skipped)).extracting(Event::getReason).contains("ScheduleSkipped");

    SandboxReset done =
        await()
            .atMost(Duration.ofSeconds(40))
            .until(() -> get("sandbox"), r -> r.getStatus().lastRun != null);
    assertThat(done.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(done.getStatus().observedRunRequest).isEqualTo("manual-1");
    assertThat(done.getStatus().lastScheduleTime).isEqualTo(next.toString());
  }

  private SandboxReset get(String name) {
    return kube.client().resources(SandboxReset.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private void annotate(String name, String value) {
    kube.client()
        .resources(SandboxReset.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .edit(
            r -> {
              r.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, value);
              return r;
            });
  }

  private static void sleepUntil(Instant when) {
    long millis = Duration.between(Instant.now(), when).toMillis();
    if (millis > 0) {
      SandboxResetIT.sleep(Duration.ofMillis(millis));
    }
  }
}
