package dev.pitstop.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiRequestsTest {
  @Test
  void coreGroupNamespacedAndClusterWide() {
    assertThat(ApiRequests.permission("GET", "/api/v1/namespaces/default/secrets/app-db"))
        .contains(new Permission("", "secrets", "get"));
    assertThat(ApiRequests.permission("GET", "/api/v1/secrets?resourceVersion=0"))
        .contains(new Permission("", "secrets", "list"));
    assertThat(
            ApiRequests.permission("GET", "/api/v1/configmaps?allowWatchBookmarks=true&watch=true"))
        .contains(new Permission("", "configmaps", "watch"));
    assertThat(ApiRequests.permission("POST", "/api/v1/namespaces/default/events"))
        .contains(new Permission("", "events", "create"));
    assertThat(ApiRequests.permission("PATCH", "/api/v1/namespaces/default/events/e1"))
        .contains(new Permission("", "events", "patch"));
  }

  @Test
  void namedGroupsAndSubresources() {
    assertThat(
            ApiRequests.permission(
                "PUT",
                "/apis/pitstop.dev/v1alpha1/namespaces/default/databasemigrations/app/status"))
        .contains(new Permission("pitstop.dev", "databasemigrations/status", "update"));
    assertThat(
            ApiRequests.permission(
                "GET", "/apis/pitstop.dev/v1alpha1/namespaces/team-a/databasemigrations?watch=1"))
        .contains(new Permission("pitstop.dev", "databasemigrations", "watch"));
    assertThat(
            ApiRequests.permission(
                "PUT", "/apis/coordination.k8s.io/v1/namespaces/ops/leases/pitstop-operator"))
        .contains(new Permission("coordination.k8s.io", "leases", "update"));
    assertThat(
            ApiRequests.permission("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"))
        .contains(new Permission("authorization.k8s.io", "selfsubjectrulesreviews", "create"));
    assertThat(ApiRequests.permission("DELETE", "/apis/apps/v1/namespaces/a/deployments"))
        .contains(new Permission("apps", "deployments", "deletecollection"));
    assertThat(ApiRequests.permission("GET", "/api/v1/namespaces/default"))
        .contains(new Permission("", "namespaces", "get"));
  }

  @Test
  void namespaceOfTheRequest() {
    assertThat(ApiRequests.access("GET", "/api/v1/namespaces/team-a/configmaps/m"))
        .hasValueSatisfying(a -> assertThat(a.namespace()).isEqualTo("team-a"));
    assertThat(ApiRequests.access("GET", "/apis/pitstop.dev/v1alpha1/sandboxresets?watch=true"))
        .hasValueSatisfying(a -> assertThat(a.namespace()).isNull());
  }

  @Test
  void discoveryNeedsNoPermission() {
    assertThat(ApiRequests.permission("GET", "/version")).isEmpty();
    assertThat(ApiRequests.permission("GET", "/apis")).isEmpty();
    assertThat(ApiRequests.permission("GET", "/apis/pitstop.dev/v1alpha1")).isEmpty();
    assertThat(ApiRequests.permission("GET", "/api/v1")).isEmpty();
    assertThat(ApiRequests.permission("GET", "/openapi/v3")).isEmpty();
  }

  @Test
  void otherPathsAreRefused() {
    assertThatThrownBy(() -> ApiRequests.permission("GET", "/healthz"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
