package dev.pitstop.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.WindowPhase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class PitstopMetricsTest {
  @Test
  void windowPhaseGaugeIsOneForTheCurrentPhaseOnly() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PitstopMetrics metrics = new PitstopMetrics(registry);

    metrics.windowPhase("shop", "nightly", WindowPhase.Draining);
    metrics.windowPhase("shop", "nightly", WindowPhase.Active);

    assertThat(phase(registry, "Active")).isEqualTo(1.0);
    assertThat(phase(registry, "Draining")).isZero();
    assertThat(registry.find("pitstop_window_phase").gauges()).hasSize(WindowPhase.values().length);
  }

  private static double phase(SimpleMeterRegistry registry, String phase) {
    return registry
        .get("pitstop_window_phase")
        .tag("namespace", "shop")
        .tag("name", "nightly")
        .tag("phase", phase)
        .gauge()
        .value();
  }
}
