package dev.pitstop.reconciler.cleanupschedule.model;

/** What started a cleanup run; shown as status.lastRun.trigger. */
public enum CleanupTrigger {
  /** A fire time of spec.schedule. */
  SCHEDULE("Schedule"),
  /** A new value of the pitstop.dev/run-requested-at annotation. */
  RUN_REQUESTED("RunRequested"),
  /** A change to what or how the cleanup deletes, e.g. a new spec.runRequestId. */
  SPEC_CHANGED("SpecChanged");

  private final String display;

  CleanupTrigger(String display) {
    this.display = display;
  }

  /** The CamelCase name in status. */
  public String display() {
    return display;
  }
}
