package dev.pitstop.reconciler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often each recently recorded Event occurred, for at most {@code capacity} Events: the one
 * recorded longest ago is forgotten first, so the operator's memory does not grow with every
 * resource and message it ever saw. A forgotten Event that occurs again is written anew with count
 * 1.
 */
final class EventCounts {
  private final Map<String, Integer> counts;

  EventCounts(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    // Access order: an Event that keeps recurring stays while quiet ones are forgotten.
    this.counts =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > capacity;
          }
        };
  }

  /** How often the Event {@code name} was recorded, or null if it is not remembered. */
  synchronized Integer get(String name) {
    return counts.get(name);
  }

  /** The Event {@code name} now has {@code count} occurrences. */
  synchronized void put(String name, int count) {
    counts.put(name, count);
  }

  /** How many Events are remembered. */
  synchronized int size() {
    return counts.size();
  }
}
