package dev.pitstop.reconciler.maintenancewindow.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.time.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowCalendarTest {
  private static final CronSchedule SUNDAY_2AM =
      CronSchedule.parse("0 2 * * SUN", "Europe/Berlin", "spec.schedule", "spec.timeZone");

  @Test
  void aScheduledWindowIsOpenFromItsStartForItsDuration() {
    // 2026-11-22 is a Sunday; 02:00 in Berlin is 01:00 UTC.
    Instant start = Instant.parse("2026-11-22T01:00:00Z");

    WindowCalendar.Window before =
        WindowCalendar.at(start.minusSeconds(1), SUNDAY_2AM, Duration.ofHours(1), false, 1, null);
    WindowCalendar.Window during =
        WindowCalendar.at(start.plusSeconds(1800), SUNDAY_2AM, Duration.ofHours(1), false, 1, null);
    WindowCalendar.Window after =
        WindowCalendar.at(start.plusSeconds(3600), SUNDAY_2AM, Duration.ofHours(1), false, 1, null);

    assertThat(before.open()).isFalse();
    assertThat(before.nextStart()).isEqualTo(start);
    assertThat(during.open()).isTrue();
    assertThat(during.id()).isEqualTo("schedule@2026-11-22T01:00:00Z");
    assertThat(during.start()).isEqualTo(start);
    assertThat(during.end()).isEqualTo(start.plusSeconds(3600));
    assertThat(during.nextStart()).isEqualTo(Instant.parse("2026-11-29T01:00:00Z"));
    assertThat(after.open()).as("the end is exclusive").isFalse();
  }

  @Test
  void activeOpensAnOnDemandWindowIdentifiedByGenerationAndRunRequest() {
    WindowCalendar.Window window =
        WindowCalendar.at(Instant.parse("2026-11-20T12:00:00Z"), null, null, true, 4, "again");

    assertThat(window.open()).isTrue();
    assertThat(window.id()).isEqualTo("on-demand@4/again");
    assertThat(window.start()).isNull();
    assertThat(window.end()).isNull();
    assertThat(window.nextStart()).isNull();
  }

  @Test
  void activeWinsOverASchedulesClosedTime() {
    WindowCalendar.Window window =
        WindowCalendar.at(
            Instant.parse("2026-11-20T12:00:00Z"), SUNDAY_2AM, Duration.ofHours(1), true, 2, null);

    assertThat(window.open()).isTrue();
    assertThat(window.id()).isEqualTo("on-demand@2/");
    assertThat(window.nextStart()).isEqualTo(Instant.parse("2026-11-22T01:00:00Z"));
  }
}
