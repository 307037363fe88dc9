package dev.pitstop.time;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A 5-field cron schedule in a time zone, with CronJob-like rules for missed runs: the latest fire
 * time that has not been handled runs if it is younger than the starting deadline, otherwise it is
 * reported as missed; older unhandled fire times are not run at all.
 */
public final class CronSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime executionTime;

  private CronSchedule(String expression, ZoneId zone, ExecutionTime executionTime) {
    this.expression = expression;
    this.zone = zone;
    this.executionTime = executionTime;
  }

  /**
   * Parses a schedule.
   *
   * @param scheduleField names the schedule in errors, e.g. {@code spec.schedule}
   * @param zoneField names the time zone in errors, e.g. {@code spec.timeZone}
   * @throws IllegalArgumentException one sentence naming the field that is wrong
   */
  public static CronSchedule parse(
      String expression, String timeZone, String scheduleField, String zoneField) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException(scheduleField + " is required");
    }
    String trimmed = expression.trim();
    if (trimmed.split("\\s+").length != 5) {
      throw new IllegalArgumentException(
          scheduleField
              + " must have 5 fields (minute hour day-of-month month day-of-week), not '"
              + trimmed
              + "'");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone.trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          zoneField + " must be an IANA time zone such as Europe/Berlin, not '" + timeZone + "'");
    }
    Cron cron;
    try {
      cron = PARSER.parse(trimmed);
      cron.validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          scheduleField + " is not a valid cron expression ('" + trimmed + "'): " + e.getMessage());
    }
    ExecutionTime executionTime = ExecutionTime.forCron(cron);
    // A day of month no month in the expression has (30 2, 31 4) matches no date in any year.
    if (executionTime.nextExecution(ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, zone)).isEmpty()) {
      throw new IllegalArgumentException(
          scheduleField
              + " never fires: no date matches its day of month and month ('"
              + trimmed
              + "')");
    }
    return new CronSchedule(trimmed, zone, executionTime);
  }

  public String expression() {
    return expression;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The first fire time strictly after {@code after}. */
  public Optional<Instant> next(Instant after) {
    return executionTime.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(Instant::from);
  }

  /** The latest fire time at or before {@code at}. */
  public Optional<Instant> latest(Instant at) {
    ZonedDateTime t = ZonedDateTime.ofInstant(at, zone);
    if (executionTime.isMatch(t.withNano(0)) && t.getSecond() == 0 && t.getNano() == 0) {
      return Optional.of(at);
    }
    return executionTime.lastExecution(t).map(Instant::from);
  }

  /**
   * What is due at {@code now}.
   *
   * @param lastHandled the fire time last run, skipped or missed (null: none yet)
   * @param since when the schedule began to count (e.g. the resource's creation); earlier fire
   *     times are never due
   * @param startingDeadline how late a fire time may still start
   */
  public Due due(Instant lastHandled, Instant since, Instant now, Duration startingDeadline) {
    Optional<Instant> latest = latest(now);
    Instant next = next(now).orElse(null);
    if (latest.isEmpty()) {
      return new Due(null, null, next);
    }
    Instant fire = latest.get();
    Instant floor = lastHandled != null ? lastHandled : since;
    boolean unhandled = lastHandled != null ? fire.isAfter(floor) : !fire.isBefore(floor);
    if (!unhandled) {
      return new Due(null, null, next);
    }
    if (Duration.between(fire, now).compareTo(startingDeadline) <= 0) {
      return new Due(fire, null, next);
    }
    return new Due(null, fire, next);
  }

  /**
   * The answer of {@link #due}.
   *
   * @param runNow the fire time to run now, or null
   * @param missed a fire time that passed more than the starting deadline ago unhandled, or null
   * @param next the next fire time after now, or null if the schedule never fires again
   */
  public record Due(Instant runNow, Instant missed, Instant next) {}
}
