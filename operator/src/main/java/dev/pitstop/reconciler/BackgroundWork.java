package dev.pitstop.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Runs long database work off the reconcile threads on a bounded executor, at most one job per
 * resource. A job publishes progress snapshots; whenever progress changes or the job ends, {@code
 * wake} is called so the reconciler publishes it promptly.
 *
 * <p>Progress wake-ups of one job are throttled to one per {@code progressInterval}. A snapshot
 * that comes within the interval does not wake at once; instead one trailing wake-up is scheduled
 * for the end of the interval, so the latest progress is always published within one interval, even
 * when no further snapshot follows for a long time.
 */
public final class BackgroundWork implements AutoCloseable {
  private final ThreadPoolExecutor executor;
  private final Map<Key, Job<?, ?>> jobs = new ConcurrentHashMap<>();
  private final Duration progressInterval;
  private final LongSupplier nanoTime;
  private final Clock clock;
  private final WakeScheduler wakeScheduler;
  private final ScheduledExecutorService ownTimer;
  private volatile boolean closing;

  /** Runs a trailing progress wake-up after a delay. */
  interface WakeScheduler {
    /** Runs {@code wake} once, {@code delayNanos} from now; may drop it once closing. */
    void schedule(Runnable wake, long delayNanos);
  }

  /**
   * @param threads concurrent jobs
   * @param queueCapacity jobs waiting for a thread; more are refused and retried later
   * @param progressInterval minimum time between two progress wake-ups of one job
   * @param clock the time jobs record as their start
   */
  public BackgroundWork(int threads, int queueCapacity, Duration progressInterval, Clock clock) {
    this(threads, queueCapacity, progressInterval, clock, System::nanoTime, null);
  }

