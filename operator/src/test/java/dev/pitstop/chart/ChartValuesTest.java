package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chart rendered with non-default values, and values it refuses. */
class ChartValuesTest {
  @Test
  void namespacedHighlyAvailableJsonLoggingCustomImage() {
    RenderedChart chart =
        RenderedChart.with(
            """
            image: {repository: registry.example.com/platform/pitstop, tag: "1.2.3", pullPolicy: Always}
            imagePullSecrets: [{name: registry-credentials}]
            replicaCount: 2
            watchNamespaces: [team-a, team-b]
            operator:
              logFormat: json
              useServerSideApply: false
              workerThreads: 8
              pool: {maxSize: 10, maxPools: 12, idleTimeout: 1h30m}
            jvm: {maxRamPercentage: 60, gc: G1, extraOptions: ["-Xss512k"]}
            resources:
              requests: {cpu: 250m, memory: 512Mi}
              limits: {cpu: "1", memory: 1Gi}
            metrics:
              serviceMonitor: {enabled: true, interval: 15s, labels: {release: prometheus}}
            """);
    OperatorContainer operator = OperatorContainer.of(chart);
    Deployment deployment = operator.deployment();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(operator.container().getImage())
        .isEqualTo("registry.example.com/platform/pitstop:1.2.3");
    assertThat(operator.container().getImagePullPolicy()).isEqualTo("Always");
    assertThat(deployment.getSpec().getTemplate().getSpec().getImagePullSecrets())
        .extracting(s -> s.getName())
        .containsExactly("registry-credentials");
    assertThat(operator.jvmOptions())
        .containsExactly(
            "-XX:MaxRAMPercentage=60", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Xss512k");
    assertThat(operator.container().getResources().getLimits())
        .containsEntry("cpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("1Gi"));

    OperatorSettings settings = operator.settings();
    assertThat(settings.namespaces()).containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(settings.logFormat()).isEqualTo("json");
    assertThat(settings.useSsa()).isFalse();
    assertThat(settings.workerThreads()).isEqualTo(8);
    assertThat(settings.poolMaxSize()).isEqualTo(10);
    assertThat(settings.maxPools()).isEqualTo(12);
    assertThat(settings.poolIdleTimeout()).isEqualTo(Duration.ofMinutes(90));
    assertThat(settings.leaderElection()).isTrue();

    PodDisruptionBudget pdb = chart.all(PodDisruptionBudget.class).get(0);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

    Service service = chart.all(Service.class).get(0);
    List<HasMetadata> monitors = chart.ofKind("ServiceMonitor");
    assertThat(monitors).hasSize(1);
    GenericKubernetesResource monitor = (GenericKubernetesResource) monitors.get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<String, String> selected = monitor.get("spec", "selector", "matchLabels");
    assertThat(service.getMetadata().getLabels())
        .as("the ServiceMonitor selects the metrics Service")
        .containsAllEntriesOf(selected);
    assertThat(monitor.<List<String>>get("spec", "namespaceSelector", "matchNames"))
        .containsExactly(RenderedChart.NAMESPACE);
    assertThat(monitor.<String>get("spec", "endpoints", 0, "port"))
        .isEqualTo(service.getSpec().getPorts().get(0).getName());
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "interval")).isEqualTo("15s");
  }

  @Test
  void withoutLeaderElectionOnePodRunsAtATimeAndNoLeaseIsGranted() {
    RenderedChart chart = RenderedChart.with("leaderElection: {enabled: false}");
    OperatorContainer operator = OperatorContainer.of(chart);
    assertThat(operator.settings().leaderElection()).isFalse();
    assertThat(operator.deployment().getSpec().getStrategy().getType())
        .as("an old and a new pod never overlap")
        .isEqualTo("Recreate");
    assertThat(chart.text()).doesNotContain("leases", "selfsubjectrulesreviews");
  }

