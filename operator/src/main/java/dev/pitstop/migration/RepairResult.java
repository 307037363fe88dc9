package dev.pitstop.migration;

import java.util.List;

/**
 * Result of {@code repair}.
 *
 * @param removedFailed scripts whose failed history rows were deleted
 * @param realigned scripts whose recorded checksum or description now matches the script
 * @param markedDeleted applied migrations whose script is gone, now marked as deleted (a row of
 *     type {@code DELETE}, as Flyway's repair writes): no longer applied, no longer an issue
 */
public record RepairResult(
    List<String> removedFailed, List<String> realigned, List<String> markedDeleted) {

  public RepairResult {
    removedFailed = List.copyOf(removedFailed);
    realigned = List.copyOf(realigned);
    markedDeleted = List.copyOf(markedDeleted);
  }

  /** Whether repair changed nothing. */
  public boolean nothing() {
    return removedFailed.isEmpty() && realigned.isEmpty() && markedDeleted.isEmpty();
  }
}
