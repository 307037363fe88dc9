package dev.pitstop.time;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration strings used in Pitstop specs and flags: {@code 0}, {@code 50ms}, {@code
 * 10s}, {@code 2m}, {@code 1h30m}, {@code 365d}.
 */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("^(0|([0-9]{1,9}(ms|s|m|h|d))+)$");
  private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @param field the spec field or flag, named in the error
   * @throws IllegalArgumentException with a sentence naming the field
   */
  public static Duration parse(String text, String field) {
    if (text == null || !WHOLE.matcher(text.trim()).matches()) {
      throw new IllegalArgumentException(
          field
              + " must be a duration such as 500ms, 10s, 5m, 1h30m or 7d, not '"
              + (text == null ? "" : text)
              + "'");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(text.trim());
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new IllegalStateException(m.group(2));
              });
    }
    return total;
  }

  /** Formats a duration the way specs write it, e.g. {@code 1h30m} or {@code 250ms}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long days = d.toDays();
    if (days > 0) {
      out.append(days).append('d');
    }
    if (d.toHoursPart() > 0) {
      out.append(d.toHoursPart()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      out.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0) {
      out.append(d.toSecondsPart()).append('s');
    }
    if (d.toMillisPart() > 0) {
      out.append(d.toMillisPart()).append("ms");
    }
    return out.toString();
  }
}
