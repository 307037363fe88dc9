package dev.pitstop.cli;

import dev.pitstop.migration.ExecutedMigration;
import dev.pitstop.migration.LockWait;
import dev.pitstop.migration.MigrationListener;
import dev.pitstop.migration.MigrationProgress;
import dev.pitstop.migration.RecoveredStatement;
import dev.pitstop.time.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints a running {@code migrate} as lines a person can follow: each migration as it starts and
 * when it is applied, the statement being run when a migration takes longer than a moment, and who
 * holds the migration lock while waiting for it. The engine reports every statement and a data
 * migration may have thousands, so statement lines are throttled; a statement that runs for long
 * (an index build) gets a "still running" line now and then, so the terminal never looks stuck.
 * What a statement found of an interrupted earlier run (an index already built, an INVALID one
 * dropped) is always printed.
 */
public final class MigrationProgressPrinter implements MigrationListener, AutoCloseable {
  private static final long STATEMENT_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long LOCK_REPORT_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();
  private static final Duration HEARTBEAT = Duration.ofSeconds(10);

  private final PrintStream out;
  private final long heartbeatNanos;
  private final ScheduledExecutorService ticker;

  // Guarded by this: the engine's thread reports, the ticker's thread reads.
  private MigrationProgress current;
  private long statementStartNanos;
  private long lastLineNanos;
  private Integer lockHolder;
  private long lastLockLineNanos;
  private boolean lockReported;

  public MigrationProgressPrinter(PrintStream out) {
    this(out, HEARTBEAT);
  }

  /**
   * @param heartbeat how long a statement runs before a "still running" line, and how often
   */
  MigrationProgressPrinter(PrintStream out, Duration heartbeat) {
    this.out = out;
    this.heartbeatNanos = heartbeat.toNanos();
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "pitstop-progress");
              thread.setDaemon(true);
              return thread;
            });
    long tick = Math.max(1, heartbeat.toMillis() / 2);
    ticker.scheduleWithFixedDelay(this::heartbeat, tick, tick, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void onLockWait(LockWait wait) {
    current = null;
    long now = System.nanoTime();
    if (lockReported
        && Objects.equals(lockHolder, wait.holderPid())
        && now - lastLockLineNanos < LOCK_REPORT_INTERVAL_NANOS) {
      return;
    }
    lockReported = true;
    lockHolder = wait.holderPid();
    lastLockLineNanos = now;
    out.println(
        "waiting for the migration lock held by "
            + (wait.holderPid() == null ? "another runner" : "pid " + wait.holderPid())
            + (wait.holderApplication() == null || wait.holderApplication().isBlank()
                ? ""
                : " (" + wait.holderApplication() + ")")
            + (wait.since() == null ? "" : " since " + wait.since().toInstant())
            + "; waited "
            + seconds(wait.waited()));
  }

  @Override
  public synchronized void onLockAcquired(Duration waited) {
    out.println("took the migration lock after " + seconds(waited));
  }

  @Override
  public synchronized void onProgress(MigrationProgress progress) {
    long now = System.nanoTime();
    boolean newScript = current == null || !progress.script().equals(current.script());
    current = progress;
    statementStartNanos = now;
    if (newScript) {
      lastLineNanos = now;
      out.println(
          position(progress)
              + " applying "
              + progress.script()
              + " ("
              + progress.statements()
              + (progress.statements() == 1 ? " statement)" : " statements)"));
    } else if (now - lastLineNanos >= STATEMENT_INTERVAL_NANOS) {
      lastLineNanos = now;
      out.println(
          position(progress)
              + " "
              + progress.script()
              + ": statement "
              + progress.statement()
              + " of "
              + progress.statements()
              + " after "
              + seconds(Duration.ofMillis(progress.migrationElapsedMs())));
    }
  }

  @Override
  public synchronized void onCallback(String script, String event) {
    current = null;
    out.println("running callback " + script + " (" + event + ")");
  }

  @Override
  public synchronized void onRecovered(RecoveredStatement recovered) {
    lastLineNanos = System.nanoTime();
    out.println(
        (current == null ? "" : position(current) + " ")
            + recovered.script()
            + ": statement "
            + recovered.statement()
            + " (line "
            + recovered.line()
            + "): "
            + recovered.note());
  }

  @Override
  public synchronized void onApplied(ExecutedMigration migration, int index, int total) {
    current = null;
    out.println(
        "["
            + index
            + "/"
            + total
            + "] applied "
            + migration.script()
            + " in "
            + Durations.format(Duration.ofMillis(migration.executionTimeMs())));
  }

  private synchronized void heartbeat() {
    long now = System.nanoTime();
    if (current == null
        || now - statementStartNanos < heartbeatNanos
        || now - lastLineNanos < heartbeatNanos) {
      return;
    }
    lastLineNanos = now;
    out.println(
        position(current)
            + " "
            + current.script()
            + ": statement "
            + current.statement()
            + " of "
            + current.statements()
            + " still running after "
            + seconds(Duration.ofNanos(now - statementStartNanos)));
  }

  /** Stops the "still running" lines. */
  @Override
  public void close() {
    ticker.shutdownNow();
  }

  private static String position(MigrationProgress progress) {
    return "[" + progress.index() + "/" + progress.total() + "]";
  }

  /** Whole seconds: a terminal line needs no milliseconds ("0s" for under one). */
  private static String seconds(Duration d) {
    return Durations.format(Duration.ofSeconds(d.toSeconds()));
  }
}
