package dev.pitstop.maintenance;

import java.util.List;

/**
 * The database side of a drain, checked before anything changes.
 *
 * @param connectionLimits the drained roles' connection limits now: the values a restore puts back
 * @param sample the first look at tasks and sessions (the tasks query ran and returned a number)
 */
public record Preflight(List<RoleLimit> connectionLimits, DrainSample sample) {
  public Preflight {
    connectionLimits = List.copyOf(connectionLimits);
  }
}
