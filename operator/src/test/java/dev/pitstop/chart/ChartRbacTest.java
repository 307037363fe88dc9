package dev.pitstop.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.rbac.Permission;
import dev.pitstop.rbac.RequiredPermissions;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The chart grants exactly the permissions of {@code files/permissions.yaml}, in the right places:
 * cluster-wide or per watched namespace, Leases only in the release namespace.
 */
class ChartRbacTest {
  private static final String CLUSTER_WIDE = "*";
  private static final Set<String> NEVER_GRANTED =
      Set.of("delete", "deletecollection", "escalate", "bind", "impersonate", "*");

  /** The roles for namespace users that Kubernetes aggregates into view, edit and admin. */
  static final Predicate<ClusterRole> AGGREGATED =
      r ->
          r.getMetadata().getLabels().keySet().stream()
              .anyMatch(l -> l.startsWith("rbac.authorization.k8s.io/aggregate-to-"));

  private final RequiredPermissions required = RequiredPermissions.load();

  /** A permission in a namespace, or cluster-wide. */
  record Grant(Permission permission, String namespace) {}

  @Test
  void defaultsGrantEverythingClusterWideAndLeasesInTheReleaseNamespace() {
    RenderedChart chart = RenderedChart.withDefaults();
    assertThat(grants(chart)).isEqualTo(expected(List.of(), true));
    assertThat(chart.all(ClusterRole.class).stream().filter(AGGREGATED.negate())).hasSize(1);
    assertThat(chart.all(Role.class))
        .singleElement()
        .satisfies(
            r -> assertThat(r.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE));
  }

