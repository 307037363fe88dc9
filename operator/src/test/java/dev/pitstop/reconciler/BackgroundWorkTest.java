package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Progress wake-ups: throttled to one per interval, with a trailing wake-up so the latest progress
 * is published within one interval. The clock and the timer are the test's, so nothing here depends
 * on timing, except the last test, which uses the real timer with generous bounds.
 */
class BackgroundWorkTest {
  private static final Duration INTERVAL = Duration.ofMillis(250);
  private static final long MS = 1_000_000L;

  // System.nanoTime() may be negative; the first snapshot must wake at once all the same.
  private final AtomicLong clock = new AtomicLong(-5_000 * MS);
  private final List<Timed> timer = new ArrayList<>();
  private final AtomicInteger wakes = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<Consumer<Integer>> sink = new CompletableFuture<>();
  private BackgroundWork work;
  private BackgroundWork.Job<Integer, String> job;

  private record Timed(Runnable task, long delayNanos) {}

  @AfterEach
  void stop() {
    release.countDown();
    if (work != null) {
      work.close();
    }
  }

  /** A job that counts down {@code running}, sleeps, and says {@code done} or "interrupted". */
  private static Function<Consumer<Integer>, String> sleeping(
      CountDownLatch running, long millis, String done) {
    return progress -> {
      running.countDown();
      try {
        Thread.sleep(millis);
        return done;
      } catch (InterruptedException e) {
        return "interrupted";
      }
    };
  }

  @Test
  void cancelInterruptsTheWorkerAndCancelsItsStatementsOnceThenTheThreadIsClearedForTheNextJob()
      throws Exception {
    work = new BackgroundWork(1, 1, INTERVAL, Clock.systemUTC());
    AtomicInteger statementCancels = new AtomicInteger();
    CountDownLatch running = new CountDownLatch(1);
    BackgroundWork.Key key = new BackgroundWork.Key("Kind", "uid-1", new ResourceID("r", "ns"));
    BackgroundWork.Job<Integer, String> cancelled =
        work.<Integer, String>start(
                key,
                "run-1",
                sleeping(running, 60_000, "slept"),
                () -> {},
                statementCancels::incrementAndGet)
            .orElseThrow();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(cancelled.cancel("the annotation")).isTrue();
    assertThat(cancelled.cancel("deletion")).as("asked once").isFalse();
    await().atMost(Duration.ofSeconds(10)).until(cancelled::isDone);
    assertThat(cancelled.result()).isEqualTo("interrupted");
    assertThat(cancelled.cancelReason()).contains("the annotation");
    assertThat(statementCancels).hasValue(1);
    assertThat(cancelled.cancel("late")).as("a finished job is left as it is").isFalse();

    work.forget(key);
    BackgroundWork.Job<Integer, Boolean> next =
        work.<Integer, Boolean>start(
                key, "run-2", progress -> Thread.currentThread().isInterrupted(), () -> {})
            .orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(next::isDone);
    assertThat(next.result()).as("the pool thread is not left interrupted").isFalse();
  }

  @Test
  void finishingLetsTheRunningJobEndAndWaitsUntilItsResultIsTakenWhileRefusingNewJobs()
      throws Exception {
    work = new BackgroundWork(1, 1, INTERVAL, Clock.systemUTC());
    CountDownLatch running = new CountDownLatch(1);
    AtomicInteger ended = new AtomicInteger();
    BackgroundWork.Key key = new BackgroundWork.Key("Kind", "uid-1", new ResourceID("r", "ns"));
    BackgroundWork.Job<Integer, String> job =
        work.<Integer, String>start(
                key, "run-1", sleeping(running, 300, "finished"), ended::incrementAndGet)
            .orElseThrow();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    work.finishRunning(Duration.ofSeconds(10));

    assertThat(job.isDone()).isTrue();
    assertThat(job.result()).as("let finish, not interrupted").isEqualTo("finished");
    assertThat(ended).as("its end woke the reconciler").hasValue(1);
    BackgroundWork.Key other = new BackgroundWork.Key("Kind", "uid-2", new ResourceID("s", "ns"));
    assertThat(work.<Integer, String>start(other, "run-2", progress -> "x", () -> {}))
        .as("no new job once stopping")
        .isEmpty();
    assertThat(work.awaitTaken(Duration.ofMillis(200))).as("the result is not taken yet").isFalse();
    CompletableFuture<Boolean> taken =
        CompletableFuture.supplyAsync(() -> work.awaitTaken(Duration.ofSeconds(10)));
    Thread.sleep(100);
    work.forget(key);
    assertThat(taken.get(10, TimeUnit.SECONDS)).as("taken once forgotten").isTrue();
  }

