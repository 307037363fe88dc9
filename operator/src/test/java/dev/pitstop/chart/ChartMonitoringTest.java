package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's optional alert rules and Grafana dashboard (MetricsIT checks the rules and the
 * dashboard's queries against a real operator and promtool).
 */
class ChartMonitoringTest {
  @Test
  void neitherRulesNorDashboardUnlessAskedFor() {
    RenderedChart chart = RenderedChart.withDefaults();
    assertThat(chart.ofKind("PrometheusRule")).isEmpty();
    assertThat(chart.all(ConfigMap.class))
        .noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard"));
  }

  @Test
  void thePrometheusRuleCarriesTheAlertsFileWithItsLabelsAndNamespace() {
    RenderedChart chart =
        RenderedChart.with(
            "metrics: {prometheusRule: {enabled: true, namespace: monitoring,"
                + " labels: {release: prometheus}}}");
    List<HasMetadata> rules = chart.ofKind("PrometheusRule");
    assertThat(rules).hasSize(1);
    HasMetadata rule = rules.get(0);
    assertThat(rule.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(rule.getMetadata().getLabels())
        .containsEntry("release", "prometheus")
        .containsEntry("app.kubernetes.io/part-of", "pitstop");
    // The annotations' Prometheus templates reach it untouched by Helm.
    assertThat(chart.text()).contains("{{ $labels.namespace }}/{{ $labels.name }}");
  }

  @Test
  void theDashboardIsAConfigMapTheGrafanaSidecarLoads() throws IOException {
    RenderedChart chart =
        RenderedChart.with(
            "metrics: {dashboard: {enabled: true, annotations: {grafana_folder: Pitstop}}}");
    ConfigMap dashboard = chart.find(ConfigMap.class, RenderedChart.FULLNAME + "-dashboard").get();
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Pitstop");
    assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    String file = Files.readString(ProjectFiles.chart().resolve("files/dashboard.json"));
    assertThat(dashboard.getData().get("pitstop.json")).isEqualTo(file.strip());
    JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("pitstop.json"));
    assertThat(json.path("uid").asText()).isEqualTo("pitstop");
    assertThat(json.path("panels")).hasSizeGreaterThan(5);
  }
}
