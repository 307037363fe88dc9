package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestClockTest {
  private static final Instant START = Instant.parse("2030-01-01T00:00:30Z");

  @Test
  void standsStillUntilMoved() {
    TestClock clock = new TestClock(START);
    assertThat(clock.instant()).isEqualTo(START);
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);

    assertThat(clock.advance(Duration.ofSeconds(30))).isEqualTo(START.plusSeconds(30));
    assertThat(clock.set(START.plusSeconds(90))).isEqualTo(START.plusSeconds(90));
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(90));
  }

  @Test
  void neverGoesBack() {
    TestClock clock = new TestClock(START);
    assertThatThrownBy(() -> clock.set(START.minusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not go back");
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(clock.instant()).isEqualTo(START);
  }

  @Test
  void startsBehindTheRealTimeInWholeSeconds() {
    Instant before = Instant.now();
    Instant start = new TestClock().instant();
    assertThat(start.getNano()).isZero();
    assertThat(start).isBefore(before).isAfter(before.minusSeconds(3));
  }

  @Test
  void listenersHearEveryMoveAndZonesMoveTogether() {
    TestClock clock = new TestClock(START);
    List<Instant> heard = new ArrayList<>();
    clock.onChange(heard::add);
    var berlin = clock.withZone(ZoneId.of("Europe/Berlin"));

    clock.advance(Duration.ofMinutes(1));
    clock.set(START.plusSeconds(120));

    assertThat(heard).containsExactly(START.plusSeconds(60), START.plusSeconds(120));
    assertThat(berlin.instant()).isEqualTo(START.plusSeconds(120));
    assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
  }
}