  /**
   * A job still running when the grace is over is left as a crash would leave it: its statement is
   * cancelled on the server, it is forgotten unreported (the next operator runs it again), and
   * waiting for results does not wait for it.
   */
  @Test
  void aJobStillRunningAfterTheGraceIsAbandonedWithItsStatementCancelled() throws Exception {
    work = new BackgroundWork(1, 1, INTERVAL, Clock.systemUTC());
    CountDownLatch running = new CountDownLatch(1);
    AtomicInteger statementCancels = new AtomicInteger();
    BackgroundWork.Key key = new BackgroundWork.Key("Kind", "uid-1", new ResourceID("r", "ns"));
    BackgroundWork.Job<Integer, String> job =
        work.<Integer, String>start(
                key,
                "run-1",
                sleeping(running, 60_000, "slept"),
                () -> {},
                statementCancels::incrementAndGet)
            .orElseThrow();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    work.finishRunning(Duration.ofMillis(200));

    assertThat(statementCancels).as("its statement cancelled on the server").hasValue(1);
    await().atMost(Duration.ofSeconds(10)).until(job::isDone);
    assertThat(job.result()).isEqualTo("interrupted");
    assertThat(job.cancelReason()).as("no reason to report").isEmpty();
    assertThat(work.find(key)).as("forgotten unreported").isEmpty();
    assertThat(work.awaitTaken(Duration.ofMillis(100))).isTrue();
  }

  @Test
  void aBurstWakesAtOnceAndOnceMoreAtTheEndOfTheInterval() throws Exception {
    Consumer<Integer> progress = start(INTERVAL, this::fakeTimer);

    progress.accept(1);
    assertThat(wakes).as("the first snapshot wakes at once").hasValue(1);
    assertThat(scheduled()).isEmpty();

    tick(10);
    progress.accept(2);
    tick(10);
    progress.accept(3);
    assertThat(wakes).as("throttled").hasValue(1);
    assertThat(scheduled())
        .as("one trailing wake-up for the burst, at the end of the interval")
        .containsExactly(240 * MS);

    tick(230);
    runTimer();
    assertThat(wakes).as("the trailing wake-up").hasValue(2);
    assertThat(job.progress()).as("what the reconciler then reads").contains(3);
    assertThat(scheduled()).isEmpty();
  }

  @Test
  void aSnapshotOneIntervalAfterTheLastWakeUpWakesAtOnceWithoutATrailingOne() throws Exception {
    Consumer<Integer> progress = start(INTERVAL, this::fakeTimer);
    progress.accept(1);
    tick(250);
    progress.accept(2);
    tick(300);
    progress.accept(3);
    assertThat(wakes).hasValue(3);
    assertThat(scheduled()).isEmpty();
  }

  @Test
  void aSnapshotSoonAfterATrailingWakeUpIsThrottledAgainstIt() throws Exception {
    Consumer<Integer> progress = start(INTERVAL, this::fakeTimer);
    progress.accept(1);
    tick(100);
    progress.accept(2);
    tick(150);
    runTimer();
    assertThat(wakes).hasValue(2);

    tick(50);
    progress.accept(3);
    assertThat(wakes).as("throttled against the trailing wake-up").hasValue(2);
    assertThat(scheduled()).containsExactly(200 * MS);
    tick(200);
    runTimer();
    assertThat(wakes).hasValue(3);
    assertThat(job.progress()).contains(3);
  }

  @Test
  void aTrailingWakeUpAfterTheJobEndedDoesNotWakeAgain() throws Exception {
    Consumer<Integer> progress = start(INTERVAL, this::fakeTimer);
    progress.accept(1);
    tick(10);
    progress.accept(2);
    assertThat(scheduled()).hasSize(1);

    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> job.isDone() && wakes.get() == 2);
    assertThat(job.result()).isEqualTo("done");
    tick(240);
    runTimer();
    assertThat(wakes).as("the job's final wake-up published everything").hasValue(2);
  }

  @Test
  void withTheRealTimerTheLastProgressOfABurstWakesWhileTheJobStillRuns() throws Exception {
    work = new BackgroundWork(1, 1, Duration.ofMillis(100), Clock.systemUTC());
    Consumer<Integer> progress = startJob();
    progress.accept(1);
    progress.accept(2);
    progress.accept(3);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> wakes.get() >= 2);
    assertThat(job.isDone()).as("the wake-up came from the timer, not the job's end").isFalse();
    assertThat(job.progress()).contains(3);
  }

  private Consumer<Integer> start(Duration interval, BackgroundWork.WakeScheduler scheduler)
      throws Exception {
    work = new BackgroundWork(1, 1, interval, Clock.systemUTC(), clock::get, scheduler);
    return startJob();
  }

  private Consumer<Integer> startJob() throws Exception {
    job =
        work.<Integer, String>start(
                new BackgroundWork.Key("Test", "uid-1", new ResourceID("job", "default")),
                "run-1",
                progress -> {
                  sink.complete(progress);
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return "done";
                },
                wakes::incrementAndGet)
            .orElseThrow();
    return sink.get(10, TimeUnit.SECONDS);
  }

  private void fakeTimer(Runnable task, long delayNanos) {
    synchronized (timer) {
      timer.add(new Timed(task, delayNanos));
    }
  }

  private List<Long> scheduled() {
    synchronized (timer) {
      return timer.stream().map(Timed::delayNanos).toList();
    }
  }

  /** Runs the pending timer tasks, as the timer would once their delays have passed. */
  private void runTimer() {
    List<Timed> due;
    synchronized (timer) {
      due = new ArrayList<>(timer);
      timer.clear();
    }
    due.forEach(t -> t.task().run());
  }

  private void tick(long millis) {
    clock.addAndGet(millis * MS);
  }
}
