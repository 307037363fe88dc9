package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pitstop installed on a real control plane as a platform engineer installs it: the CRDs with
 * {@code kubectl apply --server-side}, then the Helm chart with the real helm. Nothing runs the
 * chart's Deployment (there is no kubelet); {@link OperatorProcess} runs the jar with the
 * Deployment's settings and as its ServiceAccount, so the API server enforces the chart's RBAC.
 */
final class PitstopRelease {
  static final String NAMESPACE = "pitstop-system";
  static final String NAME = "pitstop";

  private static final Map<ControlPlane, PitstopRelease> INSTALLED = new ConcurrentHashMap<>();

  /**
   * The values of the shared release: the defaults, with the optional NetworkPolicy on, so that the
   * server takes every kind of object the chart can render.
   */
  static final String VALUES = "networkPolicy: {enabled: true}\n";

  private final ControlPlane plane;
  private final String name;
  private final String namespace;
  private final Release release;
  private final Kubectl.Result crdApply;
  private final KubernetesClient admin;

  private PitstopRelease(
      ControlPlane plane,
      String name,
      String namespace,
      Release release,
      Kubectl.Result crdApply,
      KubernetesClient admin) {
    this.plane = plane;
    this.name = name;
    this.namespace = namespace;
    this.release = release;
    this.crdApply = crdApply;
    this.admin = admin;
  }

  /** Pitstop installed on the shared control plane, installed on first use. */
  static PitstopRelease shared() {
    return INSTALLED.computeIfAbsent(ControlPlane.shared(), PitstopRelease::install);
  }

  /**
   * The chart installed with its CRDs (as {@code helm install} does by default), then the CRDs of
   * {@code crds/} applied server-side over them, as a team that takes their management over does.
   */
  private static PitstopRelease install(ControlPlane plane) {
    Kubectl kubectl = plane.kubectl();
    Release release = helmInstall(plane, NAME, NAMESPACE, VALUES);
    // Helm created the CRDs, so their fields have Helm as manager: taking them over needs
    // --force-conflicts, as docs/install.md says.
    Kubectl.Result crds =
        kubectl.run(
            "apply", "--server-side", "--force-conflicts", "-f", ProjectFiles.crds().toString());
    assertThat(crds.exitCode()).as("%s", crds).isZero();
    kubectl.ok(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/databasemigrations.pitstop.dev",
        "crd/sandboxresets.pitstop.dev",
        "crd/cleanupschedules.pitstop.dev",
        "crd/maintenancewindows.pitstop.dev");
    return new PitstopRelease(
        plane, NAME, NAMESPACE, release, crds, client(plane.adminKubeconfig()));
  }

  /**
   * Another release of the chart on the shared control plane, beside the shared one: {@code
   * valuesYaml} must leave the CRDs to the shared release ({@code crds.install: false}).
   */
  static PitstopRelease another(String name, String namespace, String valuesYaml) {
    PitstopRelease shared = shared();
    Release release = helmInstall(shared.plane, name, namespace, valuesYaml);
    return new PitstopRelease(
        shared.plane, name, namespace, release, shared.crdApply, shared.admin);
  }

  private static Release helmInstall(
      ControlPlane plane, String name, String namespace, String valuesYaml) {
    try {
      Path values = plane.runDir().resolve("values-" + name + ".yaml");
      Files.writeString(values, valuesYaml);
      return new Helm(ProjectFiles.chart())
          .install()
          .withName(name)
          .withNamespace(namespace)
          .createNamespace()
          .withValuesFile(values)
          .withKubeConfig(plane.adminKubeconfig())
          .call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KubernetesClient client(Path kubeconfig) {
    try {
      return new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ControlPlane plane() {
    return plane;
  }

  /** What helm reported for the install. */
  Release release() {
    return release;
  }

  /** What {@code kubectl apply --server-side -f crds/} printed on standard output. */
  String crdApplyOutput() {
    return crdApply.out();
  }

  /** The whole {@code kubectl apply --server-side -f crds/} of the install, warnings included. */
  Kubectl.Result crdApply() {
    return crdApply;
  }

  /** A client with the admin's rights, for the test's own checks. */
  KubernetesClient admin() {
    return admin;
  }

  /**
   * Deletes every resource of {@code kinds} (e.g. {@code DatabaseMigration}) in {@code namespace}
   * once no operator runs: their finalizers are taken off, since nobody else would, and a deletion
   * would otherwise wait for them until its timeout.
   */
  void deleteWithoutOperator(String namespace, String... kinds) {
    for (String kind : kinds) {
      var resources =
          admin.genericKubernetesResources("pitstop.dev/v1alpha1", kind).inNamespace(namespace);
      for (var resource : resources.list().getItems()) {
        var one = resources.withName(resource.getMetadata().getName());
        one.delete();
        try {
          one.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
  }

  /** Creates {@code namespace} unless it exists; returns kubectl as the cluster admin. */
  Kubectl namespace(String namespace) {
    Kubectl kubectl = kubectl();
    if (kubectl.run("get", "namespace", namespace).exitCode() != 0) {
      kubectl.ok("create", "namespace", namespace);
    }
    return kubectl;
  }

  /** kubectl as the cluster admin (the platform engineer). */
  Kubectl kubectl() {
    return plane.kubectl();
  }

  /** The chart's Deployment as the server stored it. */
  Deployment deployment() {
    Deployment deployment = admin.apps().deployments().inNamespace(namespace).withName(name).get();
    assertThat(deployment).as("the chart's Deployment").isNotNull();
    return deployment;
  }

  /**
   * The operator container's environment as the chart sets it, with the downward-API values a
   * kubelet would fill in for a pod in the release namespace.
   */
  Map<String, String> operatorEnvironment() {
    Container container = deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs()).as("the chart's container args").containsExactly("operator");
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        assertThat(field)
            .as("downward API field of %s", var.getName())
            .isEqualTo("metadata.namespace");
        env.put(var.getName(), namespace);
      }
    }
    return env;
  }

  /**
   * A kubeconfig for the chart's ServiceAccount, with a token from the TokenRequest API, as a pod's
   * projected token would be.
   */
  Path serviceAccountKubeconfig() {
    String serviceAccount = deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
    Path file = plane.runDir().resolve("operator-" + serviceAccount + ".kubeconfig");
    if (Files.exists(file)) {
      return file;
    }
    Kubectl kubectl = kubectl();
    String token =
        kubectl.ok("create", "token", serviceAccount, "-n", namespace, "--duration=2h").trim();
    String server =
        kubectl.ok("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}");
    Path partial = plane.runDir().resolve("operator-" + serviceAccount + ".kubeconfig.partial");
    Kubectl sa = kubectl.as(partial);
    sa.ok(
        "config",
        "set-cluster",
        "e2e",
        "--server",
        server,
        "--certificate-authority",
        plane.certificateAuthority().toString(),
        "--embed-certs");
    sa.ok("config", "set-credentials", serviceAccount, "--token", token);
    sa.ok(
        "config",
        "set-context",
        "operator",
        "--cluster",
        "e2e",
        "--user",
        serviceAccount,
        "--namespace",
        namespace);
    sa.ok("config", "use-context", "operator");
    try {
      Files.move(partial, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
