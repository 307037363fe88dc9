package dev.pitstop.reconciler.maintenancewindow.model;

import dev.pitstop.time.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a MaintenanceWindow is open. {@code active: true} opens an on-demand window at once, until
 * {@code active: false}; a schedule opens a window at each fire time for {@code duration}. A
 * scheduled window found half over (the operator was down at its start) still opens for the time
 * that is left; one that ended unseen is not opened at all.
 */
public final class WindowCalendar {
  private WindowCalendar() {}

  /**
   * The window open now, if any, and the next scheduled start.
   *
   * @param open a window is open now
   * @param id identifies the open window: {@code schedule@<start>} or {@code
   *     on-demand@<generation>/<run request>}; null when closed
   * @param start the scheduled start, or null for an on-demand window (it starts when drained)
   * @param end the scheduled end, or null for an on-demand window (it ends at {@code active:
   *     false})
   * @param nextStart the next scheduled start after now, or null
   */
  public record Window(boolean open, String id, Instant start, Instant end, Instant nextStart) {}

  /**
   * @param schedule the parsed schedule, or null
   * @param duration how long a scheduled window lasts (required with a schedule)
   * @param active {@code spec.active}
   * @param generation {@code metadata.generation}
   * @param runRequest the {@code pitstop.dev/run-requested-at} annotation, or null
   */
  public static Window at(
      Instant now,
      CronSchedule schedule,
      Duration duration,
      boolean active,
      long generation,
      String runRequest) {
    Instant next = schedule == null ? null : schedule.next(now).orElse(null);
    if (active) {
      String id = "on-demand@" + generation + "/" + (runRequest == null ? "" : runRequest);
      return new Window(true, id, null, null, next);
    }
    if (schedule != null && duration != null) {
      Optional<Instant> latest = schedule.latest(now);
      if (latest.isPresent() && now.isBefore(latest.get().plus(duration))) {
        Instant start = latest.get();
        return new Window(true, "schedule@" + start, start, start.plus(duration), next);
      }
    }
    return new Window(false, null, null, null, next);
  }
}