  /**
   * @param nanoTime the clock progress throttling reads, like {@link System#nanoTime()}
   * @param wakeScheduler runs trailing wake-ups; null for a timer thread of this instance
   */
  BackgroundWork(
      int threads,
      int queueCapacity,
      Duration progressInterval,
      Clock clock,
      LongSupplier nanoTime,
      WakeScheduler wakeScheduler) {
    AtomicInteger counter = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            r -> {
              Thread t = new Thread(r, "pitstop-worker-" + counter.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.progressInterval = progressInterval;
    this.nanoTime = nanoTime;
    this.clock = clock;
    if (wakeScheduler == null) {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "pitstop-progress-wakeups");
                t.setDaemon(true);
                return t;
              });
      this.ownTimer = timer;
      this.wakeScheduler =
          (wake, delayNanos) -> timer.schedule(wake, delayNanos, TimeUnit.NANOSECONDS);
    } else {
      this.ownTimer = null;
      this.wakeScheduler = wakeScheduler;
    }
  }

  /**
   * Jobs are keyed by kind and the resource's UID, so a resource deleted and created again under
   * the same name never sees the old one's job. {@code resource} (namespace/name) is for logs and
   * wake-ups.
   */
  public record Key(String kind, String uid, ResourceID resource) {
    /** The key of {@code resource}'s job; its namespace/name stands in for a missing UID. */
    public static Key of(String kind, HasMetadata resource) {
      ResourceID id = ResourceID.fromResource(resource);
      String uid = resource.getMetadata().getUid();
      return new Key(kind, uid == null ? id.toString() : uid, id);
    }
  }

  /**
   * A running or finished job.
   *
   * @param <P> progress snapshot type
   * @param <R> result type
   */
  public static final class Job<P, R> {
    private final String runKey;
    private final Instant startedAt;
    private final AtomicReference<P> progress = new AtomicReference<>();
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private final AtomicReference<String> cancelled = new AtomicReference<>();
    private final Runnable cancelStatements;
    private volatile Thread worker;

    Job(String runKey, Instant startedAt, Runnable cancelStatements) {
      this.runKey = runKey;
      this.startedAt = startedAt;
      this.cancelStatements = cancelStatements;
    }

    /**
     * Asks the job to stop: its worker is interrupted (the engines stop before their next
     * migration, batch, table or seed) and its statement running on the server is cancelled, so the
     * current transaction rolls back. The first reason is kept; a finished job is left as it is.
     *
     * @return true if this call asked it (it was running and not asked before)
     */
    public boolean cancel(String reason) {
      if (isDone() || !cancelled.compareAndSet(null, reason)) {
        return false;
      }
      Thread t = worker;
      if (t != null) {
        t.interrupt();
      }
      cancelStatements.run();
      return true;
    }

    /**
     * Stops the job without a reason to report: its worker is interrupted and its statement running
     * on the server cancelled, so the transaction rolls back (see {@link
     * BackgroundWork#finishRunning}).
     */
    void abandon() {
      Thread t = worker;
      if (t != null) {
        t.interrupt();
      }
      cancelStatements.run();
    }

    /** Why the job was asked to stop, if it was. */
    public Optional<String> cancelReason() {
      return Optional.ofNullable(cancelled.get());
    }

    /** Identifies the request this job serves (generation, run request, sources). */
    public String runKey() {
      return runKey;
    }

    public Instant startedAt() {
      return startedAt;
    }

    /** The latest progress snapshot, if any. */
    public Optional<P> progress() {
      return Optional.ofNullable(progress.get());
    }

    public boolean isDone() {
      return result.isDone();
    }

    /** The result; only call when {@link #isDone()}. Throws the job's exception, unwrapped. */
    public R result() throws Exception {
      try {
        return result.getNow(null);
      } catch (java.util.concurrent.CompletionException e) {
        if (e.getCause() instanceof Exception cause) {
          throw cause;
        }
        throw e;
      }
    }
  }

  /** The job of {@code key}, running or finished but not yet taken. */
  @SuppressWarnings("unchecked")
  public <P, R> Optional<Job<P, R>> find(Key key) {
    return Optional.ofNullable((Job<P, R>) jobs.get(key));
  }

  /** Forgets a finished job once its result is published. */
  public void forget(Key key) {
    jobs.computeIfPresent(key, (k, job) -> job.isDone() ? null : job);
  }

  /** Whether any job is running for this key. */
  public boolean isRunning(Key key) {
    Job<?, ?> job = jobs.get(key);
    return job != null && !job.isDone();
  }

  /**
   * Starts a job unless one is already registered for {@code key}.
   *
   * @param work the job; receives a sink for progress snapshots
   * @param wake called when progress changes (at most once per progress interval, and at the latest
   *     one interval after the newest snapshot), and when the job ends
   * @return the job, or empty when the executor is full (try again later)
   */
  public <P, R> Optional<Job<P, R>> start(
      Key key, String runKey, Function<Consumer<P>, R> work, Runnable wake) {
    return start(key, runKey, work, wake, () -> {});
  }

  /**
   * Starts a job that can be cancelled.
   *
   * @param cancelStatements cancels the job's statements running on the server (see {@link
   *     Job#cancel})
   */
  public <P, R> Optional<Job<P, R>> start(
      Key key,
      String runKey,
      Function<Consumer<P>, R> work,
      Runnable wake,
      Runnable cancelStatements) {
    Job<P, R> job = new Job<>(runKey, clock.instant(), cancelStatements);
    @SuppressWarnings("unchecked")
    Job<P, R> existing = (Job<P, R>) jobs.putIfAbsent(key, job);
    if (existing != null) {
      return Optional.of(existing);
    }
    Consumer<P> sink = new ProgressSink<>(job, wake);
    try {
      executor.execute(
          () -> {
            job.worker = Thread.currentThread();
            try {
              if (job.cancelled.get() != null) {
                Thread.currentThread().interrupt(); // cancelled while queued
              }
              job.result.complete(work.apply(sink));
            } catch (Throwable t) {
              job.result.completeExceptionally(t);
            } finally {
              job.worker = null;
              Thread.interrupted(); // the pool thread serves the next job uninterrupted
              wake.run();
            }
          });
    } catch (RejectedExecutionException e) {
      jobs.remove(key, job);
      return Optional.empty();
    }
    return Optional.of(job);
  }

  /**
   * Stores each snapshot and wakes the reconciler: at once when the last wake-up is at least one
   * interval ago, else once at the end of the interval (a trailing wake-up), however many snapshots
   * came meanwhile.
   */
  private final class ProgressSink<P> implements Consumer<P> {
    private final Job<P, ?> job;
    private final Runnable wake;
    private final long interval = progressInterval.toNanos();
    // Starts one interval in the past, so the first snapshot wakes at once.
    private final AtomicLong lastWake = new AtomicLong(nanoTime.getAsLong() - interval);
    private final AtomicBoolean trailing = new AtomicBoolean();

    ProgressSink(Job<P, ?> job, Runnable wake) {
      this.job = job;
      this.wake = wake;
    }

    @Override
    public void accept(P snapshot) {
      job.progress.set(snapshot);
      long now = nanoTime.getAsLong();
      long last = lastWake.get();
      if (now - last >= interval && lastWake.compareAndSet(last, now)) {
        wake.run();
        return;
      }
      // Throttled: make sure a wake-up follows by the end of the interval. One pending trailing
      // wake-up covers every snapshot until it runs, since the reconciler reads the latest one.
      if (trailing.compareAndSet(false, true)) {
        long delay = Math.max(0, lastWake.get() + interval - now);
        try {
          wakeScheduler.schedule(this::trailingWake, delay);
        } catch (RejectedExecutionException e) {
          trailing.set(false); // closing: the job's final wake-up publishes the rest
        }
      }
    }

    private void trailingWake() {
      // Count this as a wake-up before allowing the next trailing one, so a snapshot arriving
      // now is throttled against it and schedules its own trailing wake-up if needed.
      lastWake.set(nanoTime.getAsLong());
      trailing.set(false);
      if (!job.isDone()) { // a finished job has woken the reconciler already
        wake.run();
      }
    }
  }

  /** Jobs currently running or queued. */
  public int activeCount() {
    return (int) jobs.values().stream().filter(j -> !j.isDone()).count();
  }

  /**
   * Whether {@link #close()} has begun. Jobs that wait for something outside (e.g. a drain polling
   * the database) check this and stop early instead of holding up the shutdown.
   */
  public boolean isClosing() {
    return closing;
  }

  /**
   * Stops accepting work and waits up to {@code atMost} for running jobs to finish. Each job that
   * ends wakes its reconciler as usual, so while the reconcilers still run, its result is published
   * (see {@link #awaitTaken}). Jobs still running then are abandoned, as a crash would leave them:
   * forgotten unreported, their statements cancelled on the server (so their transaction rolls back
   * now, not after this process is gone) and their workers interrupted, given a few more seconds;
   * the next operator finds the run unfinished and runs it again.
   */
  public void finishRunning(Duration atMost) {
    closing = true;
    executor.shutdown();
    try {
      if (!executor.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
        jobs.forEach(
            (key, job) -> {
              if (!job.isDone() && jobs.remove(key, job)) {
                job.abandon();
              }
            });
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits up to {@code atMost} until every finished job's result has been taken by its reconciler
   * ({@link #forget}), so a run that ended while the operator was stopping is reported by this
   * process, not left for the next one to find.
   *
   * @return whether none is left untaken
   */
  public boolean awaitTaken(Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!jobs.isEmpty()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Stops accepting work, waits a while for running jobs to finish, stops the wake-up timer. */
  @Override
  public void close() {
    try {
      if (!executor.isTerminated()) {
        finishRunning(Duration.ofSeconds(30));
      }
    } finally {
      if (ownTimer != null) {
        ownTimer.shutdownNow();
      }
    }
  }
}
