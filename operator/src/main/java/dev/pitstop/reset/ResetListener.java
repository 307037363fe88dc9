package dev.pitstop.reset;

/**
 * Receives a reset's progress on the calling thread. Called before every table and seed script, so
 * implementations must be cheap. An exception thrown here aborts the reset; it is rolled back.
 */
public interface ResetListener {

  /** A listener that ignores everything. */
  ResetListener NONE = new ResetListener() {};

  /** The plan is made and nothing has been deleted yet. */
  default void onPlanned(ResetPlan plan) {}

  /** A table or seed script is about to start. */
  default void onProgress(ResetProgress progress) {}
}
