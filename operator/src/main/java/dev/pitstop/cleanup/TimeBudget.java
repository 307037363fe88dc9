package dev.pitstop.cleanup;

import java.time.Duration;
import java.time.Instant;

/** A run's maxDuration, checked between batches, and the pauses that must not overrun it. */
final class TimeBudget {
  private final Instant started = Instant.now();
  private final long startNanos = System.nanoTime();
  private final Duration limit;

  TimeBudget(Duration limit) {
    this.limit = limit;
  }

  Instant started() {
    return started;
  }

  Duration limit() {
    return limit;
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  Duration remaining() {
    Duration left = limit.minus(elapsed());
    return left.isNegative() ? Duration.ZERO : left;
  }

  boolean isSpent() {
    return remaining().isZero();
  }

  /**
   * Sleeps for {@code pause}, or less if the budget ends sooner.
   *
   * @return false if the thread was interrupted (the flag stays set)
   */
  boolean pause(Duration pause) {
    Duration wait = pause.compareTo(remaining()) < 0 ? pause : remaining();
    if (wait.isZero()) {
      return !Thread.currentThread().isInterrupted();
    }
    try {
      Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
