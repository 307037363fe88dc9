package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chart rendered with its default values: what {@code helm install} would create. */
class ChartDefaultsTest {
  private static RenderedChart chart;
  private static OperatorContainer operator;

  @BeforeAll
  static void render() {
    chart = RenderedChart.withDefaults();
    operator = OperatorContainer.of(chart);
  }

  @Test
  void rendersTheOperatorAndItsAccessButNoOptionalObjects() {
    assertThat(chart.objects())
        .extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder(
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "ServiceAccount",
            "ClusterRole", // the operator's
            "ClusterRole", // view, aggregated into the built-in view, edit and admin roles
            "ClusterRole", // edit, aggregated into edit and admin
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Service",
            "Deployment");
    assertThat(chart.objects())
        .filteredOn(o -> !o.getKind().startsWith("Cluster"))
        .filteredOn(o -> !o.getKind().equals("CustomResourceDefinition"))
        .allSatisfy(
            o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE));
    assertThat(chart.all(PodDisruptionBudget.class)).isEmpty();
    assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
  }

  @Test
  void deploysTheOperatorVersionThisBuildMakes() {
    String version = System.getProperty("pitstop.version", "");
    assertThat(version).as("Maven passes pitstop.version").isNotEmpty();
    assertThat(ChartFiles.appVersion())
        .as("Chart.yaml appVersion is the project version (without -SNAPSHOT)")
        .isEqualTo(version.replace("-SNAPSHOT", ""));
  }

  /**
   * The CRDs' CEL rules use {@code fieldPath}, which API servers before 1.28 refuse: the chart, the
   * install guide and these tests name the same oldest version.
   */
  @Test
  void supportsKubernetes128AndNewer() throws IOException {
    assertThat(ChartFiles.chartYaml().path("kubeVersion").asText()).isEqualTo(">=1.28.0-0");
    assertThat(RenderedChart.KUBERNETES_VERSION).isEqualTo("1.28.0");
    String install = Files.readString(ProjectFiles.docs().resolve("install.md"));
    assertThat(install).contains("Kubernetes 1.28 or newer").doesNotContain("1.25");
    // The versions the end-to-end tests run on: the releases the e2e/k8s-*/go.mod modules build.
    try (var modules = Files.list(ProjectFiles.root().resolve("e2e"))) {
      List<String> tested =
          modules
              .filter(m -> m.getFileName().toString().startsWith("k8s-"))
              .map(m -> m.resolve("go.mod"))
              .flatMap(ChartDefaultsTest::kubernetesRelease)
              .toList();
      assertThat(tested).hasSize(2);
      assertThat(install).contains(tested);
    }
    assertThatThrownBy(() -> RenderedChart.template("{}", RenderedChart.RELEASE, "1.27.16"))
        .hasMessageContaining("kubeVersion");
  }

  @Test
  void runsTheImagesJarAsTheOperatorWithContainerAwareJvmOptions() {
    Container c = operator.container();
    assertThat(c.getImage()).isEqualTo("ghcr.io/pitstop-dev/pitstop:" + ChartFiles.appVersion());
    assertThat(c.getCommand()).first().isEqualTo("java");
    assertThat(operator.jvmOptions())
        .containsExactly(
            "-XX:MaxRAMPercentage=75",
            // chosen, not left to the JVM: the same collector on every node and limit
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError");
    assertThat(c.getCommand()).endsWith("-jar", DockerfileTest.JAR);
    assertThat(c.getArgs()).containsExactly("operator");
  }

  @Test
  void passesEveryOperatorSettingAndTheDefaultsTurnLeaderElectionOn() {
    assertThat(operator.environment().keySet())
        .as("every setting of OperatorSettings.FLAGS is set from values")
        .containsAll(OperatorSettings.FLAGS.values())
        .contains("POD_NAMESPACE");
    OperatorSettings settings = operator.settings();
    assertThat(settings.namespaces()).as("all namespaces").isEmpty();
    assertThat(settings.leaderElection()).isTrue();
    assertThat(settings.leaseName()).isEqualTo(RenderedChart.FULLNAME + "-leader");
    assertThat(settings.leaseNamespace()).contains(RenderedChart.NAMESPACE);
    assertThat(settings.useSsa()).isTrue();
    assertThat(settings.httpPort()).isEqualTo(8080);
    assertThat(settings.logFormat()).isEqualTo("text");
    assertThat(settings.poolIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(settings.poolMaxSize()).isEqualTo(4);
    assertThat(settings.maxPools())
        .as("the chart's default is the operator's own")
        .isEqualTo(OperatorSettings.defaults().maxPools());
    assertThat(operator.deployment().getSpec().getReplicas()).isEqualTo(1);
    assertThat(operator.deployment().getSpec().getStrategy()).isNull();
  }

  @Test
  void runsAsNonRootWithAReadOnlyRootFilesystemAndNoCapabilities() {
    var pod = operator.deployment().getSpec().getTemplate().getSpec();
    PodSecurityContext podSecurity = pod.getSecurityContext();
    assertThat(podSecurity.getRunAsNonRoot()).isTrue();
    assertThat(podSecurity.getRunAsUser()).isEqualTo(DockerfileTest.USER_ID);
    assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    SecurityContext container = operator.container().getSecurityContext();
    assertThat(container.getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getRunAsNonRoot()).isTrue();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(container.getPrivileged()).isNull();
    assertThat(operator.container().getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes())
        .anySatisfy(v -> assertThat(v.getEmptyDir()).as("an emptyDir for /tmp").isNotNull());
  }

  @Test
  void probesHealthAndReadinessOnTheHttpPortAndWaitsLongerThanTheDrain() {
    Container c = operator.container();
    assertThat(c.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(
            operator
                .deployment()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getTerminationGracePeriodSeconds())
        .as("the operator waits up to 30 s for running database work")
        .isGreaterThan(30L);
  }

  @Test
  void requestsAndLimitsResources() {
    var resources = operator.container().getResources();
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(resources.getLimits()).containsEntry("memory", new Quantity("512Mi"));
  }

  @Test
  void runsUnderItsOwnServiceAccount() {
    ServiceAccount account = chart.all(ServiceAccount.class).get(0);
    assertThat(operator.deployment().getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());
  }

  @Test
  void metricsServiceSelectsTheOperatorPodsOnTheHttpPort() {
    Service service = chart.all(Service.class).get(0);
    Deployment deployment = operator.deployment();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .isEqualTo(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http-metrics");
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });
  }

  /** The Kubernetes release a control-plane module builds, e.g. {@code 1.37.2}. */
  private static Stream<String> kubernetesRelease(Path goMod) {
    try {
      return Files.readAllLines(goMod).stream()
          .map(String::strip)
          .filter(l -> l.startsWith("k8s.io/kubernetes v"))
          .map(l -> l.substring("k8s.io/kubernetes v".length()).split("\\s")[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
