package dev.pitstop.cleanup;

/** The outcome of a whole run. */
public enum CleanupOutcome {
  /** Every rule finished (or was counted, in a dry run). */
  SUCCEEDED,
  /** Stopped cleanly with rows remaining (maxDuration, busy or locked rows); not a failure. */
  INCOMPLETE,
  /** At least one rule failed; rows other rules deleted stay deleted. */
  FAILED
}
