package dev.pitstop.migration;

import java.util.List;

/**
 * What {@code migrate} would do now: the plan's public view and the pending scripts, in the order
 * they would run.
 */
public record PendingWork(MigrationInfo info, List<PendingScript> scripts) {
  public PendingWork {
    scripts = List.copyOf(scripts);
  }
}
