package dev.pitstop.maintenance;

import java.time.Duration;
import java.util.List;

/**
 * What a finished drain found and did.
 *
 * @param lastSample the sample that showed nothing left
 * @param terminatedSessions sessions terminated after the grace period
 * @param blockedRoles roles whose connection limit was set to 0
 * @param took how long the drain took
 */
public record DrainResult(
    DrainSample lastSample, int terminatedSessions, List<String> blockedRoles, Duration took) {
  public DrainResult {
    blockedRoles = List.copyOf(blockedRoles);
  }
}
