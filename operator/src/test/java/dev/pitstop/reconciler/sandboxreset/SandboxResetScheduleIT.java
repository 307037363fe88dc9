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
import dev.pitstop.testing.Conflicts;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.SqlGate;
import dev.pitstop.testing.TestClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scheduled resets with a schedule firing every minute. The operator runs on a {@link TestClock}: a
 * fire time comes when the test moves the clock to it, never by waiting for the wall clock.
 */
class SandboxResetScheduleIT {
  private final TestClock clock = new TestClock();

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final OperatorExtension kube = new OperatorExtension().withClock(clock);

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
    SandboxReset within = kube.client().resource(everyMinute("within-deadline", "1h")).create();
    SandboxReset past = kube.client().resource(everyMinute("past-deadline", "1s")).create();
    pg.execute("INSERT INTO notes (body) SELECT 'n' FROM generate_series(1, 10)");
    // The first fire time after both were created passes while the operator is down.
    Instant boundary = firstFireTimeAfter(within, past);
    clock.set(boundary.plusSeconds(3));

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
    try (SqlGate gate = SqlGate.closed(pg.dataSource())) {
      SandboxReset sbr = everyMinute("sandbox", "1h");
      sbr.getSpec().seed = new ScriptSource();
      sbr.getSpec().seed.inline.add(new InlineScript("01-held.sql", gate.statement()));
      SandboxReset created = kube.client().resource(sbr).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> get("sandbox"),
              r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Scheduled);
      Instant next = firstFireTimeAfter(created);

      // A manual run starts before the next fire time and is held at its seed until that fire
      // time has come.
      annotate("sandbox", "manual-1");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get("sandbox"), r -> r.getStatus().phase == ResetPhase.Seeding);
      clock.set(next);

      SandboxReset skipped =
          await()
              .atMost(Duration.ofSeconds(30))
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
      assertThat(skipped.getStatus().phase).as("the run still goes").isEqualTo(ResetPhase.Seeding);

      gate.open();
      SandboxReset done =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> get("sandbox"), r -> r.getStatus().lastRun != null);
      assertThat(done.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
      assertThat(done.getStatus().observedRunRequest).isEqualTo("manual-1");
      assertThat(done.getStatus().lastScheduleTime).isEqualTo(next.toString());
    }
  }

  /**
   * A new schedule whose latest fire time lies between the creation and the change, and a resume
   * after fire times passed while suspended: neither runs now (the sandbox keeps its rows); the
   * next fire time does.
   */
  @Test
  void changingTheScheduleOrResumingRunsNothingForAFireTimeBeforeTheChange() {
    SandboxReset nightly = everyMinute("sandbox", "1h");
    nightly.getSpec().schedule = "0 3 1 1 *";
    kube.client().resource(nightly).create();
    awaitObserved("sandbox");
    pg.execute("INSERT INTO notes (body) SELECT 'n' FROM generate_series(1, 10)");
    clock.advance(Duration.ofMinutes(2));

    edit("sandbox", spec -> spec.schedule = "* * * * *");
    SandboxReset changed = awaitObserved("sandbox");

    assertThat(changed.getStatus().history).as("a new schedule runs nothing now").isEmpty();
    assertThat(pg.rowCount("notes")).isEqualTo(10);
    assertThat(changed.getStatus().scheduleStart).isNotNull();
    Instant next = Instant.parse(changed.getStatus().nextRunTime);
    clock.set(next);
    SandboxReset ran =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> get("sandbox"), r -> r.getStatus().lastRun != null);
    assertThat(ran.getStatus().lastRun.scheduleTime).isEqualTo(next.toString());
    assertThat(pg.rowCount("notes")).isZero();

    edit("sandbox", spec -> spec.suspend = true);
    awaitObserved("sandbox");
    pg.execute("INSERT INTO notes (body) SELECT 'n' FROM generate_series(1, 10)");
    clock.advance(Duration.ofMinutes(3));
    edit("sandbox", spec -> spec.suspend = false);
    SandboxReset resumed = awaitObserved("sandbox");

    assertThat(resumed.getStatus().history)
        .as("a fire time that passed while suspended is not caught up")
        .hasSize(1);
    assertThat(pg.rowCount("notes")).isEqualTo(10);
  }

  /** A schedule added to a reset that ran once without one starts at its next fire time. */
  @Test
  void aScheduleAddedToAResetWithoutOneRunsNothingNow() {
    SandboxReset once = everyMinute("sandbox", "1h");
    once.getSpec().schedule = null;
    kube.client().resource(once).create();
    SandboxReset ran =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> get("sandbox"),
                r -> r.getStatus() != null && r.getStatus().phase == ResetPhase.Succeeded);
    pg.execute("INSERT INTO notes (body) SELECT 'n' FROM generate_series(1, 10)");
    clock.advance(Duration.ofMinutes(2));

    edit("sandbox", spec -> spec.schedule = "* * * * *");
    SandboxReset scheduled = awaitObserved("sandbox");

    assertThat(scheduled.getStatus().history).as("adding a schedule runs nothing now").hasSize(1);
    assertThat(pg.rowCount("notes")).isEqualTo(10);
    assertThat(ran.getStatus().lastRun).isNotNull();
  }

  /** The resource once the operator wrote a status for its current generation. */
  private SandboxReset awaitObserved(String name) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> get(name),
            r ->
                r.getStatus() != null
                    && r.getMetadata().getGeneration().equals(r.getStatus().observedGeneration)
                    && r.getStatus().phase == ResetPhase.Scheduled);
  }

  private void edit(String name, java.util.function.Consumer<SandboxResetSpec> change) {
    change(name, r -> change.accept(r.getSpec()));
  }

  private void change(String name, java.util.function.Consumer<SandboxReset> change) {
    Conflicts.edit(kube.client(), SandboxReset.class, NAMESPACE, name, change);
  }

  /** The first fire time of "* * * * *" that counts for all of {@code resources}. */
  private static Instant firstFireTimeAfter(SandboxReset... resources) {
    Instant created =
        Arrays.stream(resources)
            .map(r -> Instant.parse(r.getMetadata().getCreationTimestamp()))
            .max(Instant::compareTo)
            .orElseThrow();
    return created.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
  }

  private SandboxReset get(String name) {
    return kube.client().resources(SandboxReset.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private void annotate(String name, String value) {
    change(name, r -> r.getMetadata().getAnnotations().put(Pitstop.RUN_REQUESTED_AT, value));
  }
}
