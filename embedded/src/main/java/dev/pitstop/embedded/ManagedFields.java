package dev.pitstop.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code metadata.managedFields} as a real API server keeps them for writes that are not
 * server-side apply (the store refuses those): each create, update or patch gives the fields it
 * changed to its field manager (the {@code fieldManager} parameter, else the User-Agent up to its
 * first {@code /}, as the API server defaults it), in that manager's {@code Update} entry (one per
 * manager and subresource), and takes them from every other manager; fields removed from the object
 * leave every entry; an entry left with no field is dropped. Lists are owned as a whole (the API
 * server keys their elements); a client cannot set managedFields itself. The answer to the write
 * does not show the new entries; reads and watch events do.
 */
final class ManagedFields {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Server-set fields nobody manages. */
  private static final Set<String> SERVER_SET =
      Set.of(
          "metadata.managedFields",
          "metadata.resourceVersion",
          "metadata.generation",
          "metadata.uid",
          "metadata.creationTimestamp",
          "metadata.deletionTimestamp",
          "metadata.deletionGracePeriodSeconds",
          "metadata.selfLink");

  private ManagedFields() {}

  /**
   * {@code newState} with its managedFields computed from {@code oldState}'s (null for a create)
   * and what {@code request} changed; {@code newState} as it is when it cannot be read.
   */
  static String track(RecordedRequest request, String oldState, String newState) {
    if (request == null || newState == null) {
      return newState;
    }
    String method = request.getMethod();
    if (!"POST".equals(method) && !"PUT".equals(method) && !"PATCH".equals(method)) {
      return newState;
    }
    try {
      JsonNode before = oldState == null ? JsonNodeFactory.instance.objectNode() : read(oldState);
      JsonNode after = read(newState);
      if (!after.isObject() || !after.path("metadata").isObject()) {
        return newState;
      }
      Set<String> changed = new LinkedHashSet<>();
      Set<String> removed = new LinkedHashSet<>();
      diff(before, after, "", changed, removed);
      JsonNode previous = before.path("metadata").path("managedFields");
      ArrayNode entries = JsonNodeFactory.instance.arrayNode();
      String manager = manager(request);
      String subresource = subresource(request.getPath());
      boolean found = false;
      for (JsonNode entry : previous) {
        Set<String> owned = new LinkedHashSet<>();
        paths(entry.path("fieldsV1"), "", owned);
        owned.removeAll(removed);
        boolean mine =
            manager.equals(entry.path("manager").asText())
                && "Update".equals(entry.path("operation").asText())
                && subresource.equals(entry.path("subresource").asText(""));
        if (mine) {
          found = true;
          owned.addAll(changed);
        } else {
          owned.removeAll(changed);
        }
        if (!owned.isEmpty()) {
          entries.add(entry(entry, owned, mine ? after : null));
        }
      }
      if (!found && !changed.isEmpty()) {
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("manager", manager);
        entry.put("operation", "Update");
        if (!subresource.isEmpty()) {
          entry.put("subresource", subresource);
        }
        entries.add(entry(entry, changed, after));
      }
      ObjectNode metadata = (ObjectNode) after.path("metadata");
      if (entries.isEmpty()) {
        metadata.remove("managedFields");
      } else {
        metadata.set("managedFields", entries);
      }
      return JSON.writeValueAsString(after);
    } catch (IOException | RuntimeException e) {
      return newState;
    }
  }

  /** The field manager of a write: its parameter, else the User-Agent's program name. */
  static String manager(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    if (query >= 0) {
      for (String param : path.substring(query + 1).split("&")) {
        if (param.startsWith("fieldManager=")) {
          return URLDecoder.decode(
              param.substring("fieldManager=".length()), StandardCharsets.UTF_8);
        }
      }
    }
    String agent = request.getHeader("User-Agent");
    if (agent == null || agent.isBlank()) {
      return "unknown";
    }
    int slash = agent.indexOf('/');
    return slash < 0 ? agent : agent.substring(0, slash);
  }

  private static String subresource(String path) {
    int query = path.indexOf('?');
    String bare = query < 0 ? path : path.substring(0, query);
    for (String sub : List.of("status", "scale")) {
      if (bare.endsWith("/" + sub)) {
        return sub;
      }
    }
    return "";
  }

  private static ObjectNode entry(JsonNode template, Set<String> owned, JsonNode changedBy) {
    ObjectNode entry = template.deepCopy();
    if (changedBy != null) {
      entry.put("apiVersion", changedBy.path("apiVersion").asText(""));
      entry.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
    entry.put("fieldsType", "FieldsV1");
    ObjectNode fields = JsonNodeFactory.instance.objectNode();
    for (String path : owned) {
      ObjectNode node = fields;
      for (String part : path.split("\u0000")) {
        JsonNode child = node.get("f:" + part);
        node = child instanceof ObjectNode o ? o : node.putObject("f:" + part);
      }
    }
    entry.set("fieldsV1", fields);
    return entry;
  }

  /** The leaf paths of a FieldsV1 set (parts joined with NUL). */
  private static void paths(JsonNode fields, String prefix, Set<String> out) {
    if (!fields.isObject()) {
      return;
    }
    boolean leaf = true;
    for (Map.Entry<String, JsonNode> e : fields.properties()) {
      if (!e.getKey().startsWith("f:")) {
        continue; // ".", "k:" and "v:" are never written here
      }
      leaf = false;
      String name = e.getKey().substring(2);
      paths(e.getValue(), prefix.isEmpty() ? name : prefix + "\u0000" + name, out);
    }
    if (leaf && !prefix.isEmpty()) {
      out.add(prefix);
    }
  }

  /**
   * Leaf paths whose value differs ({@code changed}: set now) or that are gone ({@code removed}).
   */
  private static void diff(
      JsonNode before, JsonNode after, String prefix, Set<String> changed, Set<String> removed) {
    if (SERVER_SET.contains(prefix.replace('\u0000', '.'))) {
      return;
    }
    if (before != null && before.isObject() && after != null && after.isObject()) {
      Set<String> names = new LinkedHashSet<>();
      before.fieldNames().forEachRemaining(names::add);
      after.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (prefix.isEmpty() && (name.equals("apiVersion") || name.equals("kind"))) {
          continue; // not fields of the object's own
        }
        String path = prefix.isEmpty() ? name : prefix + "\u0000" + name;
        diff(before.get(name), after.get(name), path, changed, removed);
      }
      return;
    }
    if (after == null || after.isNull()) {
      if (before != null) {
        leaves(before, prefix, removed);
      }
      return;
    }
    if (before != null && before.isObject()) {
      leaves(before, prefix, removed);
    }
    if (after.isObject()) {
      leaves(after, prefix, changed);
    } else if (!Objects.equals(before, after)) {
      changed.add(prefix);
    }
  }

  private static void leaves(JsonNode node, String prefix, Set<String> out) {
    if (SERVER_SET.contains(prefix.replace('\u0000', '.'))) {
      return;
    }
    if (node.isObject() && !node.isEmpty()) {
      node.properties()
          .forEach(
              e ->
                  leaves(
                      e.getValue(),
                      prefix.isEmpty() ? e.getKey() : prefix + "\u0000" + e.getKey(),
                      out));
    } else if (!prefix.isEmpty()) {
      out.add(prefix);
    }
  }

  private static JsonNode read(String json) throws IOException {
    return JSON.readTree(json);
  }
}
