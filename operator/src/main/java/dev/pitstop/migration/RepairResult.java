package dev.pitstop.migration;

import java.util.List;

/**
 * Result of {@code repair}.
 *
 * @param removedFailed scripts whose failed history rows were deleted
 * @param realigned scripts whose recorded checksum or description now matches the script
 */
public record RepairResult(List<String> removedFailed, List<String> realigned) {

  public RepairResult {
    removedFailed = List.copyOf(removedFailed);
    realigned = List.copyOf(realigned);
  }
}
