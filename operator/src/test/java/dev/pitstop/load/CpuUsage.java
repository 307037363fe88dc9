package dev.pitstop.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the machine's CPU went during one scenario: the whole machine's busy share (from {@code
 * /proc/stat}), the operator process and this JVM (the embedded API server, the watches, the
 * sampler). What is left of the busy time is PostgreSQL and anything else running on the machine.
 */
final class CpuUsage {
  private final long[] machineStart = machineJiffies();
  private final Optional<Duration> selfStart = ProcessHandle.current().info().totalCpuDuration();
  private final long wallStart = System.nanoTime();
  private final Optional<Duration> operatorStart;

  /**
   * @param operatorCpu the operator's CPU time so far; {@link Duration#ZERO} if it has not started
   */
  CpuUsage(Optional<Duration> operatorCpu) {
    this.operatorStart = operatorCpu;
  }

  /** {busy, total} jiffies of all cores since boot, or {0, 0} off Linux. */
  private static long[] machineJiffies() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < fields.length; i++) {
        total += Long.parseLong(fields[i]);
      }
      // idle and iowait
      long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** One line for the report, from the start of this object until now. */
  String since(Optional<Duration> operatorCpuNow) {
    long[] machineEnd = machineJiffies();
    long busy = machineEnd[0] - machineStart[0];
    long total = machineEnd[1] - machineStart[1];
    int cores = Runtime.getRuntime().availableProcessors();
    Optional<Duration> self =
        ProcessHandle.current().info().totalCpuDuration().flatMap(end -> selfStart.map(end::minus));
    return String.format(
        Locale.ROOT,
        "%.1f s wall: machine CPU busy %s of %d cores; operator %s, test JVM (API server, watches,"
            + " sampler) %s",
        (System.nanoTime() - wallStart) / 1e9,
        total == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f %%", 100.0 * busy / total),
        cores,
        seconds(operatorCpuNow.flatMap(end -> operatorStart.map(end::minus))),
        seconds(self));
  }

  private static String seconds(Optional<Duration> cpu) {
    return cpu.map(d -> String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0)).orElse("n/a");
  }
}
