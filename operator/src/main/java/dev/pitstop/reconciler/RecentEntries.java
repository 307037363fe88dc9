package dev.pitstop.reconciler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the operator remembers about recent Events, for at most {@code capacity} keys: the key used
 * longest ago is forgotten first, so the operator's memory does not grow with every resource and
 * message it ever saw. Thread-safe.
 *
 * @param <V> what is remembered per key
 */
final class RecentEntries<V> {
  private final Map<String, V> entries;

  RecentEntries(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    // Access order: a key that keeps recurring stays while quiet ones are forgotten.
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > capacity;
          }
        };
  }

  /** The value remembered for {@code key}, or null if none is. */
  synchronized V get(String key) {
    return entries.get(key);
  }

  /** Remembers {@code value} for {@code key}; returns the value it replaces, or null. */
  synchronized V put(String key, V value) {
    return entries.put(key, value);
  }

  /** Forgets {@code key}. */
  synchronized void remove(String key) {
    entries.remove(key);
  }

  /** How many keys are remembered. */
  synchronized int size() {
    return entries.size();
  }
}
