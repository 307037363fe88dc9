package dev.pitstop.embedded;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionNames;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The discovery documents of a real API server, for the resources the embedded API stores: {@code
 * /version}, {@code /api} and {@code /apis} (the legacy JSON forms, APIVersions and APIGroupList),
 * an APIResourceList per group version, and the OpenAPI v3 index and documents. With them kubectl
 * finds kinds, short names ({@code dbm}) and categories ({@code kubectl get pitstop}).
 *
 * <p>The OpenAPI v3 documents list each kind's schema (a CRD's {@code openAPIV3Schema}) and its
 * PATCH operation without the {@code fieldValidation} parameter, since the store validates nothing.
 * {@code /openapi/v2} is not served (404, as on an API server with it switched off): kubectl then
 * validates nothing on the client either, as with {@code --validate=false}.
 */
final class ApiDiscovery {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> SCHEMA = new TypeReference<>() {};
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final String VERSION =
      "{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0-pitstop-embedded\","
          + "\"platform\":\"linux/amd64\"}";

  /** One resource of a group version, as an APIResource says it. */
  record Resource(
      String group,
      String version,
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      List<String> verbs,
      Map<String, Object> schema) {
    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  private final List<Resource> resources = new CopyOnWriteArrayList<>(builtIn());

  /** The built-in resources Pitstop's operator, the demo and the tests use. */
  private static List<Resource> builtIn() {
    List<String> all = List.of("all");
    List<Resource> r = new ArrayList<>();
    r.add(core("namespaces", "Namespace", false, List.of("ns"), List.of()));
    r.add(core("secrets", "Secret", true, List.of(), List.of()));
    r.add(core("configmaps", "ConfigMap", true, List.of("cm"), List.of()));
    r.add(core("events", "Event", true, List.of("ev"), List.of()));
    r.add(core("pods", "Pod", true, List.of("po"), all));
    r.add(core("services", "Service", true, List.of("svc"), all));
    r.add(core("serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of()));
    r.add(of("apps", "v1", "deployments", "Deployment", true, List.of("deploy"), all));
    r.add(of("apps", "v1", "statefulsets", "StatefulSet", true, List.of("sts"), all));
    r.add(of("apps", "v1", "replicasets", "ReplicaSet", true, List.of("rs"), all));
    r.add(of("apps", "v1", "daemonsets", "DaemonSet", true, List.of("ds"), all));
    r.add(of("batch", "v1", "jobs", "Job", true, List.of(), all));
    r.add(of("batch", "v1", "cronjobs", "CronJob", true, List.of("cj"), all));
    r.add(of("coordination.k8s.io", "v1", "leases", "Lease", true, List.of(), List.of()));
    r.add(
        of(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            false,
            List.of("crd", "crds"),
            List.of("api-extensions")));
    r.add(
        new Resource(
            "authorization.k8s.io",
            "v1",
            "selfsubjectrulesreviews",
            "",
            "SelfSubjectRulesReview",
            false,
            List.of(),
            List.of(),
            List.of("create"),
            null));
    return r;
  }

  private static Resource core(
      String plural, String kind, boolean namespaced, List<String> shortNames, List<String> cats) {
    return of("", "v1", plural, kind, namespaced, shortNames, cats);
  }

  private static Resource of(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories) {
    return new Resource(
        group, version, plural, "", kind, namespaced, shortNames, categories, VERBS, null);
  }

  /** Adds the resources of a CRD, one per served version. */
  void add(CustomResourceDefinition crd) {
    CustomResourceDefinitionNames names = crd.getSpec().getNames();
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      if (!Boolean.TRUE.equals(version.getServed())) {
        continue;
      }
      Map<String, Object> schema =
          version.getSchema() == null || version.getSchema().getOpenAPIV3Schema() == null
              ? Map.of("type", "object", "x-kubernetes-preserve-unknown-fields", true)
              : JSON.convertValue(version.getSchema().getOpenAPIV3Schema(), SCHEMA);
      resources.add(
          new Resource(
              crd.getSpec().getGroup(),
              version.getName(),
              names.getPlural(),
              names.getSingular() == null ? "" : names.getSingular(),
              names.getKind(),
              "Namespaced".equals(crd.getSpec().getScope()),
              names.getShortNames() == null ? List.of() : names.getShortNames(),
              names.getCategories() == null ? List.of() : names.getCategories(),
              VERBS,
              schema));
    }
  }

  /** The answer to a discovery request, or {@code null} for any other request. */
  MockResponse answer(RecordedRequest request) {
    if (!"GET".equals(request.getMethod())) {
      return null;
    }
    String path = request.getPath();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.equals("/version")) {
      return json(VERSION);
    }
    if (path.equals("/api")) {
      return json(
          Map.of(
              "kind",
              "APIVersions",
              "versions",
              List.of("v1"),
              "serverAddressByClientCIDRs",
              List.of(Map.of("clientCIDR", "0.0.0.0/0", "serverAddress", "127.0.0.1"))));
    }
    if (path.equals("/apis")) {
      return json(groupList());
    }
    if (path.equals("/api/v1")) {
      return resourceList("", "v1");
    }
    if (path.equals("/openapi/v2")) {
      // An OpenAPI v2 document without definitions (an empty protobuf message): kubectl finds no
      // schema there for any kind and so leaves validation to the server (see class comment).
      return new MockResponse()
          .setResponseCode(200)
          .setHeader("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
          .setBody(new byte[0]);
    }
    if (path.equals("/openapi/v3")) {
      return json(openApiIndex());
    }
    if (path.startsWith("/openapi/v3/")) {
      return openApi(path.substring("/openapi/v3/".length()));
    }
    String[] parts = path.split("/");
    if (parts.length == 4 && parts[1].equals("apis")) {
      return resourceList(parts[2], parts[3]);
    }
    if (parts.length == 3 && parts[1].equals("apis")) {
      Map<String, Object> group = groups().get(parts[2]);
      return group == null ? null : json(group);
    }
    return null;
  }

  private Map<String, Object> groupList() {
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    list.put("groups", new ArrayList<>(groups().values()));
    return list;
  }

  /** The APIGroup of each named group, in the order first seen. */
  private Map<String, Map<String, Object>> groups() {
    Map<String, List<String>> versions = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (!r.group().isEmpty()) {
        List<String> v = versions.computeIfAbsent(r.group(), g -> new ArrayList<>());
        if (!v.contains(r.version())) {
          v.add(r.version());
        }
      }
    }
    Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
    versions.forEach(
        (group, list) -> {
          List<Map<String, String>> entries = new ArrayList<>();
          for (String v : list) {
            entries.add(Map.of("groupVersion", group + "/" + v, "version", v));
          }
          Map<String, Object> g = new LinkedHashMap<>();
          g.put("kind", "APIGroup");
          g.put("apiVersion", "v1");
          g.put("name", group);
          g.put("versions", entries);
          g.put("preferredVersion", entries.get(0));
          groups.put(group, g);
        });
    return groups;
  }

  private MockResponse resourceList(String group, String version) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Resource r : resources) {
      if (r.group().equals(group) && r.version().equals(version)) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", r.plural());
        entry.put("singularName", r.singular());
        entry.put("namespaced", r.namespaced());
        entry.put("kind", r.kind());
        entry.put("verbs", r.verbs());
        if (!r.shortNames().isEmpty()) {
          entry.put("shortNames", r.shortNames());
        }
        if (!r.categories().isEmpty()) {
          entry.put("categories", r.categories());
        }
        list.add(entry);
        if (r.schema() != null) {
          Map<String, Object> status = new LinkedHashMap<>();
          status.put("name", r.plural() + "/status");
          status.put("singularName", "");
          status.put("namespaced", r.namespaced());
          status.put("kind", r.kind());
          status.put("verbs", List.of("get", "patch", "update"));
          list.add(status);
        }
      }
    }
    if (list.isEmpty()) {
      return null;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "APIResourceList");
    body.put("apiVersion", "v1");
    body.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    body.put("resources", list);
    return json(body);
  }

  private Map<String, Object> openApiIndex() {
    Map<String, Object> paths = new LinkedHashMap<>();
    for (Resource r : resources) {
      String key = (r.group().isEmpty() ? "api/" : "apis/") + r.groupVersion();
      paths.putIfAbsent(key, Map.of("serverRelativeURL", "/openapi/v3/" + key));
    }
    return Map.of("paths", paths);
  }

  /**
   * The OpenAPI v3 document of one group version: each kind's schema and its PATCH operation
   * (marked with its group, version and kind as kubectl looks for them), without parameters.
   */
  private MockResponse openApi(String groupVersionPath) {
    String gv;
    if (groupVersionPath.startsWith("api/")) {
      gv = groupVersionPath.substring("api/".length());
    } else if (groupVersionPath.startsWith("apis/")) {
      gv = groupVersionPath.substring("apis/".length());
    } else {
      return null;
    }
    Map<String, Object> paths = new LinkedHashMap<>();
    Map<String, Object> schemas = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (!r.groupVersion().equals(gv) || !r.verbs().contains("patch")) {
        continue;
      }
      String prefix = (r.group().isEmpty() ? "/api/" : "/apis/") + gv;
      String path =
          prefix + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
      Map<String, Object> gvk = new LinkedHashMap<>();
      gvk.put("group", r.group());
      gvk.put("version", r.version());
      gvk.put("kind", r.kind());
      Map<String, Object> patch = new LinkedHashMap<>();
      patch.put("operationId", "patch" + r.kind());
      patch.put("x-kubernetes-action", "patch");
      patch.put("x-kubernetes-group-version-kind", gvk);
      patch.put("responses", Map.of("200", Map.of("description", "OK")));
      if (r.schema() != null) {
        // Custom resources: ServerViews refuses unknown fields when asked to.
        patch.put(
            "parameters",
            List.of(
                Map.of(
                    "name", "fieldValidation", "in", "query", "schema", Map.of("type", "string"))));
      }
      paths.put(path, Map.of("patch", patch));
      Map<String, Object> schema =
          new LinkedHashMap<>(
              r.schema() == null
                  ? Map.of("type", "object", "x-kubernetes-preserve-unknown-fields", true)
                  : r.schema());
      schema.put("x-kubernetes-group-version-kind", List.of(gvk));
      String reversed =
          r.group().isEmpty() ? "io.k8s.api.core" : String.join(".", reverse(r.group()));
      schemas.put(reversed + "." + r.version() + "." + r.kind(), schema);
    }
    if (paths.isEmpty()) {
      return null;
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.0");
    doc.put("info", Map.of("title", "Kubernetes", "version", "v1.33.0"));
    doc.put("paths", paths);
    doc.put("components", Map.of("schemas", schemas));
    return json(doc);
  }

  private static List<String> reverse(String group) {
    List<String> parts = new ArrayList<>(List.of(group.split("\\.")));
    java.util.Collections.reverse(parts);
    return parts;
  }

  private static MockResponse json(Object body) {
    String text = body instanceof String s ? s : Serialization.asJson(body);
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(text);
  }
}
