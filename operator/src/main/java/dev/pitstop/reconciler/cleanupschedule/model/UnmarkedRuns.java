package dev.pitstop.reconciler.cleanupschedule.model;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Runs that status shows Running, that this operator does not run, and whose mark on the database
 * was not seen: another operator's run between writing Running and marking it, or between its end
 * and writing the result, or a run whose operator stopped. A run counts as stopped only once it has
 * gone unmarked for the grace while its progress in status stayed as it was: a run that published
 * progress meanwhile was going, even if two looks fell on the two moments without a mark of one
 * short run.
 *
 * <p>Kept by resource UID; a wait for other processes, so measured in real time ({@code nanoTime}),
 * not the operator's clock.
 */
public final class UnmarkedRuns {
  private final Duration grace;
  private final Duration startGrace;
  private final LongSupplier nanoTime;
  private final Map<String, Since> unmarked = new ConcurrentHashMap<>();

  private record Since(String progress, long nanos) {}

  /**
   * @param grace how long a run goes unmarked, its progress unchanged, before it counts as stopped
   * @param startGrace the same for a run whose progress shows no work yet: between an operator
   *     writing Running and its run's session taking the mark lie a job's start and, on a busy
   *     machine or a new pool, a login, which can take longer than the end of a run
   * @param nanoTime the time, as {@link System#nanoTime()}
   */
  public UnmarkedRuns(Duration grace, Duration startGrace, LongSupplier nanoTime) {
    this.grace = grace;
    this.startGrace = startGrace;
    this.nanoTime = nanoTime;
  }

  /** The run was seen marked, or status no longer shows it running: nothing to count. */
  public void forget(String uid) {
    unmarked.remove(uid);
  }

  /**
   * The run of {@code uid} had no mark just now.
   *
   * @param progress the run's progress in status, as read (e.g. as JSON)
   * @param workShown whether that progress shows work done (else the start grace applies)
   * @return when to look again while the run may still be going; null once it counts as stopped
   */
  public Duration noMark(String uid, String progress, boolean workShown) {
    Duration wait = workShown ? grace : startGrace;
    long now = nanoTime.getAsLong();
    Since first = unmarked.get(uid);
    if (first == null || !first.progress().equals(progress)) {
      unmarked.put(uid, new Since(progress, now));
      return wait;
    }
    Duration since = Duration.ofNanos(now - first.nanos());
    if (since.compareTo(wait) < 0) {
      return wait.minus(since);
    }
    unmarked.remove(uid);
    return null;
  }
}
