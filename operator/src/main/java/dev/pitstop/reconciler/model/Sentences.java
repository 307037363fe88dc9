package dev.pitstop.reconciler.model;

import dev.pitstop.time.Durations;
import java.time.Duration;

/**
 * Builds one-sentence status messages from parts, some of which (engine and driver messages) are
 * whole sentences ending in a period.
 */
public final class Sentences {
  private Sentences() {}

  /**
   * {@code text} as a clause to continue: without trailing periods and whitespace, so that {@code
   * clause(a) + "; " + b} never reads ".;" and {@code clause(a) + "."} never "..".
   */
  public static String clause(String text) {
    if (text == null) {
      return null;
    }
    int end = text.length();
    while (end > 0
        && (text.charAt(end - 1) == '.' || Character.isWhitespace(text.charAt(end - 1)))) {
      end--;
    }
    return text.substring(0, end);
  }

  /**
   * {@code sentence} continued by what happens next and when: "{@code <sentence>; <next> in 4s}",
   * the wait in whole seconds.
   */
  public static String nextIn(String sentence, String next, Duration wait) {
    return clause(sentence) + "; " + next + " in " + Durations.format(wait.withNanos(0));
  }

  /** A count with its noun, singular for one: "1 table", "3 tables", "0 rows". */
  public static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
