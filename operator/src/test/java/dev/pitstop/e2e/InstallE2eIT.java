package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.pitstop.chart.RenderedChart;
import dev.pitstop.rbac.Permission;
import dev.pitstop.rbac.RequiredPermissions;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRDs and the Helm chart as the real API server and the real helm took them: the CRDs are
 * established with structural schemas, applied server-side without warnings and idempotently, their
 * schema is published ({@code kubectl explain}); every object of the chart is on the server; the
 * {@code pitstop} category answers; and the chart's ServiceAccount may do exactly what {@code
 * files/permissions.yaml} says the operator needs, and not what it must never do.
 */
@EndToEnd
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstallE2eIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CRD_PREFIX = "customresourcedefinition.apiextensions.k8s.io/";

  private PitstopRelease release;
  private Kubectl kubectl;

  @BeforeAll
  void install() {
    release = PitstopRelease.shared();
    kubectl = release.kubectl();
  }

  /** The names of the CRDs in {@code crds/}. */
  static List<String> crds() {
    try (Stream<Path> files = Files.list(ProjectFiles.crds())) {
      List<String> names = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        names.add(new YAMLMapper().readTree(file.toFile()).at("/metadata/name").asText());
      }
      assertThat(names).as("CRDs in %s", ProjectFiles.crds()).hasSize(4);
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("crds")
  void theCrdIsEstablishedWithAStructuralSchema(String crd) throws IOException {
    JsonNode status = JSON.readTree(kubectl.ok("get", "crd", crd, "-o", "json")).path("status");
    Map<String, String> conditions = new HashMap<>();
    status
        .path("conditions")
        .forEach(c -> conditions.put(c.path("type").asText(), c.path("status").asText()));
    assertThat(conditions)
        .as("%s conditions: %s", crd, status.path("conditions"))
        .containsEntry("Established", "True")
        .containsEntry("NamesAccepted", "True")
        .doesNotContainKey("NonStructuralSchema");
  }

  @Test
  void theCrdsWereAppliedServerSideWithoutWarnings() {
    Kubectl.Result apply = release.crdApply();
    for (String crd : crds()) {
      assertThat(apply.out()).as("%s", apply).contains(CRD_PREFIX + crd + " serverside-applied");
    }
    assertThat(apply.err()).as("warnings of %s", apply).isEmpty();
  }

  @Test
  void applyingTheCrdsAgainChangesNothing() {
    String versions = crdVersions();
    Kubectl.Result again =
        kubectl.run("apply", "--server-side", "-f", ProjectFiles.crds().toString());

    assertThat(again.exitCode()).as("%s", again).isZero();
    assertThat(again.err()).as("warnings of %s", again).isEmpty();
    assertThat(again.out().lines())
        .as("%s", again)
        .hasSize(crds().size())
        .allSatisfy(line -> assertThat(line).containsAnyOf(" unchanged", " serverside-applied"));
    assertThat(crdVersions()).as("resourceVersion and generation of each CRD").isEqualTo(versions);
  }

  private String crdVersions() {
    List<String> args = new ArrayList<>(List.of("get", "crd"));
    args.addAll(crds());
    args.add("-o");
    args.add(
        "jsonpath={range .items[*]}{.metadata.name} {.metadata.resourceVersion}"
            + " {.metadata.generation}{\"\\n\"}{end}");
    return kubectl.ok(args.toArray(String[]::new));
  }

  @Test
  void theServerPublishesTheSchema() {
    assertThat(kubectl.ok("explain", "databasemigration.spec"))
        .contains("DatabaseMigration")
        .containsPattern("database\\s+<Object>\\s+-required-")
        .containsPattern("source\\s+<Object>\\s+-required-")
        .containsPattern("lockTimeout\\s+<string>");
  }

  @Test
  void theHelmReleaseIsDeployed() {
    Release installed = release.release();
    assertThat(installed.getStatus()).as("helm install").isEqualTo("deployed");
    List<Release> listed =
        Helm.list()
            .withKubeConfig(release.plane().adminKubeconfig())
            .withNamespace(PitstopRelease.NAMESPACE)
            .call();
    assertThat(listed)
        .as("helm list -n %s", PitstopRelease.NAMESPACE)
        .anySatisfy(
            r -> {
              assertThat(r.getName()).isEqualTo(PitstopRelease.NAME);
              assertThat(r.getStatus()).isEqualTo("deployed");
            });
  }

  @Test
  void everyObjectTheChartRendersIsOnTheServer() throws IOException {
    RenderedChart chart = RenderedChart.with(PitstopRelease.VALUES);
    assertThat(chart.objects())
        .extracting(o -> o.getKind())
        .contains("CustomResourceDefinition", "NetworkPolicy");
    Path rendered = Kubectl.write(release.plane().runDir(), "helm-template.yaml", chart.text());
    // kubectl get -f looks up each object of the file on the server by kind, name and namespace.
    Kubectl.Result get = kubectl.run("get", "-f", rendered.toString(), "-o", "json");
    assertThat(get.exitCode()).as("%s", get).isZero();
    List<String> onServer =
        StreamSupport.stream(JSON.readTree(get.out()).path("items").spliterator(), false)
            .map(
                o ->
                    id(
                        o.path("kind").asText(),
                        o.at("/metadata/name").asText(),
                        o.at("/metadata/namespace").asText(null)))
            .toList();
    List<String> expected =
        chart.objects().stream()
            .map(o -> id(o.getKind(), o.getMetadata().getName(), o.getMetadata().getNamespace()))
            .toList();
    assertThat(expected)
        .as("helm template")
        .isNotEmpty()
        .contains(id("Deployment", "pitstop", PitstopRelease.NAMESPACE));
    assertThat(onServer)
        .as("kubectl get -f <helm template>")
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void theServerValidatesEveryOptionalObjectStrictly() {
    // Every option that renders objects of its own or changes their shape, as another release in
    // the release namespace; a server-side dry run checks each object against the server's
    // schemas and refuses unknown fields, and persists nothing.
    RenderedChart chart =
        RenderedChart.with(
            """
            replicaCount: 2
            operator: {logLevel: DEBUG}
            kinds: {maintenanceWindows: false}
            crds: {keep: false}
            networkPolicy:
              enabled: true
              metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
              apiServer: {to: [{ipBlock: {cidr: 10.0.0.1/32}}]}
              postgres: {ports: [5432, 6432], to: [{podSelector: {matchLabels: {cnpg.io/cluster: app-db}}}]}
              extraEgress: [{ports: [{port: 443, protocol: TCP}]}]
            """,
            "pitstop-options");
    assertThat(chart.objects())
        .extracting(o -> o.getKind())
        .contains("NetworkPolicy", "PodDisruptionBudget", "CustomResourceDefinition");
    Path rendered =
        Kubectl.write(release.plane().runDir(), "helm-template-options.yaml", chart.text());
    Kubectl.Result dryRun =
        kubectl.run(
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=dry-run-check",
            "--dry-run=server",
            "--validate=strict",
            "-f",
            rendered.toString());
    assertThat(dryRun.exitCode()).as("%s", dryRun).isZero();
    assertThat(dryRun.err()).as("warnings of %s", dryRun).isEmpty();
    assertThat(dryRun.out().lines()).hasSize(chart.objects().size());
  }

  private static String id(String kind, String name, String namespace) {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name;
  }

  @Test
  void kubectlGetPitstopAnswers() {
    Kubectl.Result get = kubectl.run("get", "pitstop", "-A");
    assertThat(get.exitCode()).as("%s", get).isZero();
    assertThat(kubectl.ok("api-resources", "--categories=pitstop", "-o", "name").lines())
        .containsExactlyInAnyOrderElementsOf(crds());
  }

  @Test
  void theServiceAccountMayDoWhatTheOperatorNeeds() {
    List<String> denied = new ArrayList<>();
    for (RequiredPermissions.Rule rule : RequiredPermissions.load().rules()) {
      // The chart's defaults: every namespace watched (a ClusterRole), leader election on.
      String namespace =
          switch (rule.scope()) {
            case RequiredPermissions.WATCHED -> "default";
            case RequiredPermissions.LEASE_NAMESPACE -> PitstopRelease.NAMESPACE;
            default -> null;
          };
      for (Permission p : rule.permissions()) {
        String resource = p.apiGroup().isEmpty() ? p.resource() : qualified(p);
        if (!canI(p.verb(), resource, namespace)) {
          denied.add(p + (namespace == null ? "" : " in " + namespace));
        }
      }
    }
    assertThat(denied).as("granted by files/permissions.yaml but denied by the server").isEmpty();
  }

  /** {@code deployments.apps}, or {@code databasemigrations.pitstop.dev/status}. */
  private static String qualified(Permission p) {
    String[] parts = p.resource().split("/", 2);
    return parts[0] + "." + p.apiGroup() + (parts.length > 1 ? "/" + parts[1] : "");
  }

  @ParameterizedTest(name = "{0} {1} in {2}")
  @CsvSource({
    "get, secrets, default", // read only through informers
    "delete, secrets, default",
    "create, secrets, default",
    "update, configmaps, default",
    "create, pods, default",
    "delete, pods, default",
    "create, pods/exec, default",
    "update, deployments.apps, default", // only scaled with a patch
    "delete, deployments.apps, default",
    "create, jobs.batch, default",
    "delete, databasemigrations.pitstop.dev, default",
    "update, databasemigrations.pitstop.dev, default", // its finalizer only with a patch
    "update, sandboxresets.pitstop.dev, default",
    "create, leases.coordination.k8s.io, default", // only in the release namespace
    "create, rolebindings.rbac.authorization.k8s.io, default",
    "escalate, clusterroles.rbac.authorization.k8s.io, cluster",
    "update, customresourcedefinitions.apiextensions.k8s.io, cluster",
    "delete, namespaces, cluster",
    "create, serviceaccounts/token, pitstop-system",
  })
  void theServiceAccountMayNot(String verb, String resource, String namespace) {
    assertThat(canI(verb, resource, namespace.equals("cluster") ? null : namespace))
        .as("the chart's ServiceAccount may %s %s in %s", verb, resource, namespace)
        .isFalse();
  }

  /** {@code kubectl auth can-i} as the chart's ServiceAccount; {@code namespace} null: cluster. */
  private boolean canI(String verb, String resource, String namespace) {
    String serviceAccount =
        release.deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
    String[] parts = resource.split("/", 2);
    List<String> args =
        new ArrayList<>(
            List.of(
                "auth",
                "can-i",
                "--as=system:serviceaccount:" + PitstopRelease.NAMESPACE + ":" + serviceAccount,
                verb,
                parts[0],
                namespace == null ? "--all-namespaces" : "--namespace=" + namespace));
    if (parts.length > 1) {
      args.add("--subresource=" + parts[1]);
    }
    Kubectl.Result result = kubectl.run(args.toArray(String[]::new));
    assertThat(result.err()).as("%s", result).doesNotContain("doesn't have a resource type");
    assertThat(result.out().strip()).as("%s", result).isIn("yes", "no");
    return result.out().strip().equals("yes");
  }
}
