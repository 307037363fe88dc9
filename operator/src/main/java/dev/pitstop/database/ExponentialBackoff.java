package dev.pitstop.database;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Delays between retries that grow by {@code factor} from {@code initial} up to {@code max}.
 *
 * <p>With {@code jitter} {@code j > 0} each delay is drawn uniformly from {@code [d·(1−j), d]}, so
 * that operators retrying many databases do not all knock at once; it never exceeds {@code max}.
 * With {@code jitter = 0} the sequence is deterministic.
 *
 * @param initial the delay after the first failure
 * @param factor how much each further failure multiplies the delay, at least 1
 * @param max the longest delay
 * @param jitter the fraction of a delay that may be taken off at random, from 0 to 1
 */
public record ExponentialBackoff(Duration initial, double factor, Duration max, double jitter) {

  public ExponentialBackoff {
    if (initial == null || initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial must be positive");
    }
    if (max == null || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max must not be shorter than initial");
    }
    if (!(factor >= 1.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be at least 1");
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be between 0 and 1");
    }
  }

  /** For a database that cannot be reached: 5 s, 10 s, 20 s, ... up to 5 min, 20 % jitter. */
  public static ExponentialBackoff forUnreachableDatabase() {
    return new ExponentialBackoff(Duration.ofSeconds(5), 2.0, Duration.ofMinutes(5), 0.2);
  }

  /** The same growth without randomness. */
  public ExponentialBackoff withoutJitter() {
    return new ExponentialBackoff(initial, factor, max, 0.0);
  }

  /**
   * The delay before the next attempt.
   *
   * @param failures how many attempts have failed so far: 1 after the first failure; smaller values
   *     count as 1
   */
  public Duration delay(int failures) {
    return delay(failures, ThreadLocalRandom.current());
  }

  /** As {@link #delay(int)}, drawing the jitter from {@code random}. */
  public Duration delay(int failures, RandomGenerator random) {
    long ceiling = ceilingNanos(failures);
    if (jitter == 0.0) {
      return Duration.ofNanos(ceiling);
    }
    double taken = jitter * random.nextDouble();
    return Duration.ofNanos(Math.round(ceiling * (1.0 - taken)));
  }

  private long ceilingNanos(int failures) {
    double exponent = Math.max(failures, 1) - 1;
    double nanos = initial.toNanos() * Math.pow(factor, exponent);
    long maxNanos = max.toNanos();
    // Also covers overflow: pow() saturates to infinity, which is not below maxNanos.
    return nanos < maxNanos ? (long) nanos : maxNanos;
  }
}
