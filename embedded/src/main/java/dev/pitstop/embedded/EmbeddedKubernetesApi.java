package dev.pitstop.embedded;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API (fabric8's mock server in CRUD mode) with Pitstop's CRDs registered.
 * Used by {@code demo} and by the integration tests. It stores objects and serves watches but
 * answers kubectl's discovery requests ({@link ApiDiscovery}), but applies no CRD defaults or
 * validation and rejects server-side-apply patches. Writes find the stored object by name through
 * an index ({@link IndexedCrudDispatcher}), so their cost does not grow with the number of objects
 * stored, and record each object's {@code metadata.managedFields} by field manager ({@link
 * ManagedFields}).
 */
public final class EmbeddedKubernetesApi implements AutoCloseable {
  /** The CRD files generated from the API classes, as packaged in the jar. */
  public static final List<String> CRD_RESOURCES =
      List.of(
          "databasemigrations.pitstop.dev-v1.yml",
          "maintenancewindows.pitstop.dev-v1.yml",
          "sandboxresets.pitstop.dev-v1.yml",
          "cleanupschedules.pitstop.dev-v1.yml");

  // Kept strongly reachable: java.util.logging forgets levels of loggers that are collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final MixedDispatcher dispatcher;
  private final KubernetesClient client;

  private EmbeddedKubernetesApi(List<CustomResourceDefinition> crds) {
    // The mock server logs every request at INFO through java.util.logging.
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    dispatcher = new MixedDispatcher(responses);
    server =
        new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
    // The API server has no RBAC: answer the operator's access review (leader election asks
    // whether it may use Leases) with "everything is allowed".
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewMetadata()
                .endMetadata()
                .withNewStatus()
                .withIncomplete(false)
                .addNewResourceRule()
                .withApiGroups("*")
                .withResources("*")
                .withVerbs("*")
                .endResourceRule()
                .endStatus()
                .build())
        .always();
    server.init();
    client = server.createClient();
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      dispatcher.addCustomResource(crd);
    }
  }

  /** Starts an API server with the CRDs packaged on the classpath. */
  public static EmbeddedKubernetesApi startWithPackagedCrds() {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String name : CRD_RESOURCES) {
      try (InputStream in =
          EmbeddedKubernetesApi.class.getResourceAsStream("/META-INF/fabric8/" + name)) {
        if (in == null) {
          throw new IllegalStateException("CRD " + name + " is missing from the classpath");
        }
        crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new EmbeddedKubernetesApi(crds);
  }

  /** Starts an API server with the CRD files found in a folder (e.g. the committed crds/). */
  public static EmbeddedKubernetesApi startWithCrdsFrom(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      List<CustomResourceDefinition> crds = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
        }
      }
      return new EmbeddedKubernetesApi(crds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client for this API server. */
  public KubernetesClient client() {
    return client;
  }

  /** The API server's address, e.g. {@code http://localhost:40123}. */
  public String url() {
    String url = client.getMasterUrl().toString();
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /**
   * A kubeconfig for kubectl and other clients: one cluster, user and context named {@code name},
   * with {@code namespace} as the context's namespace. The server asks for no credentials.
   */
  public String kubeconfig(String name, String namespace) {
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: " + name,
        "  cluster:",
        "    server: " + url(),
        "users:",
        "- name: " + name,
        "  user: {}",
        "contexts:",
        "- name: " + name,
        "  context:",
        "    cluster: " + name,
        "    user: " + name,
        "    namespace: " + namespace,
        "current-context: " + name,
        "");
  }

  /** The underlying mock server, e.g. to count requests. */
  public KubernetesMockServer server() {
    return server;
  }

  /** The store's lookups: whether they use its index by name, and how many scanned instead. */
  IndexedCrudDispatcher store() {
    return dispatcher.store();
  }

  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (RejectedExecutionException e) {
      // The mock server's shutdown races with itself (fabric8 kubernetes-client issue 7747): the
      // listener that closes its Vert.x instance can end the event loop before shutdown registers
      // the listener it waits on, which then cannot be scheduled. By then the HTTP server is
      // closed and Vert.x is closing; nothing is left to stop.
    }
  }
}