  @Test
  void watchNamespacesGrantsPerNamespaceAndOnlyTheAccessCheckClusterWide() {
    RenderedChart chart = RenderedChart.with("watchNamespaces: [team-a, team-b]");
    assertThat(grants(chart)).isEqualTo(expected(List.of("team-a", "team-b"), true));
    assertThat(chart.all(ClusterRole.class).stream().filter(AGGREGATED.negate()))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.getRules())
                    .singleElement()
                    .satisfies(
                        rule ->
                            assertThat(rule.getResources())
                                .containsExactly("selfsubjectrulesreviews")));
    assertThat(chart.all(Role.class))
        .extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b", RenderedChart.NAMESPACE);
  }

  @Test
  void withoutLeaderElectionNothingAboutLeases() {
    assertThat(grants(RenderedChart.with("leaderElection: {enabled: false}")))
        .isEqualTo(expected(List.of(), false));
    RenderedChart namespaced =
        RenderedChart.with("leaderElection: {enabled: false}\nwatchNamespaces: [team-a]");
    assertThat(grants(namespaced)).isEqualTo(expected(List.of("team-a"), false));
    assertThat(namespaced.all(ClusterRole.class).stream().filter(AGGREGATED.negate()))
        .as("nothing cluster-wide for the operator")
        .isEmpty();
    assertThat(namespaced.all(ClusterRoleBinding.class)).isEmpty();
  }

  @Test
  void aKindSwitchedOffTakesThePermissionsOnlyItNeedsAlong() {
    RenderedChart chart = RenderedChart.with("kinds: {maintenanceWindows: false}");
    Set<String> reconciled = Set.of("databasemigrations", "sandboxresets", "cleanupschedules");
    Set<Grant> expected = new HashSet<>();
    required
        .permissions(RequiredPermissions.WATCHED, true, reconciled)
        .forEach(p -> expected.add(new Grant(p, CLUSTER_WIDE)));
    required
        .permissions(RequiredPermissions.LEASE_NAMESPACE, true, reconciled)
        .forEach(p -> expected.add(new Grant(p, RenderedChart.NAMESPACE)));
    required
        .permissions(RequiredPermissions.CLUSTER, true, reconciled)
        .forEach(p -> expected.add(new Grant(p, CLUSTER_WIDE)));
    Set<Grant> granted = grants(chart);
    assertThat(granted).isEqualTo(expected);
    assertThat(granted)
        .extracting(g -> g.permission().resource())
        .doesNotContain(
            "pods", "deployments", "statefulsets", "cronjobs", "jobs", "maintenancewindows/status")
        .contains("databasemigrations/status", "secrets", "maintenancewindows");
    assertThat(granted)
        .as("MaintenanceWindows stay readable: operations wait for them, but are never patched")
        .doesNotContain(
            new Grant(new Permission("pitstop.dev", "maintenancewindows", "patch"), CLUSTER_WIDE));
    assertThat(OperatorContainer.of(chart).settings().kinds())
        .containsExactlyInAnyOrderElementsOf(reconciled);
  }

  @Test
  void onlyMaintenanceWindowsNeedsTheWorkloadsButNotTheOtherKindsStatus() {
    Set<Grant> granted =
        grants(
            RenderedChart.with(
                "kinds: {databaseMigrations: false, sandboxResets: false, cleanupSchedules:"
                    + " false}"));
    assertThat(granted)
        .extracting(g -> g.permission().resource())
        .contains("deployments", "maintenancewindows/status")
        .doesNotContain("databasemigrations/status", "cleanupschedules/status");
  }

  @Test
  void aReleaseWithNoKindIsRefused() {
    assertThatThrownBy(
            () ->
                RenderedChart.with(
                    "kinds: {databaseMigrations: false, sandboxResets: false, cleanupSchedules:"
                        + " false, maintenanceWindows: false}"))
        .hasMessageContaining("switch at least one kind on");
  }

  @Test
  void namespaceUsersGetTheKindsThroughTheBuiltInRoles() {
    RenderedChart chart = RenderedChart.withDefaults();
    ClusterRole view =
        chart.find(ClusterRole.class, RenderedChart.NAMESPACE + "-pitstop-view").orElseThrow();
    ClusterRole edit =
        chart.find(ClusterRole.class, RenderedChart.NAMESPACE + "-pitstop-edit").orElseThrow();
    assertThat(view.getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true");
    assertThat(edit.getMetadata().getLabels())
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true");
    Set<String> kinds =
        Set.of("databasemigrations", "sandboxresets", "cleanupschedules", "maintenancewindows");
    assertThat(view.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
              assertThat(r.getResources()).containsAll(kinds);
            });
    assertThat(edit.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getResources())
                  .as("status stays the operator's")
                  .containsExactlyInAnyOrderElementsOf(kinds);
              assertThat(r.getVerbs()).contains("create", "patch", "delete").doesNotContain("*");
            });
    assertThat(chart.all(ClusterRoleBinding.class))
        .as("aggregated roles are bound by Kubernetes' own roles, never by the chart")
        .noneMatch(b -> b.getRoleRef().getName().endsWith("-view"))
        .noneMatch(b -> b.getRoleRef().getName().endsWith("-edit"));
    assertThat(RenderedChart.with("rbac: {aggregateToDefaultRoles: false}").all(ClusterRole.class))
        .noneMatch(AGGREGATED);
  }

  @Test
  void rbacCanBeLeftToTheCluster() {
    RenderedChart chart = RenderedChart.with("rbac: {create: false}");
    assertThat(chart.objects())
        .noneMatch(o -> o.getApiVersion().startsWith("rbac.authorization.k8s.io/"));
  }

  @Test
  void neverGrantsWildcardsDeletionEscalationOrSecretWrites() {
    for (RenderedChart chart :
        List.of(RenderedChart.withDefaults(), RenderedChart.with("watchNamespaces: [team-a]"))) {
      List<PolicyRule> rules =
          new java.util.ArrayList<>(
              chart.all(ClusterRole.class).stream()
                  .filter(AGGREGATED.negate())
                  .flatMap(r -> r.getRules().stream())
                  .toList());
      chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
      assertThat(rules).isNotEmpty();
      for (PolicyRule rule : rules) {
        assertThat(rule.getVerbs()).doesNotContainAnyElementsOf(NEVER_GRANTED);
        assertThat(rule.getResources()).doesNotContain("*");
        assertThat(rule.getApiGroups()).doesNotContain("*");
        assertThat(rule.getResourceNames()).isNullOrEmpty();
        assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
        if (rule.getResources().contains("secrets")) {
          assertThat(rule.getVerbs())
              .as("Secrets are only read")
              .isSubsetOf("get", "list", "watch");
        }
      }
    }
  }

  private Set<Grant> expected(List<String> watchNamespaces, boolean leaderElection) {
    Set<Grant> out = new HashSet<>();
    for (Permission p : required.permissions(RequiredPermissions.WATCHED, leaderElection)) {
      if (watchNamespaces.isEmpty()) {
        out.add(new Grant(p, CLUSTER_WIDE));
      }
      watchNamespaces.forEach(ns -> out.add(new Grant(p, ns)));
    }
    required
        .permissions(RequiredPermissions.LEASE_NAMESPACE, leaderElection)
        .forEach(p -> out.add(new Grant(p, RenderedChart.NAMESPACE)));
    required
        .permissions(RequiredPermissions.CLUSTER, leaderElection)
        .forEach(p -> out.add(new Grant(p, CLUSTER_WIDE)));
    return out;
  }

  /** What the chart's ServiceAccount may do, following each binding to its role. */
  private static Set<Grant> grants(RenderedChart chart) {
    Set<Grant> out = new HashSet<>();
    List<ClusterRole> operatorRoles =
        chart.all(ClusterRole.class).stream().filter(AGGREGATED.negate()).toList();
    for (ClusterRoleBinding binding : chart.all(ClusterRoleBinding.class)) {
      assertBindsTheOperator(binding.getSubjects());
      ClusterRole role = clusterRole(chart, binding.getRoleRef());
      role.getRules().forEach(rule -> add(out, rule, CLUSTER_WIDE));
    }
    for (RoleBinding binding : chart.all(RoleBinding.class)) {
      assertBindsTheOperator(binding.getSubjects());
      String namespace = binding.getMetadata().getNamespace();
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      Role role =
          chart.all(Role.class).stream()
              .filter(r -> r.getMetadata().getName().equals(binding.getRoleRef().getName()))
              .filter(r -> r.getMetadata().getNamespace().equals(namespace))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no Role for " + binding.getMetadata()));
      role.getRules().forEach(rule -> add(out, rule, namespace));
    }
    assertThat(operatorRoles).hasSameSizeAs(chart.all(ClusterRoleBinding.class));
    assertThat(chart.all(Role.class)).hasSameSizeAs(chart.all(RoleBinding.class));
    return out;
  }

  private static ClusterRole clusterRole(RenderedChart chart, RoleRef ref) {
    assertThat(ref.getKind()).isEqualTo("ClusterRole");
    return chart
        .find(ClusterRole.class, ref.getName())
        .orElseThrow(() -> new AssertionError("no ClusterRole " + ref.getName()));
  }

  private static void assertBindsTheOperator(List<Subject> subjects) {
    assertThat(subjects)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(RenderedChart.FULLNAME);
              assertThat(s.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
            });
  }

  private static void add(Set<Grant> out, PolicyRule rule, String namespace) {
    for (String group : rule.getApiGroups()) {
      for (String resource : rule.getResources()) {
        for (String verb : rule.getVerbs()) {
          out.add(new Grant(new Permission(group, resource, verb), namespace));
        }
      }
    }
  }
}
