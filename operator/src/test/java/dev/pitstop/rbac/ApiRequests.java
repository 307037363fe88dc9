package dev.pitstop.rbac;

import java.net.URI;
import java.util.Optional;

/**
 * Maps a Kubernetes API request (method and path) to the RBAC permission it needs, as the API
 * server's authorizer does: {@code /api/v1/...} is the core group, {@code /apis/GROUP/VERSION/...}
 * a named group; a GET of a collection is {@code list}, or {@code watch} with {@code watch=true}.
 */
public final class ApiRequests {
  private ApiRequests() {}

  /**
   * What a request asks for.
   *
   * @param permission the verb on the resource
   * @param namespace the namespace, or null for a cluster-wide request
   */
  public record Access(Permission permission, String namespace) {}

  /** The permission a request needs, ignoring its namespace. */
  public static Optional<Permission> permission(String method, String pathAndQuery) {
    return access(method, pathAndQuery).map(Access::permission);
  }

  /**
   * What a request needs; empty for discovery ({@code /api}, {@code /apis/GROUP/VERSION}, {@code
   * /version}, {@code /openapi/...}), which every authenticated client may read.
   *
   * @throws IllegalArgumentException for a path that is not a Kubernetes API path
   */
  public static Optional<Access> access(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    String path = uri.getPath();
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String[] parts = path.replaceAll("^/+|/+$", "").split("/");
    if (parts[0].equals("version") || parts[0].equals("openapi")) {
      return Optional.empty();
    }
    int i;
    String group;
    if (parts[0].equals("api")) {
      group = "";
      i = 2;
    } else if (parts[0].equals("apis")) {
      group = parts.length > 1 ? parts[1] : "";
      i = 3;
    } else {
      throw new IllegalArgumentException("not a Kubernetes API path: " + pathAndQuery);
    }
    if (parts.length <= i) {
      return Optional.empty();
    }
    String namespace = null;
    if (parts[i].equals("namespaces") && parts.length > i + 2) {
      namespace = parts[i + 1];
      i += 2;
    }
    String resource = parts[i];
    boolean named = parts.length > i + 1;
    if (parts.length > i + 2) {
      resource = resource + "/" + parts[i + 2];
    }
    String verb =
        switch (method.toUpperCase()) {
          case "GET", "HEAD" ->
              named ? "get" : (query.matches("(^|.*&)watch=(true|1)(&.*|$)") ? "watch" : "list");
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> throw new IllegalArgumentException("unexpected method " + method);
        };
    return Optional.of(new Access(new Permission(group, resource, verb), namespace));
  }
}
