package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The chart's optional parts: CRDs managed by Helm, the NetworkPolicy, the log level. */
class ChartOptionsTest {
  @Test
  void theCrdsAreTemplatesHelmUpgradesAndKeepsOnUninstall() throws IOException {
    List<CustomResourceDefinition> rendered =
        RenderedChart.withDefaults().all(CustomResourceDefinition.class);
    List<CustomResourceDefinition> files = crdFiles();
    assertThat(files).hasSize(4);
    assertThat(rendered)
        .extracting(c -> c.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(
            files.stream().map(c -> c.getMetadata().getName()).toList());
    for (CustomResourceDefinition crd : rendered) {
      CustomResourceDefinition file =
          files.stream()
              .filter(f -> f.getMetadata().getName().equals(crd.getMetadata().getName()))
              .findFirst()
              .orElseThrow();
      assertThat(crd.getSpec())
          .as("the spec of %s", crd.getMetadata().getName())
          .isEqualTo(file.getSpec());
      assertThat(crd.getMetadata().getAnnotations())
          .containsEntry("helm.sh/resource-policy", "keep");
      assertThat(crd.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("app.kubernetes.io/part-of", "pitstop");
    }
    assertThat(RenderedChart.with("crds: {keep: false}").all(CustomResourceDefinition.class))
        .hasSize(4)
        .allSatisfy(c -> assertThat(c.getMetadata().getAnnotations()).isNullOrEmpty());
    assertThat(RenderedChart.with("crds: {install: false}").all(CustomResourceDefinition.class))
        .isEmpty();
    assertThat(Files.exists(ProjectFiles.chart().resolve("crds")))
        .as("Helm's crds/ folder would install the CRDs a second time, and never upgrade them")
        .isFalse();
  }

  private static List<CustomResourceDefinition> crdFiles() throws IOException {
    try (Stream<Path> files = Files.list(ProjectFiles.crds())) {
      return files
          .filter(f -> f.toString().endsWith(".yml"))
          .map(
              f -> {
                try {
                  return Serialization.unmarshal(
                      Files.readString(f), CustomResourceDefinition.class);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }

  @Test
  void noNetworkPolicyUnlessAskedFor() {
    assertThat(RenderedChart.withDefaults().all(NetworkPolicy.class)).isEmpty();
  }

  @Test
  void theNetworkPolicyLetsInScrapesAndOutDnsTheApiServerPostgresAndWhatIsAdded() {
    RenderedChart chart =
        RenderedChart.with(
            """
            networkPolicy:
              enabled: true
              metricsFrom:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
              postgres:
                ports: [5432, 6432]
                to: [{podSelector: {matchLabels: {cnpg.io/cluster: app-db}}}]
              extraEgress:
                - ports: [{port: 443, protocol: TCP}]
            """);
    NetworkPolicy policy = chart.all(NetworkPolicy.class).get(0);
    assertThat(policy.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .as("selects the operator's pods")
        .isEqualTo(chart.deployment().getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            in -> {
              assertThat(in.getPorts())
                  .extracting(p -> p.getPort().getStrVal())
                  .containsExactly("http");
              assertThat(in.getFrom()).hasSize(1);
            });
    List<NetworkPolicyEgressRule> egress = policy.getSpec().getEgress();
    assertThat(egress).hasSize(4);
    assertThat(ports(egress.get(0))).containsExactly("UDP 53", "TCP 53");
    assertThat(ports(egress.get(1))).containsExactly("TCP 443", "TCP 6443");
    assertThat(egress.get(1).getTo()).as("the API server anywhere by default").isNullOrEmpty();
    assertThat(ports(egress.get(2))).containsExactly("TCP 5432", "TCP 6432");
    assertThat(egress.get(2).getTo())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.getPodSelector().getMatchLabels())
                    .containsEntry("cnpg.io/cluster", "app-db"));
    assertThat(ports(egress.get(3))).containsExactly("TCP 443");
  }

  private static List<String> ports(NetworkPolicyEgressRule rule) {
    return rule.getPorts().stream().map(ChartOptionsTest::port).toList();
  }

  private static String port(NetworkPolicyPort p) {
    return p.getProtocol() + " " + p.getPort().getIntVal();
  }

  @Test
  void theLogLevelReachesTheOperator() {
    assertThat(OperatorContainer.of(RenderedChart.withDefaults()).environment())
        .containsEntry("PITSTOP_LOG_LEVEL", "INFO");
    assertThat(
            OperatorContainer.of(RenderedChart.with("operator: {logLevel: DEBUG}")).environment())
        .containsEntry("PITSTOP_LOG_LEVEL", "DEBUG");
    assertThatThrownBy(() -> RenderedChart.with("operator: {logLevel: verbose}"))
        .hasMessageContaining("logLevel");
  }
}
