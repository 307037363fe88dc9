package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.cli.UsageException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {
  @Test
  void defaultsSuitAProductionDeployment() {
    OperatorSettings s = OperatorSettings.parse(List.of(), Map.of());
    assertThat(s.namespaces()).isEmpty();
    assertThat(s.useSsa()).isTrue();
    assertThat(s.leaderElection()).isFalse();
    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.workerThreads()).isEqualTo(4);
    assertThat(s.poolIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void flagsWinOverEnvironment() {
    OperatorSettings s =
        OperatorSettings.parse(
            List.of("--namespaces", "shop, billing", "--ssa=false", "--reconcile-threads", "3"),
            Map.of(
                "PITSTOP_NAMESPACES", "ignored",
                "PITSTOP_LEADER_ELECTION", "true",
                "POD_NAMESPACE", "pitstop-system",
                "PITSTOP_POOL_IDLE_TIMEOUT", "90s"));
    assertThat(s.namespaces()).containsExactlyInAnyOrder("shop", "billing");
    assertThat(s.useSsa()).isFalse();
    assertThat(s.reconcileThreads()).isEqualTo(3);
    assertThat(s.leaderElection()).isTrue();
    assertThat(s.leaseNamespace()).contains("pitstop-system");
    assertThat(s.poolIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void badValuesAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--ssa", "maybe"), Map.of()))
        .isInstanceOf(UsageException.class)
        .hasMessage("--ssa must be true or false, not 'maybe'");
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--worker-threads", "0"), Map.of()))
        .hasMessage("--worker-threads must be between 1 and 64, not 0");
    assertThatThrownBy(
            () -> OperatorSettings.parse(List.of(), Map.of("PITSTOP_POOL_IDLE_TIMEOUT", "soon")))
        .hasMessageStartingWith("--pool-idle-timeout must be a duration");
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--verbose"), Map.of()))
        .hasMessage("unknown option --verbose");
  }
}
