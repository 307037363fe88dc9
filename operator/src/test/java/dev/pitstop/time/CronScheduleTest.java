package dev.pitstop.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void nextFireTimeRespectsTheTimeZone() {
    CronSchedule berlin = CronSchedule.parse("0 3 * * *", "Europe/Berlin", "s", "z");
    // 03:00 in Berlin is 02:00 UTC in winter.
    assertThat(berlin.next(Instant.parse("2026-11-22T01:00:00Z")))
        .contains(Instant.parse("2026-11-22T02:00:00Z"));
    CronSchedule utc = CronSchedule.parse("0 3 * * *", "UTC", "s", "z");
    assertThat(utc.next(Instant.parse("2026-11-22T01:00:00Z")))
        .contains(Instant.parse("2026-11-22T03:00:00Z"));
  }

  /** A schedule that can never fire is refused, naming the field, instead of waiting forever. */
  @Test
  void aScheduleNoDateMatchesIsRefusedNamingTheField() {
    for (String never : new String[] {"0 0 30 2 *", "0 3 31 4,6,9,11 *"}) {
      assertThatThrownBy(() -> CronSchedule.parse(never, "UTC", "spec.schedule", "spec.timeZone"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "spec.schedule never fires: no date matches its day of month and month ('"
                  + never
                  + "')");
    }
    CronSchedule leapDay = CronSchedule.parse("0 0 29 2 *", "UTC", "s", "z");
    assertThat(leapDay.next(Instant.parse("2026-12-06T00:00:00Z")))
        .as("every fourth year is still a schedule")
        .contains(Instant.parse("2028-02-29T00:00:00Z"));
  }

  @Test
  void aFireTimeThatJustPassedIsDueOnce() {
    CronSchedule s = CronSchedule.parse("*/10 * * * *", "UTC", "s", "z");
    Instant created = Instant.parse("2026-11-22T09:00:00Z");
    Instant now = Instant.parse("2026-11-22T10:00:05Z");

    CronSchedule.Due due = s.due(Instant.parse("2026-11-22T09:50:00Z"), created, now, HOUR);
    assertThat(due.runNow()).isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
    assertThat(due.missed()).isNull();
    assertThat(due.next()).isEqualTo(Instant.parse("2026-11-22T10:10:00Z"));

    CronSchedule.Due again = s.due(due.runNow(), created, now, HOUR);
    assertThat(again.runNow()).isNull();
  }

  @Test
  void aFireTimeOlderThanTheStartingDeadlineIsMissedNotRun() {
    CronSchedule s = CronSchedule.parse("0 2 * * *", "UTC", "s", "z");
    Instant created = Instant.parse("2026-11-01T00:00:00Z");
    Instant now = Instant.parse("2026-11-22T05:00:00Z");
    CronSchedule.Due due = s.due(Instant.parse("2026-11-21T02:00:00Z"), created, now, HOUR);
    assertThat(due.runNow()).isNull();
    assertThat(due.missed()).isEqualTo(Instant.parse("2026-11-22T02:00:00Z"));

    CronSchedule.Due late = s.due(null, created, Instant.parse("2026-11-22T02:30:00Z"), HOUR);
    assertThat(late.runNow()).isEqualTo(Instant.parse("2026-11-22T02:00:00Z"));
  }

  @Test
  void fireTimesBeforeTheResourceExistedAreNeverDue() {
    CronSchedule s = CronSchedule.parse("0 2 * * *", "UTC", "s", "z");
    Instant created = Instant.parse("2026-11-22T02:10:00Z");
    CronSchedule.Due due = s.due(null, created, Instant.parse("2026-11-22T02:20:00Z"), HOUR);
    assertThat(due.runNow()).isNull();
    assertThat(due.missed()).isNull();
  }

  @Test
  void badInputNamesTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("0 2 * *", "UTC", "spec.schedule", "spec.timeZone"))
        .hasMessageStartingWith("spec.schedule must have 5 fields");
    assertThatThrownBy(
            () -> CronSchedule.parse("61 2 * * *", "UTC", "spec.schedule", "spec.timeZone"))
        .hasMessageStartingWith("spec.schedule is not a valid cron expression");
    assertThatThrownBy(
            () -> CronSchedule.parse("0 2 * * *", "Mars/Olympus", "spec.schedule", "spec.timeZone"))
        .hasMessageStartingWith("spec.timeZone must be an IANA time zone");
  }
}
