package dev.pitstop.reconciler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Lets reconciles run until the operator stops reconciling, and lets stopping wait for the ones
 * under way.
 *
 * <p>When the operator stops reconciling, the informer caches every reconcile reads from (the
 * Secrets, ConfigMaps, Deployments, StatefulSets, CronJobs, Jobs and Pods it references) are
 * emptied first, and only then does JOSDK stop its reconcile threads. A reconcile still running at
 * that moment would find every object it looks up missing and act on that: a restore would count
 * each recorded workload as deleted and leave it at 0 replicas, a run would report its Secret as
 * not found. So no reconcile may be running then: each reconcile passes through this gate ({@link
 * #enter}, {@link #leave}), and the operator {@link #close closes} it, waiting for the reconciles
 * under way, before it stops reconciling. A reconcile refused by a closed gate does nothing; the
 * next operator reconciles its resource.
 *
 * <p>Thread-safe.
 */
public final class ReconcileGate {
  private int running;
  private boolean closed;

  /**
   * Starts a reconcile; each {@code true} must be followed by one {@link #leave()}.
   *
   * @return false once the gate is closed: the reconcile must do nothing
   */
  public synchronized boolean enter() {
    if (closed) {
      return false;
    }
    running++;
    return true;
  }

  /**
   * Runs a reconcile through the gate.
   *
   * @param reconcile the reconcile
   * @param whenClosed what a reconcile refused by the closed gate returns, having done nothing
   */
  public <T> T through(Supplier<T> reconcile, T whenClosed) {
    if (!enter()) {
      return whenClosed;
    }
    try {
      return reconcile.get();
    } finally {
      leave();
    }
  }

  /** Ends a reconcile that {@link #enter() entered}. */
  public synchronized void leave() {
    if (running == 0) {
      throw new IllegalStateException("no reconcile entered the gate");
    }
    running--;
    if (running == 0) {
      notifyAll();
    }
  }

  /**
   * From now on no reconcile starts; waits up to {@code wait} until the reconciles under way have
   * ended. A second call only waits again.
   *
   * @return whether none is running any more
   */
  public synchronized boolean close(Duration wait) {
    closed = true;
    long deadline = System.nanoTime() + wait.toNanos();
    while (running > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return running == 0;
      }
    }
    return true;
  }
}
