package dev.pitstop.rbac;

/**
 * One Kubernetes API permission: a verb on a resource (or {@code resource/subresource}) of an API
 * group ({@code ""} is the core group).
 */
public record Permission(String apiGroup, String resource, String verb) {
  @Override
  public String toString() {
    return verb + " " + (apiGroup.isEmpty() ? "" : apiGroup + "/") + resource;
  }
}
