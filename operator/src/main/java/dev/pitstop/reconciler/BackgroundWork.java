package dev.pitstop.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs long database work off the reconcile threads on a bounded executor, at most one job per
 * resource. A job publishes progress snapshots; whenever progress changes (throttled) or the job
 * ends, {@code wake} is called so the reconciler publishes it promptly.
 */
public final class BackgroundWork implements AutoCloseable {
  private final ThreadPoolExecutor executor;
  private final Map<Key, Job<?, ?>> jobs = new ConcurrentHashMap<>();
  private final Duration progressInterval;
  private volatile boolean closing;

  /**
   * @param threads concurrent jobs
   * @param queueCapacity jobs waiting for a thread; more are refused and retried later
   * @param progressInterval minimum time between two progress wake-ups of one job
   */
  public BackgroundWork(int threads, int queueCapacity, Duration progressInterval) {
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
  }

  /** Jobs of one controller are keyed by kind and resource. */
  public record Key(String kind, ResourceID resource) {}

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

    Job(String runKey, Instant startedAt) {
      this.runKey = runKey;
      this.startedAt = startedAt;
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
   * @param wake called (throttled) when progress changes, and when the job ends
   * @return the job, or empty when the executor is full (try again later)
   */
  public <P, R> Optional<Job<P, R>> start(
      Key key, String runKey, Function<Consumer<P>, R> work, Runnable wake) {
    Job<P, R> job = new Job<>(runKey, Instant.now());
    @SuppressWarnings("unchecked")
    Job<P, R> existing = (Job<P, R>) jobs.putIfAbsent(key, job);
    if (existing != null) {
      return Optional.of(existing);
    }
    AtomicLong lastWake = new AtomicLong();
    Consumer<P> sink =
        snapshot -> {
          job.progress.set(snapshot);
          long now = System.nanoTime();
          long last = lastWake.get();
          if (now - last >= progressInterval.toNanos() && lastWake.compareAndSet(last, now)) {
            wake.run();
          }
        };
    try {
      executor.execute(
          () -> {
            try {
              job.result.complete(work.apply(sink));
            } catch (Throwable t) {
              job.result.completeExceptionally(t);
            } finally {
              wake.run();
            }
          });
    } catch (RejectedExecutionException e) {
      jobs.remove(key, job);
      return Optional.empty();
    }
    return Optional.of(job);
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

  /** Stops accepting work and waits a while for running jobs to finish. */
  @Override
  public void close() {
    closing = true;
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
