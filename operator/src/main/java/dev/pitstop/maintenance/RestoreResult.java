package dev.pitstop.maintenance;

import java.util.List;

/**
 * What a restore put back.
 *
 * @param restored roles whose connection limit was set back to the recorded value
 * @param missing recorded roles that no longer exist (dropped during the window); skipped
 * @param changed roles whose limit someone else changed while they were blocked (no longer 0), with
 *     their limit now; left as they are
 */
public record RestoreResult(
    List<RoleLimit> restored, List<String> missing, List<RoleLimit> changed) {
  public RestoreResult {
    restored = List.copyOf(restored);
    missing = List.copyOf(missing);
    changed = List.copyOf(changed);
  }
}
