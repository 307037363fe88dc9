package dev.pitstop.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.operator.OperatorSettings;
import dev.pitstop.operator.PitstopOperator;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records every request the real operator (leader election on, watching all namespaces) makes to
 * the API server while scenarios run, and checks them against the chart's {@code
 * files/permissions.yaml}: every request is granted, in the right scope, and every granted
 * permission is used by some scenario, except those listed in {@link #NOT_YET_EXERCISED}.
 *
 * <p>Status writes go through a status update here because the mock API server rejects server-side
 * apply; the SSA patch is granted by the same rule (see {@link #NOT_YET_EXERCISED}).
 */
class OperatorPermissionsIT {
  private static final String OPERATOR_AGENT = "pitstop-operator-under-test";
  private static final String LEASE_NAMESPACE = "pitstop-system";

  /** Scenario runners, per kind. */
  private static final List<PermissionScenario> SCENARIOS =
      java.util.stream.Stream.of(
              DatabaseMigrationScenarios.all(),
              MaintenanceWindowScenarios.all(),
              SandboxResetScenarios.all(),
              CleanupScheduleScenarios.all())
          .flatMap(List::stream)
          .toList();

  /**
   * Granted permissions no scenario can exercise against the mock API server, each with the reason
   * it is granted anyway. The test fails when a scenario starts using one, so this list only
   * shrinks.
   */
  static final Map<Permission, String> NOT_YET_EXERCISED = notYetExercised();

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private static Map<Permission, String> notYetExercised() {
    Map<Permission, String> todo = new LinkedHashMap<>();
    add(
        todo,
        "pitstop.dev",
        List.of(
            "databasemigrations/status",
            "sandboxresets/status",
            "cleanupschedules/status",
            "maintenancewindows/status"),
        List.of("patch"),
        "status written with server-side apply (the default), which the mock API server rejects");
    return todo;
  }

  private static void add(
      Map<Permission, String> todo,
      String apiGroup,
      List<String> resources,
      List<String> verbs,
      String why) {
    for (String resource : resources) {
      for (String verb : verbs) {
        todo.put(new Permission(apiGroup, resource, verb), why);
      }
    }
  }

  @Test
  void everyRequestIsGrantedAndEveryGrantIsUsed() throws Exception {
    RequiredPermissions required = RequiredPermissions.load();
    Map<Permission, String> firstUse = new LinkedHashMap<>();
    List<String> refused = new ArrayList<>();
    for (PermissionScenario scenario : SCENARIOS) {
      for (RecordedRequest request : recordWhileRunning(scenario)) {
        Optional<ApiRequests.Access> access =
            ApiRequests.access(request.getMethod(), request.getPath());
        if (access.isEmpty()) {
          continue;
        }
        firstUse.putIfAbsent(access.get().permission(), scenario.name());
        granted(required, access.get())
            .ifPresent(
                why ->
                    refused.add(
                        scenario.name()
                            + ": "
                            + request.getMethod()
                            + " "
                            + request.getPath()
                            + " ("
                            + why
                            + ")"));
      }
    }
    assertThat(refused).as("requests the chart's RBAC would refuse").isEmpty();

    Set<Permission> unused = new TreeSet<>(java.util.Comparator.comparing(Permission::toString));
    unused.addAll(required.all());
    unused.removeAll(firstUse.keySet());
    unused.removeAll(NOT_YET_EXERCISED.keySet());
    assertThat(unused)
        .as(
            "granted in files/permissions.yaml but used by no scenario; drop them or add a scenario")
        .isEmpty();

    Set<Permission> nowUsed = new LinkedHashSet<>(NOT_YET_EXERCISED.keySet());
    nowUsed.retainAll(firstUse.keySet());
    assertThat(nowUsed).as("exercised now; remove them from NOT_YET_EXERCISED").isEmpty();
  }

  /** Why {@code access} is not granted, or empty if it is. */
  private static Optional<String> granted(RequiredPermissions required, ApiRequests.Access access) {
    Permission p = access.permission();
    if (required.permissions(RequiredPermissions.WATCHED, true).contains(p)) {
      return Optional.empty(); // all namespaces are watched: namespaced or cluster-wide
    }
    if (required.permissions(RequiredPermissions.LEASE_NAMESPACE, true).contains(p)) {
      return LEASE_NAMESPACE.equals(access.namespace())
          ? Optional.empty()
          : Optional.of("granted only in the Lease namespace " + LEASE_NAMESPACE);
    }
    if (required.permissions(RequiredPermissions.CLUSTER, true).contains(p)) {
      return access.namespace() == null
          ? Optional.empty()
          : Optional.of("granted only cluster-wide");
    }
    return Optional.of("not in files/permissions.yaml: " + p);
  }

  /** Runs a scenario against a fresh API server and returns the operator's requests. */
  private List<RecordedRequest> recordWhileRunning(PermissionScenario scenario) throws Exception {
    try (EmbeddedKubernetesApi api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds())) {
      api.client().namespaces().resource(namespace(LEASE_NAMESPACE)).create();
      OperatorSettings settings =
          OperatorSettings.parse(
                  List.of(
                      "--leader-election=true",
                      "--lease-namespace",
                      LEASE_NAMESPACE,
                      "--http-port",
                      "0"),
                  Map.of())
              .withUseSsa(false);
      // The operator's own client says who it is, so the test's requests can be told apart.
      try (KubernetesClient operatorClient =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder(api.client().getConfiguration())
                      .withUserAgent(OPERATOR_AGENT)
                      .build())
              .build()) {
        OperatorHolder holder = new OperatorHolder(operatorClient, settings);
        try {
          scenario.run(
              new PermissionScenario.Run(
                  api.client(), pg, holder::restart, path -> conflictOnNextPatch(api, path)));
        } finally {
          holder.close();
        }
      }
      List<RecordedRequest> requests = new ArrayList<>();
      RecordedRequest request;
      while ((request = api.server().takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        if (OPERATOR_AGENT.equals(request.getHeader("User-Agent"))) {
          requests.add(request);
        }
      }
      assertThat(requests)
          .as("requests recorded from the operator in " + scenario.name())
          .isNotEmpty();
      return requests;
    }
  }

  /** Answers the next PATCH of {@code path} as the API server answers a stale write. */
  private static void conflictOnNextPatch(EmbeddedKubernetesApi api, String path) {
    api.server()
        .expect()
        .patch()
        .withPath(path)
        .andReturn(
            409,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Conflict")
                .withCode(409)
                .withMessage(
                    "the object has been modified; please apply your changes to the latest"
                        + " version and try again")
                .build())
        .once();
  }

  private static io.fabric8.kubernetes.api.model.Namespace namespace(String name) {
    return new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .build();
  }

  /** The running operator, restartable by scenarios. */
  private static final class OperatorHolder implements AutoCloseable {
    private final KubernetesClient client;
    private final OperatorSettings settings;
    private PitstopOperator operator;

    OperatorHolder(KubernetesClient client, OperatorSettings settings) {
      this.client = client;
      this.settings = settings;
      this.operator = PitstopOperator.start(client, settings);
    }

    void restart() {
      operator.close();
      operator = PitstopOperator.start(client, settings);
    }

    @Override
    public void close() {
      operator.close();
    }
  }
}
