package dev.pitstop.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Gives processes only the CPU time no other process wants ({@code SCHED_IDLE}, through {@code
 * chrt}), so that a benchmark on one machine can run beside a database server what would run on
 * other machines in a cluster (a planner, its scratch server) without taking CPU time from the
 * server and its application. Linux only.
 */
final class IdlePriority {
  private IdlePriority() {}

  /** Whether {@code chrt} can change this machine's scheduling. */
  static boolean available() {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      return false;
    }
    try {
      Process probe =
          new ProcessBuilder("chrt", "-p", Long.toString(ProcessHandle.current().pid())).start();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Moves a process, every thread of it and every process it started to {@code SCHED_IDLE}; threads
   * and processes they start later inherit it (a PostgreSQL postmaster's new sessions do).
   */
  static void lower(ProcessHandle process) throws IOException, InterruptedException {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process);
    try (Stream<ProcessHandle> descendants = process.descendants()) {
      descendants.forEach(all::add);
    }
    for (ProcessHandle p : all) {
      Process chrt =
          new ProcessBuilder("chrt", "--idle", "-a", "-p", "0", Long.toString(p.pid()))
              .redirectErrorStream(true)
              .start();
      String output = new String(chrt.getInputStream().readAllBytes());
      if ((!chrt.waitFor(10, TimeUnit.SECONDS) || chrt.exitValue() != 0) && p.isAlive()) {
        throw new IOException("chrt failed for process " + p.pid() + ": " + output);
      }
    }
  }
}
