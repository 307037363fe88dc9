package dev.pitstop.bench;

import java.util.Arrays;
import java.util.List;

/** A writer's operation latencies in microseconds, sorted; percentiles by nearest rank. */
record Latencies(long[] micros) {
  long percentile(double p) {
    if (micros.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * micros.length) - 1;
    return micros[Math.max(0, Math.min(micros.length - 1, index))];
  }

  long max() {
    return micros.length == 0 ? 0 : micros[micros.length - 1];
  }

  /** Several runs as one (more samples make a steadier p99). */
  static Latencies pooled(List<Latencies> runs) {
    return new Latencies(
        runs.stream().flatMapToLong(l -> Arrays.stream(l.micros())).sorted().toArray());
  }
}
