package dev.pitstop.cli;

import dev.pitstop.database.WorkSessions;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Runs a reset so that a termination signal (Ctrl-C, SIGTERM, a pod stopped with a grace period)
 * cancels the running statement and waits for the engine to roll back, put back the sequences it
 * restarted with setval, and print what happened, instead of leaving that to the server alone
 * (which rolls the data back but cannot put such sequences back). kill -9 cannot be handled.
 */
final class ResetOnSignal {
  /** How long a termination signal waits for the rollback and the message before the JVM exits. */
  private static final long SIGNAL_GRACE_SECONDS = 20;

  private ResetOnSignal() {}

  /**
   * Runs {@code reset}, which must print its outcome itself (the JVM may exit as soon as it returns
   * once a signal came), on {@code sessions}.
   *
   * @param command the command's name for the message printed on a signal, e.g. {@code pitstop
   *     reset}
   * @return what {@code reset} returned: the exit code
   */
  static int run(WorkSessions sessions, PrintStream err, String command, IntSupplier reset) {
    Thread resetting = Thread.currentThread();
    CountDownLatch reported = new CountDownLatch(1);
    Thread onSignal =
        new Thread(
            () -> {
              err.println(command + ": stopping on a termination signal; rolling the reset back");
              resetting.interrupt();
              sessions.cancelRunningStatements();
              try {
                reported.await(SIGNAL_GRACE_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "pitstop-reset-exit");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      return reset.getAsInt();
    } finally {
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waited for the outcome printed above
      }
    }
  }
}
