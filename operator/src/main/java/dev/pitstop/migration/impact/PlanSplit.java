package dev.pitstop.migration.impact;

/**
 * Shares the measuring of a plan's migrations between two scratch copies, each in its own session,
 * so that measuring every migration in a transaction that is rolled back (and applying it again for
 * the next one) does not take twice as long as applying them.
 *
 * <p>The first copy measures the migrations from the first on. The second copy applies them
 * (committed, each measured only for what the later ones need to know, nothing reported) until it
 * is far enough ahead: as many migrations left for the first copy before it as would follow it.
 * From there on the second copy measures the rest, and the first stops where the second began. So
 * every migration is measured once, on a copy holding exactly the earlier migrations' effects, and
 * the plan reports the first copy's migrations and then the second's, in order. When the first copy
 * gets to the end before that (a short plan, or the second copy slow to start), the second stops.
 */
final class PlanSplit {
  /** What a copy does with one migration. */
  enum Step {
    /** Measures it in a transaction that is rolled back, reports it, and applies it again. */
    MEASURE,
    /** Applies it, for the migrations after it; reports nothing of it. */
    APPLY,
    /** Stops: the other copy measures the rest, or measured everything. */
    STOP
  }

  /** One copy's side of the split. */
  interface Side {
    Step step(int migration);
  }

  /** A plan on one copy: every migration measured there. */
  static final Side ALONE = migration -> Step.MEASURE;

  private final int migrations;

  /** The first copy measures the migrations before this one; the second the rest. */
  private int end;

  /** The migration the first copy is measuring, -1 before it starts. */
  private int first = -1;

  private boolean firstFinished;

  /** Whether {@link #end} is settled. */
  private boolean decided;

  /** The second copy takes over where the first copy has as many left as would follow. */
  PlanSplit(int migrations) {
    this.migrations = migrations;
    this.end = migrations;
  }

  /** The second copy measures the migrations from {@code end} on, wherever the first copy is. */
  static PlanSplit at(int migrations, int end) {
    PlanSplit split = new PlanSplit(migrations);
    split.end = end;
    split.decided = true;
    return split;
  }

  /** The first copy's side. */
  Side first() {
    return this::firstStep;
  }

  /** The second copy's side. */
  Side second() {
    return this::secondStep;
  }

  /** Where the second copy's migrations begin; the number of migrations when it took none. */
  synchronized int end() {
    return end;
  }

  /** Whether the second copy may still measure anything. */
  synchronized boolean secondNeeded() {
    return decided ? end < migrations : !firstFinished;
  }

  /** The first copy will measure no more (finished, or failed). */
  synchronized void firstFinished() {
    firstFinished = true;
  }

  private synchronized Step firstStep(int migration) {
    if (migration >= end) {
      firstFinished = true;
      return Step.STOP;
    }
    first = migration;
    return Step.MEASURE;
  }

  private synchronized Step secondStep(int migration) {
    if (decided) {
      if (migration >= end) {
        return Step.MEASURE;
      }
      return end == migrations ? Step.STOP : Step.APPLY;
    }
    if (firstFinished || first >= migration) {
      // the first copy is at it or past it already, so it measures this one: the second can
      // only take over ahead of it, and stops once the first has finished
      return firstFinished ? Step.STOP : Step.APPLY;
    }
    if (migration - first >= migrations - migration) {
      end = migration;
      decided = true;
      return Step.MEASURE;
    }
    return Step.APPLY;
  }
}
