package dev.pitstop.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A clock that stands still until the test moves it: the time the operator decides by (schedules'
 * fire times, startingDeadline, maintenance windows' start and end, retry back-off, status
 * timestamps) when {@link OperatorExtension#withClock} starts it with one. A scheduled run then
 * happens when the test moves the clock to its fire time, not when the wall clock gets there, so
 * such a test neither waits for a minute boundary nor depends on how fast the machine is.
 *
 * <p>Unless told otherwise it starts one second behind the real time, in whole seconds. The API
 * server stamps {@code metadata.creationTimestamp} from the real time in whole seconds, and
 * schedules count fire times from creation: so every object created after the clock is younger than
 * any time the clock has shown, and no fire time up to the start counts for it. A test that wants a
 * fire time moves the clock to one at or after the object's creation.
 *
 * <p>Only time read through the clock stands still: real waits (JOSDK's reschedule delays, a
 * cleanup's {@code maxDuration} and pauses, the drain loop, database timeouts) still pass in real
 * time. Safe for use from several threads: the reconcilers read it while a test moves it.
 */
public final class TestClock extends Clock {
  private final State state;
  private final ZoneId zone;

  /** Shared by the clock and its copies in other zones. */
  private static final class State {
    private Instant now;
    private final List<Consumer<Instant>> listeners = new CopyOnWriteArrayList<>();

    State(Instant now) {
      this.now = now;
    }
  }

  /** A clock standing one second behind the real time, in whole seconds. */
  public TestClock() {
    this(Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1));
  }

  /** A clock standing at {@code start}. */
  public TestClock(Instant start) {
    this(new State(Objects.requireNonNull(start)), ZoneOffset.UTC);
  }

  private TestClock(State state, ZoneId zone) {
    this.state = state;
    this.zone = zone;
  }

  @Override
  public Instant instant() {
    synchronized (state) {
      return state.now;
    }
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** The same clock (moving together with this one) in another zone. */
  @Override
  public Clock withZone(ZoneId other) {
    return other.equals(zone) ? this : new TestClock(state, other);
  }

  /**
   * Moves the clock to {@code time}, then tells the listeners (see {@link #onChange}).
   *
   * @throws IllegalArgumentException if {@code time} is before the clock's time: the operator's
   *     time never goes back
   */
  public Instant set(Instant time) {
    Objects.requireNonNull(time);
    synchronized (state) {
      if (time.isBefore(state.now)) {
        throw new IllegalArgumentException(
            "the clock stands at " + state.now + "; it does not go back to " + time);
      }
      state.now = time;
    }
    return moved(time);
  }

  /** Moves the clock forward by {@code amount}, then tells the listeners; returns the new time. */
  public Instant advance(Duration amount) {
    if (amount.isNegative()) {
      throw new IllegalArgumentException("the clock does not go back (" + amount + ")");
    }
    Instant time;
    synchronized (state) {
      time = state.now.plus(amount);
      state.now = time;
    }
    return moved(time);
  }

  private Instant moved(Instant time) {
    for (Consumer<Instant> listener : state.listeners) {
      listener.accept(time);
    }
    return time;
  }

  /**
   * Calls {@code listener} with the new time after each {@link #set} or {@link #advance}, on the
   * thread that moved the clock.
   */
  public void onChange(Consumer<Instant> listener) {
    state.listeners.add(Objects.requireNonNull(listener));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TestClock c && c.state == state && c.zone.equals(zone);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(state) * 31 + zone.hashCode();
  }

  @Override
  public String toString() {
    return "TestClock[" + instant() + "," + zone + "]";
  }
}
