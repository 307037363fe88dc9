package dev.pitstop.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExponentialBackoffTest {
  private final ExponentialBackoff backoff =
      new ExponentialBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), 0.0);

  @Test
  void growsByTheFactorUpToTheMaximum() {
    List<Duration> delays = IntStream.rangeClosed(1, 8).mapToObj(backoff::delay).toList();

    assertThat(delays)
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30));
  }

  @Test
  void fractionalFactor() {
    ExponentialBackoff gentle =
        new ExponentialBackoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(1), 0.0);

    assertThat(IntStream.rangeClosed(1, 4).mapToObj(gentle::delay).toList())
        .containsExactly(
            Duration.ofMillis(100),
            Duration.ofMillis(150),
            Duration.ofMillis(225),
            Duration.ofNanos(337_500_000));
  }

  @Test
  void attemptsBelowOneCountAsTheFirstAndHugeOnesDoNotOverflow() {
    assertThat(backoff.delay(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(-3)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void jitterTakesOffAtMostItsFractionAndIsRepeatableWithASeed() {
    ExponentialBackoff jittered =
        new ExponentialBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), 0.25);

    for (int failures = 1; failures <= 10; failures++) {
      Duration ceiling = backoff.delay(failures);
      Duration delay = jittered.delay(failures, new Random(failures));
      assertThat(delay).isBetween(ceiling.multipliedBy(3).dividedBy(4), ceiling);
      assertThat(jittered.delay(failures, new Random(failures))).isEqualTo(delay);
    }
    assertThat(jittered.withoutJitter()).isEqualTo(backoff);
  }

  @Test
  void defaultsForAnUnreachableDatabase() {
    ExponentialBackoff defaults = ExponentialBackoff.forUnreachableDatabase().withoutJitter();

    assertThat(defaults.delay(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.delay(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.delay(100)).isEqualTo(Duration.ofMinutes(5));
    assertThat(ExponentialBackoff.forUnreachableDatabase().delay(100))
        .isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5));
  }

  @Test
  void rejectsNonsense() {
    Duration second = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new ExponentialBackoff(Duration.ZERO, 2, second, 0))
        .hasMessageContaining("initial");
    assertThatThrownBy(() -> new ExponentialBackoff(second, 0.5, second, 0))
        .hasMessageContaining("factor");
    assertThatThrownBy(() -> new ExponentialBackoff(second, 2, Duration.ofMillis(1), 0))
        .hasMessageContaining("max");
    assertThatThrownBy(() -> new ExponentialBackoff(second, 2, second, 1.5))
        .hasMessageContaining("jitter");
  }
}
