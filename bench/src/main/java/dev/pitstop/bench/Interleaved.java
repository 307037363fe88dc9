package dev.pitstop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs named variants in turn: the warm-ups first, untimed, then the repetitions interleaved (A, B,
 * C, A, B, C, ...), so a noisy moment of the machine hits one run, not one variant.
 */
final class Interleaved {
  private Interleaved() {}

  /** Times one run of a variant, in milliseconds. */
  @FunctionalInterface
  interface Timer<T> {
    long time(T variant) throws Exception;
  }

  /** Each variant's times, in the variants' order. */
  static <T> Map<String, List<Long>> times(
      Map<String, T> variants, int warmups, int repetitions, Timer<T> timer) throws Exception {
    for (int i = 0; i < warmups; i++) {
      for (T variant : variants.values()) {
        timer.time(variant);
      }
    }
    Map<String, List<Long>> times = new LinkedHashMap<>();
    for (int i = 0; i < repetitions; i++) {
      for (Map.Entry<String, T> variant : variants.entrySet()) {
        times
            .computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
            .add(timer.time(variant.getValue()));
      }
    }
    return times;
  }
}
