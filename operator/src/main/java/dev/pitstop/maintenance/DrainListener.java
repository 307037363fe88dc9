package dev.pitstop.maintenance;

import java.util.List;

/**
 * Receives the progress of {@code drain} on the calling thread. Implementations must be cheap (e.g.
 * keep the latest value for a status patch elsewhere).
 */
public interface DrainListener {
  /** A listener that ignores everything. */
  DrainListener NONE = new DrainListener() {};

  /** A sample was taken: the tasks query's value and the sessions still open. */
  default void onSample(DrainSample sample) {}

  /** The roles' connection limits were set to 0. */
  default void onBlocked(List<String> roles) {}

  /** Sessions left after the grace period were terminated. */
  default void onTerminated(List<Session> sessions) {}

  /**
   * A sample failed for a reason that may pass (the connection lost, the server restarting, the
   * tasks query over its statement timeout, a lock not granted); the drain tries again after its
   * poll interval until its deadline. The next {@link #onSample} means it succeeded again.
   *
   * @param failure what failed; its {@link MaintenanceException#field()} names the request's field
   *     when the failure is the tasks query's, and its cause is the database's error
   */
  default void onRetry(MaintenanceException failure) {}
}
