package dev.pitstop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Places the processes of a benchmark on one machine as if some of them ran on other machines in a
 * cluster: those get CPUs of their own ({@code taskset}) and, on them, only the CPU time no other
 * process wants ({@code SCHED_IDLE}, through {@code chrt}); the database server under test and its
 * application get the other CPUs. Priority alone is not enough: a kernel may let an idle-priority
 * task finish its time slice before a woken normal task runs on that CPU. Linux only.
 *
 * <p>A thread's CPUs and policy are inherited by the threads and processes it starts (a PostgreSQL
 * postmaster's new sessions, a JVM's new threads), so placing a process once places what it starts
 * later.
 */
final class Placement {
  /** The CPUs of the database server under test and its application. */
  final String serverCpus;

  /** The CPUs of what stands for other machines. */
  final String otherCpus;

  private Placement(String serverCpus, String otherCpus) {
    this.serverCpus = serverCpus;
    this.otherCpus = otherCpus;
  }

  /**
   * The machine's CPUs split in two halves, the first for the server; none when this is not Linux,
   * {@code taskset} or {@code chrt} cannot be run, or there is only one CPU.
   */
  static Placement ofThisMachine() {
    int cpus = Runtime.getRuntime().availableProcessors();
    if (cpus < 2 || !System.getProperty("os.name").toLowerCase().contains("linux")) {
      return null;
    }
    try {
      String self = Long.toString(ProcessHandle.current().pid());
      if (!run("chrt", "-p", self).worked() || !run("taskset", "-p", self).worked()) {
        return null;
      }
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    int half = cpus / 2;
    return new Placement(range(0, half), range(half, cpus));
  }

  private static String range(int from, int to) {
    return to - from == 1 ? Integer.toString(from) : from + "-" + (to - 1);
  }

  /** Puts a process, every thread of it and every process it started on the server's CPUs. */
  void server(ProcessHandle process) throws IOException, InterruptedException {
    for (ProcessHandle p : withDescendants(process)) {
      check(run("taskset", "-a", "-p", "-c", serverCpus, Long.toString(p.pid())), p.isAlive());
    }
  }

  /**
   * Puts a process, every thread of it and every process it started on the other CPUs at {@code
   * SCHED_IDLE}.
   */
  void elsewhere(ProcessHandle process) throws IOException, InterruptedException {
    for (ProcessHandle p : withDescendants(process)) {
      String pid = Long.toString(p.pid());
      check(run("taskset", "-a", "-p", "-c", otherCpus, pid), p.isAlive());
      check(run("chrt", "--idle", "-a", "-p", "0", pid), p.isAlive());
    }
  }

  /**
   * Puts every thread of this process on the other CPUs at {@code SCHED_IDLE}, except {@code kept},
   * which goes to the server's CPUs at its normal policy: processes started from it run there, as
   * the server's application.
   */
  void elsewhereButThread(long kept) throws IOException, InterruptedException {
    List<Long> threads;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      threads = tasks.map(t -> Long.parseLong(t.getFileName().toString())).toList();
    }
    for (long thread : threads) {
      String tid = Long.toString(thread);
      if (thread == kept) {
        check(run("taskset", "-p", "-c", serverCpus, tid), true);
      } else {
        check(run("taskset", "-p", "-c", otherCpus, tid), running(tid));
        check(run("chrt", "--idle", "-p", "0", tid), running(tid));
      }
    }
  }

  private static boolean running(String thread) {
    return Files.exists(Path.of("/proc/self/task", thread));
  }

  /** The calling thread's id in the kernel, for {@link #elsewhereButThread}. */
  static long currentThread() throws IOException {
    return Long.parseLong(
        Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
  }

  /** Whether a process's main thread runs at {@code SCHED_IDLE}. */
  static boolean isLowered(long pid) throws IOException, InterruptedException {
    Run shown = run("chrt", "-p", Long.toString(pid));
    check(shown, true);
    return shown.output().contains("SCHED_IDLE");
  }

  private static List<ProcessHandle> withDescendants(ProcessHandle process) {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process);
    try (Stream<ProcessHandle> descendants = process.descendants()) {
      descendants.forEach(all::add);
    }
    return all;
  }

  private record Run(List<String> command, boolean worked, String output) {}

  /** A failure counts unless {@code mustWork} is false (the process or thread has just ended). */
  private static void check(Run run, boolean mustWork) throws IOException {
    if (!run.worked() && mustWork) {
      throw new IOException(String.join(" ", run.command()) + " failed: " + run.output());
    }
  }

  private static Run run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    boolean worked = process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
    return new Run(List.of(command), worked, output);
  }
}
