package dev.pitstop.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.cli.UsageException;
import dev.pitstop.database.PoolOptions;
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
    assertThat(s.poolMaxSize()).isEqualTo(4);
    assertThat(s.maxPools()).isEqualTo(32);
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
  void maxPoolsComesFromTheFlagElseTheEnvironment() {
    assertThat(OperatorSettings.parse(List.of(), Map.of("PITSTOP_MAX_POOLS", "8")).maxPools())
        .isEqualTo(8);
    assertThat(
            OperatorSettings.parse(List.of("--max-pools", "64"), Map.of("PITSTOP_MAX_POOLS", "8"))
                .maxPools())
        .isEqualTo(64);
    assertThat(OperatorSettings.parse(List.of("--max-pools=1"), Map.of()).maxPools()).isEqualTo(1);
  }

  @Test
  void thePoolsTakeTheirLimitsFromTheSettings() {
    OperatorSettings s =
        OperatorSettings.parse(
            List.of("--max-pools", "6", "--pool-max-size", "3", "--pool-idle-timeout", "2m"),
            Map.of());
    PoolOptions pools = PitstopOperator.poolOptions(s);
    assertThat(pools.maxPools()).isEqualTo(6);
    assertThat(pools.maxPoolSize()).isEqualTo(3);
    assertThat(pools.idleClose()).isEqualTo(Duration.ofMinutes(2));
    assertThat(PitstopOperator.poolOptions(OperatorSettings.defaults()).maxPools())
        .isEqualTo(PoolOptions.defaults().maxPools());
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
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--max-pools", "0"), Map.of()))
        .hasMessage("--max-pools must be between 1 and 1000, not 0");
    assertThatThrownBy(() -> OperatorSettings.parse(List.of(), Map.of("PITSTOP_MAX_POOLS", "many")))
        .hasMessage("--max-pools must be a whole number, not 'many'");
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--verbose"), Map.of()))
        .hasMessage("unknown option --verbose");
  }

  @Test
  void everyKindIsReconciledUnlessTheKindsSettingNamesFewer() {
    assertThat(OperatorSettings.parse(List.of(), Map.of()).kinds())
        .containsExactlyInAnyOrderElementsOf(OperatorSettings.KINDS);
    OperatorSettings some =
        OperatorSettings.parse(
            List.of(), Map.of("PITSTOP_KINDS", "databasemigrations, cleanupschedules"));
    assertThat(some.reconciles("databasemigrations")).isTrue();
    assertThat(some.reconciles("cleanupschedules")).isTrue();
    assertThat(some.reconciles("maintenancewindows")).isFalse();
    assertThat(some.reconciles("sandboxresets")).isFalse();
    assertThatThrownBy(
            () -> OperatorSettings.parse(List.of("--kinds", "databasemigration"), Map.of()))
        .hasMessageContaining("--kinds")
        .hasMessageContaining("'databasemigration'");
    assertThatThrownBy(() -> OperatorSettings.parse(List.of("--kinds", ","), Map.of()))
        .hasMessageContaining("--kinds must name at least one");
  }
}
