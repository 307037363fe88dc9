package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MaintenanceWindowStatus;
import dev.pitstop.api.v1alpha1.WindowPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WindowGateTest {
  private static final Instant NOW = Instant.parse("2026-11-22T02:30:00Z");
  private static final LocalObjectRef REF = new LocalObjectRef("nightly");

  private static MaintenanceWindow window(WindowPhase phase, String windowEnd) {
    MaintenanceWindow w = new MaintenanceWindow();
    w.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace("shop").build());
    w.setStatus(new MaintenanceWindowStatus());
    w.getStatus().phase = phase;
    w.getStatus().windowEnd = windowEnd;
    return w;
  }

  private static WindowGate.Decision check(MaintenanceWindow window) {
    return WindowGate.check(REF, name -> Optional.ofNullable(window), NOW);
  }

  @Test
  void openOnlyWhileActiveAndBeforeTheEnd() {
    assertThat(check(window(WindowPhase.Active, null)).open()).isTrue();
    assertThat(check(window(WindowPhase.Active, "2026-11-22T03:00:00Z")).open()).isTrue();

    WindowGate.Decision ended = check(window(WindowPhase.Active, "2026-11-22T02:30:00Z"));
    assertThat(ended.open()).isFalse();
    assertThat(ended.waitingFor()).contains("ended at 2026-11-22T02:30:00Z");
  }

  @Test
  void closedWhileNotActiveMissingOrBeingDeleted() {
    assertThat(check(window(WindowPhase.Draining, null)).waitingFor())
        .isEqualTo("MaintenanceWindow 'nightly' to be Active (it is Draining)");
    assertThat(check(null).waitingFor())
        .isEqualTo("MaintenanceWindow 'nightly' to be created (it does not exist)");
    MaintenanceWindow deleting = window(WindowPhase.Active, null);
    deleting.getMetadata().setDeletionTimestamp("2026-11-22T02:29:00Z");
    assertThat(check(deleting).open()).isFalse();
    assertThat(check(deleting).waitingFor())
        .isEqualTo("MaintenanceWindow 'nightly' to be created again (it is being deleted)");
  }

  @Test
  void noReferenceMeansNoGate() {
    assertThat(WindowGate.check(null, name -> Optional.empty(), NOW).open()).isTrue();
  }
}