  @Test
  void twoReleasesInOneNamespaceTakeTwoLeases() {
    OperatorSettings first = OperatorContainer.of(RenderedChart.with("{}", "pitstop")).settings();
    OperatorSettings second =
        OperatorContainer.of(RenderedChart.with("{}", "pitstop-staging")).settings();
    assertThat(first.leaseName()).isEqualTo("pitstop-leader");
    assertThat(second.leaseName()).isEqualTo("pitstop-staging-leader");
    assertThat(first.leaseNamespace()).isEqualTo(second.leaseNamespace());
    assertThat(
            OperatorContainer.of(RenderedChart.with("fullnameOverride: payments-ops", "pitstop"))
                .settings()
                .leaseName())
        .as("the release's full name, as every object of the release")
        .isEqualTo("payments-ops-leader");
    assertThat(
            OperatorContainer.of(
                    RenderedChart.with(
                        "leaderElection: {leaseName: pitstop-operator}", "pitstop-staging"))
                .settings()
                .leaseName())
        .as("a name set in values")
        .isEqualTo("pitstop-operator");
  }

  @Test
  void anEmptyGcLetsTheJvmChooseAndThenExtraOptionsMayNameOne() {
    OperatorContainer operator =
        OperatorContainer.of(
            RenderedChart.with("jvm: {gc: \"\", extraOptions: [\"-XX:+UseParallelGC\"]}"));
    assertThat(operator.jvmOptions())
        .containsExactly(
            "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseParallelGC");
  }

  @Test
  void refusesASecondGarbageCollectorInExtraOptions() {
    assertThatThrownBy(() -> RenderedChart.with("jvm: {extraOptions: [\"-XX:+UseG1GC\"]}"))
        .hasMessageContaining(
            "jvm.extraOptions: -XX:+UseG1GC selects a garbage collector, which jvm.gc (Serial)"
                + " already does");
  }

  @Test
  void refusesTwoReplicasWithoutLeaderElection() {
    assertThatThrownBy(
            () -> RenderedChart.with("replicaCount: 2\nleaderElection: {enabled: false}"))
        .hasMessageContaining("replicaCount > 1 needs leaderElection.enabled=true");
  }

  @Test
  void refusesValuesTheSchemaRejects() {
    assertThatThrownBy(() -> RenderedChart.with("replicaCount: two"))
        .hasMessageContaining("at '/replicaCount': got string, want integer");
    assertThatThrownBy(() -> RenderedChart.with("operator: {logFormat: xml}"))
        .hasMessageContaining("at '/operator/logFormat'");
    assertThatThrownBy(() -> RenderedChart.with("operator: {pool: {idleTimeout: soon}}"))
        .hasMessageContaining("at '/operator/pool/idleTimeout'");
    assertThatThrownBy(() -> RenderedChart.with("operator: {pool: {maxPools: 0}}"))
        .hasMessageContaining("at '/operator/pool/maxPools'");
    assertThatThrownBy(() -> RenderedChart.with("watchNamespaces: [Team_A]"))
        .hasMessageContaining("at '/watchNamespaces/0'");
    assertThatThrownBy(() -> RenderedChart.with("leaderElection: {leaseName: Pitstop_Lease}"))
        .hasMessageContaining("at '/leaderElection/leaseName'");
    assertThatThrownBy(() -> RenderedChart.with("jvm: {gc: Epsilon}"))
        .hasMessageContaining("at '/jvm/gc'");
    assertThatThrownBy(() -> RenderedChart.with("terminationGracePeriodSeconds: 49"))
        .hasMessageContaining("at '/terminationGracePeriodSeconds'");
    assertThatThrownBy(() -> RenderedChart.with("watchNamespace: [team-a]"))
        .as("a misspelt key")
        .hasMessageContaining("additional properties 'watchNamespace' not allowed");
  }

  @Test
  void refusesAServiceMonitorWithoutTheMetricsService() {
    assertThatThrownBy(
            () ->
                RenderedChart.with(
                    "metrics: {service: {enabled: false}, serviceMonitor: {enabled: true}}"))
        .hasMessageContaining("metrics.serviceMonitor.enabled needs metrics.service.enabled");
  }

  @Test
  void anExistingServiceAccountCanBeUsed() {
    RenderedChart chart =
        RenderedChart.with("serviceAccount: {create: false, name: platform-operators}");
    assertThat(chart.ofKind("ServiceAccount")).isEmpty();
    assertThat(
            OperatorContainer.of(chart)
                .deployment()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getServiceAccountName())
        .isEqualTo("platform-operators");
    assertThat(chart.text()).contains("name: platform-operators");
    assertThat(Set.of("ClusterRoleBinding", "RoleBinding"))
        .allSatisfy(kind -> assertThat(chart.ofKind(kind)).isNotEmpty());
  }
}
