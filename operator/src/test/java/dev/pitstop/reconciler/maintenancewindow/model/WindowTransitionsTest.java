package dev.pitstop.reconciler.maintenancewindow.model;

import static dev.pitstop.api.v1alpha1.WindowPhase.Active;
import static dev.pitstop.api.v1alpha1.WindowPhase.Draining;
import static dev.pitstop.api.v1alpha1.WindowPhase.Failed;
import static dev.pitstop.api.v1alpha1.WindowPhase.Idle;
import static dev.pitstop.api.v1alpha1.WindowPhase.Restoring;
import static dev.pitstop.api.v1alpha1.WindowPhase.Scheduled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.WindowPhase;
import org.junit.jupiter.api.Test;

/** Every transition of {@link WindowPhase}'s Javadoc, and the cases that must not move. */
class WindowTransitionsTest {

  /** Builds facts; by default nothing is open, nothing failed and nothing is left to restore. */
  private static final class F {
    boolean scheduled;
    boolean open;
    boolean mayStart;
    boolean refused;
    boolean drained;
    boolean failed;
    boolean holding;
    boolean restored = true;

    F scheduled() {
      scheduled = true;
      return this;
    }

    F opened() {
      open = true;
      mayStart = true;
      return this;
    }

    F openButMayNotStart() {
      open = true;
      mayStart = false;
      return this;
    }

    F refused() {
      refused = true;
      return this;
    }

    F drained() {
      drained = true;
      return this;
    }

    F failed() {
      failed = true;
      return this;
    }

    F holding() {
      holding = true;
      return this;
    }

    F notRestored() {
      restored = false;
      return this;
    }

    WindowTransitions.Facts facts() {
      return new WindowTransitions.Facts(
          scheduled, open, mayStart, refused, drained, failed, holding, restored);
    }
  }

  private static WindowPhase next(WindowPhase from, F facts) {
    return WindowTransitions.next(from, facts.facts());
  }

  @Test
  void idleBecomesScheduledWhenAScheduleIsSetAndBack() {
    assertThat(next(Idle, new F().scheduled())).isEqualTo(Scheduled);
    assertThat(next(Scheduled, new F())).isEqualTo(Idle);
    assertThat(next(null, new F())).isEqualTo(Idle);
    assertThat(next(Scheduled, new F().scheduled())).isEqualTo(Scheduled);
  }

  @Test
  void idleOrScheduledStartDrainingWhenAWindowOpens() {
    assertThat(next(Idle, new F().opened())).isEqualTo(Draining);
    assertThat(next(Scheduled, new F().scheduled().opened())).isEqualTo(Draining);
  }

  @Test
  void idleOrScheduledFailOnAnInvalidSpec() {
    assertThat(next(Idle, new F().refused())).isEqualTo(Failed);
    assertThat(next(Scheduled, new F().scheduled().refused())).isEqualTo(Failed);
  }

  @Test
  void drainingBecomesActiveOnlyWhenEveryStepIsDone() {
    assertThat(next(Draining, new F().opened())).isEqualTo(Draining);
    assertThat(next(Draining, new F().opened().drained())).isEqualTo(Active);
  }

  @Test
  void drainingFailsOnTimeoutErrorOrRefusal() {
    assertThat(next(Draining, new F().opened().failed())).isEqualTo(Failed);
    assertThat(next(Draining, new F().opened().refused())).isEqualTo(Failed);
    assertThat(next(Draining, new F().refused())).as("even if closed").isEqualTo(Failed);
  }

  @Test
  void drainingRestoresWhenTheWindowClosesBeforeItIsDrained() {
    assertThat(next(Draining, new F())).isEqualTo(Restoring);
    assertThat(next(Draining, new F().drained())).isEqualTo(Restoring);
  }

  @Test
  void activeRestoresOnlyOnceClosedAndNoHolderIsLeft() {
    assertThat(next(Active, new F().opened())).isEqualTo(Active);
    assertThat(next(Active, new F().opened().holding())).isEqualTo(Active);
    assertThat(next(Active, new F().holding())).isEqualTo(Active);
    assertThat(next(Active, new F())).isEqualTo(Restoring);
  }

  @Test
  void restoringRestsOnceEverythingIsBack() {
    assertThat(next(Restoring, new F().notRestored())).isEqualTo(Restoring);
    assertThat(next(Restoring, new F())).isEqualTo(Idle);
    assertThat(next(Restoring, new F().scheduled())).isEqualTo(Scheduled);
    assertThat(next(Restoring, new F().opened().notRestored()))
        .as("a window that opens again waits for the restore")
        .isEqualTo(Restoring);
  }

  @Test
  void failedRestoresFirstThenStartsANewWindowOrRests() {
    assertThat(next(Failed, new F().opened().notRestored())).isEqualTo(Failed);
    assertThat(next(Failed, new F().opened())).isEqualTo(Draining);
    assertThat(next(Failed, new F().openButMayNotStart())).isEqualTo(Failed);
    assertThat(next(Failed, new F())).isEqualTo(Idle);
    assertThat(next(Failed, new F().scheduled())).isEqualTo(Scheduled);
    assertThat(next(Failed, new F().refused())).as("spec still invalid").isEqualTo(Failed);
  }
}
