package dev.pitstop.maintenance;

import java.util.List;

/**
 * What a restore put back.
 *
 * @param restored roles whose connection limit was set back to the recorded value
 * @param missing recorded roles that no longer exist (dropped during the window); skipped
 */
public record RestoreResult(List<RoleLimit> restored, List<String> missing) {
  public RestoreResult {
    restored = List.copyOf(restored);
    missing = List.copyOf(missing);
  }
}
