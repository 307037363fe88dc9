package dev.pitstop.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a real API server computes from stored objects and the store does not: the Table a client
 * asks for with {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io} (columns from a CRD's
 * {@code additionalPrinterColumns}, as {@code kubectl get} shows them), and lists of Events
 * selected by {@code involvedObject.*} fields (as {@code kubectl describe} asks for them), and
 * strict field validation of custom resources (unknown fields refused, as {@code kubectl apply}
 * asks for it), {@code kubectl apply}'s strategic merge patches of ConfigMaps and Secrets, and the
 * refusal (422) of a JSON patch that removes a field the object does not have, which the store
 * would silently accept. Defaults and the schema's other rules are not applied.
 */
final class ServerViews {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern EVENTS =
      Pattern.compile("^/api/v1/(namespaces/[^/]+/)?events(\\?.*)?$");
  private static final Pattern CUSTOM =
      Pattern.compile("^/apis/([^/]+)/([^/]+)/(?:namespaces/[^/]+/)?([^/?]+)(/[^/?]+)?(\\?.*)?$");
  private static final Pattern DATA_OBJECTS =
      Pattern.compile("^/api/v1/namespaces/[^/]+/(configmaps|secrets)/[^/?]+(\\?.*)?$");
  private static final Pattern FILTER =
      Pattern.compile("\\[\\?\\(@\\.([A-Za-z0-9_]+)\\s*==\\s*[\"']([^\"']*)[\"']\\)\\]");

  /** A CRD's schema and kind, by "group/version/plural". */
  private final Map<String, Map.Entry<String, JsonNode>> schemas = new ConcurrentHashMap<>();

  /** A CRD's printer columns, by "group/version/plural". */
  private final Map<String, List<CustomResourceColumnDefinition>> columns =
      new ConcurrentHashMap<>();

  void add(CustomResourceDefinition crd) {
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> list = new ArrayList<>();
      if (version.getAdditionalPrinterColumns() == null
          || version.getAdditionalPrinterColumns().isEmpty()) {
        CustomResourceColumnDefinition age = new CustomResourceColumnDefinition();
        age.setName("Age");
        age.setType("date");
        age.setJsonPath(".metadata.creationTimestamp");
        list.add(age);
      } else {
        list.addAll(version.getAdditionalPrinterColumns());
      }
      String key =
          crd.getSpec().getGroup()
              + "/"
              + version.getName()
              + "/"
              + crd.getSpec().getNames().getPlural();
      columns.put(key, list);
      if (version.getSchema() != null && version.getSchema().getOpenAPIV3Schema() != null) {
        schemas.put(
            key,
            Map.entry(
                crd.getSpec().getNames().getKind(),
                JSON.valueToTree(version.getSchema().getOpenAPIV3Schema())));
      }
    }
  }

  /**
   * The answer computed from the store's ({@code store} dispatches a request to it), or {@code
   * null} when the request is not one of these.
   */
  MockResponse answer(RecordedRequest request, Function<RecordedRequest, MockResponse> store) {
    if ("PATCH".equals(request.getMethod())
        && String.valueOf(request.getHeader("Content-Type"))
            .startsWith("application/strategic-merge-patch+json")
        && DATA_OBJECTS.matcher(request.getPath()).matches()) {
      // The store takes no strategic merge patch (kubectl apply of an object that exists). For a
      // ConfigMap or Secret it is a JSON merge patch: their fields are maps, not merged lists.
      return store.apply(
          new RecordedRequest(
              request.getHttpVersion(),
              request.method(),
              request.getPath(),
              request
                  .getHeaders()
                  .newBuilder()
                  .set("Content-Type", "application/merge-patch+json")
                  .build(),
              request.getBody()));
    }
    if ("PATCH".equals(request.getMethod())
        && String.valueOf(request.getHeader("Content-Type"))
            .startsWith("application/json-patch+json")) {
      return jsonPatchRefused(request, store);
    }
    if (!"GET".equals(request.getMethod())) {
      return strictlyValidated(request);
    }
    if (request.getPath().contains("watch=")) {
      return null;
    }
    String path = request.getPath();
    Matcher events = EVENTS.matcher(path);
    if (events.matches() && path.contains("involvedObject.")) {
      return events(request, store);
    }
    String accept = request.getHeader("Accept");
    Matcher custom = CUSTOM.matcher(path);
    if (accept != null && accept.contains("as=Table") && custom.matches()) {
      List<CustomResourceColumnDefinition> cols =
          columns.get(custom.group(1) + "/" + custom.group(2) + "/" + custom.group(3));
      if (cols != null) {
        return table(store.apply(request), cols);
      }
    }
    return null;
  }

  /**
   * With {@code fieldValidation=Strict} (kubectl's default, as the OpenAPI documents say the CRDs'
   * operations take it), a create, update or merge patch of a custom resource is refused with 400
   * when it has a field its CRD's schema does not declare, as a real API server refuses it; {@code
   * null} (the store's turn) otherwise.
   */
  private MockResponse strictlyValidated(RecordedRequest request) {
    String path = request.getPath();
    Matcher custom = CUSTOM.matcher(path);
    if (!custom.matches() || !path.contains("fieldValidation=Strict")) {
      return null;
    }
    String method = request.getMethod();
    String contentType = String.valueOf(request.getHeader("Content-Type"));
    boolean patch = "PATCH".equals(method);
    if (!("POST".equals(method) || "PUT".equals(method) || patch)
        || (patch && !contentType.startsWith("application/merge-patch+json"))) {
      return null;
    }
    Map.Entry<String, JsonNode> schema =
        schemas.get(custom.group(1) + "/" + custom.group(2) + "/" + custom.group(3));
    if (schema == null) {
      return null;
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.getBody().getBytes());
    } catch (java.io.IOException e) {
      return null;
    }
    List<String> unknown = new ArrayList<>();
    unknownFields(body, schema.getValue(), "", unknown);
    if (unknown.isEmpty()) {
      return null;
    }
    String kind = schema.getKey();
    StringBuilder message =
        new StringBuilder(
            kind
                + " in version \""
                + custom.group(2)
                + "\" cannot be handled as a "
                + kind
                + ": strict decoding error: ");
    for (int i = 0; i < unknown.size(); i++) {
      message.append(i == 0 ? "" : ", ").append("unknown field \"").append(unknown.get(i));
      message.append('"');
    }
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message.toString());
    status.put("reason", "BadRequest");
    status.put("code", 400);
    return new MockResponse()
        .setResponseCode(400)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  /**
   * A JSON patch (RFC 6902) whose {@code remove} names a field the stored object does not have is
   * refused with 422 Unprocessable Entity, as a real API server refuses it ("Unable to remove
   * nonexistent key"); the store would remove nothing and accept it. {@code null} (the store's
   * turn) otherwise, also when the object does not exist.
   */
  private static MockResponse jsonPatchRefused(
      RecordedRequest request, Function<RecordedRequest, MockResponse> store) {
    String path = request.getPath();
    int query = path.indexOf('?');
    String object =
        (query < 0 ? path : path.substring(0, query)).replaceFirst("/(status|scale)$", "");
    MockResponse current =
        store.apply(
            new RecordedRequest(
                request.getHttpVersion(),
                io.fabric8.mockwebserver.dsl.HttpMethod.GET,
                object,
                request.getHeaders(),
                new io.fabric8.mockwebserver.http.Buffer()));
    if (current.code() != 200) {
      return null;
    }
    JsonNode patch;
    JsonNode target;
    try {
      patch = JSON.readTree(request.getBody().getBytes());
      target = parse(current);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return null;
    }
    if (!patch.isArray() || !target.isObject()) {
      return null;
    }
    // The store creates missing parents before it applies a patch; so does this check, to refuse
    // only what the store would have let pass: the removal of a missing field.
    for (JsonNode op : patch) {
      String[] parts = op.path("path").asText().replaceAll("^/", "").split("/");
      JsonNode node = target;
      for (int p = 0; p < parts.length - 1; p++) {
        if (node.isObject() && node.get(parts[p]) == null) {
          ((ObjectNode) node).set(parts[p], JsonNodeFactory.instance.objectNode());
        }
        node = node.path(parts[p]);
      }
    }
    try {
      io.fabric8.zjsonpatch.JsonPatch.apply(
          patch,
          target,
          java.util.EnumSet.of(
              io.fabric8.zjsonpatch.CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT));
      return null;
    } catch (RuntimeException e) {
      ObjectNode status = JsonNodeFactory.instance.objectNode();
      status.put("kind", "Status");
      status.put("apiVersion", "v1");
      status.putObject("metadata");
      status.put("status", "Failure");
      status.put("message", "the server rejected our request due to an error in our request");
      status.put("reason", "Invalid");
      status.put("code", 422);
      return new MockResponse()
          .setResponseCode(422)
          .setHeader("Content-Type", "application/json")
          .setBody(status.toString());
    }
  }

  /** Adds the paths of the fields in {@code node} that {@code schema} does not declare. */
  static void unknownFields(JsonNode node, JsonNode schema, String path, List<String> unknown) {
    if (node == null || node.isNull() || schema == null) {
      return;
    }
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (node.isObject()) {
      JsonNode properties = schema.get("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String name = field.getKey();
        String fieldPath = path.isEmpty() ? name : path + "." + name;
        if (path.isEmpty() && (name.equals("apiVersion") || name.equals("kind"))) {
          continue;
        }
        if (path.isEmpty() && name.equals("metadata")) {
          continue; // checked by the API server's own ObjectMeta, not by the CRD's schema
        }
        if (properties != null && properties.has(name)) {
          unknownFields(field.getValue(), properties.get(name), fieldPath, unknown);
        } else if (additional != null && additional.isObject()) {
          unknownFields(field.getValue(), additional, fieldPath, unknown);
        } else if (properties != null && !(additional != null && additional.asBoolean(false))) {
          unknown.add(fieldPath);
        }
      }
    } else if (node.isArray() && schema.has("items")) {
      for (JsonNode element : node) {
        unknownFields(element, schema.get("items"), path, unknown);
      }
    }
  }

  /** Lists Events without the field selector, then keeps those it selects. */
  private static MockResponse events(
      RecordedRequest request, Function<RecordedRequest, MockResponse> store) {
    String path = request.getPath();
    int q = path.indexOf('?');
    Map<String, String> wanted = new LinkedHashMap<>();
    List<String> kept = new ArrayList<>();
    for (String param : path.substring(q + 1).split("&")) {
      String decoded = URLDecoder.decode(param, StandardCharsets.UTF_8);
      if (decoded.startsWith("fieldSelector=")) {
        for (String term : decoded.substring("fieldSelector=".length()).split(",")) {
          String[] kv = term.split("=", 2);
          if (kv.length == 2) {
            wanted.put(kv[0], kv[1]);
          }
        }
      } else if (!decoded.startsWith("limit=") && !decoded.startsWith("continue=")) {
        kept.add(param);
      }
    }
    String bare = path.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    MockResponse response =
        store.apply(
            new RecordedRequest(
                request.getHttpVersion(),
                request.method(),
                bare,
                request.getHeaders(),
                request.getBody()));
    if (response.code() != 200) {
      return response;
    }
    JsonNode list = parse(response);
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    for (JsonNode item : list.path("items")) {
      boolean matches = true;
      for (Map.Entry<String, String> term : wanted.entrySet()) {
        String[] field = term.getKey().split("\\.");
        JsonNode value = item;
        for (String f : field) {
          value = value.path(f);
        }
        if (!value.asText("").equals(term.getValue())) {
          matches = false;
        }
      }
      if (matches) {
        items.add(item);
      }
    }
    // The store calls every list a List; a typed client (kubectl describe) wants an EventList.
    ((ObjectNode) list).put("kind", "EventList");
    ((ObjectNode) list).set("items", items);
    return json(response, list);
  }

  /** A list or a single object as a meta.k8s.io/v1 Table. */
  private static MockResponse table(
      MockResponse response, List<CustomResourceColumnDefinition> cols) {
    if (response.code() != 200) {
      return response;
    }
    JsonNode body = parse(response);
    List<JsonNode> objects = new ArrayList<>();
    if (body.has("items")) {
      body.path("items").forEach(objects::add);
    } else {
      objects.add(body);
    }
    ObjectNode table = JsonNodeFactory.instance.objectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (body.path("metadata").has("resourceVersion")) {
      metadata.set("resourceVersion", body.path("metadata").path("resourceVersion"));
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    ObjectNode name = definitions.addObject();
    name.put("name", "Name");
    name.put("type", "string");
    name.put("format", "name");
    name.put("description", "Name must be unique within a namespace.");
    name.put("priority", 0);
    for (CustomResourceColumnDefinition col : cols) {
      ObjectNode def = definitions.addObject();
      def.put("name", col.getName());
      def.put("type", "date".equals(col.getType()) ? "string" : col.getType());
      def.put("format", col.getFormat() == null ? "" : col.getFormat());
      def.put("description", col.getDescription() == null ? "" : col.getDescription());
      def.put("priority", col.getPriority() == null ? 0 : col.getPriority());
    }
    ArrayNode rows = table.putArray("rows");
    Instant now = Instant.now();
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(object.path("metadata").path("name").asText());
      for (CustomResourceColumnDefinition col : cols) {
        JsonNode value = select(object, col.getJsonPath());
        if (value == null || value.isMissingNode() || value.isNull()) {
          cells.addNull();
        } else if ("date".equals(col.getType())) {
          cells.add(age(value.asText(), now));
        } else {
          cells.add(value);
        }
      }
      row.set("object", object);
    }
    return json(response, table);
  }

  /**
   * The value a printer column's JSONPath selects: dotted fields, {@code [N]} and {@code
   * [?(@.field=="value")]} (the first match), which is what Pitstop's CRDs use.
   */
  static JsonNode select(JsonNode object, String jsonPath) {
    JsonNode current = object;
    String rest = jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    while (!rest.isEmpty() && current != null) {
      if (rest.startsWith(".")) {
        int end = 1;
        while (end < rest.length() && rest.charAt(end) != '.' && rest.charAt(end) != '[') {
          end++;
        }
        current = current.get(rest.substring(1, end));
        rest = rest.substring(end);
      } else if (rest.startsWith("[?")) {
        Matcher filter = FILTER.matcher(rest);
        if (!filter.lookingAt() || !current.isArray()) {
          return null;
        }
        JsonNode found = null;
        for (JsonNode element : current) {
          if (element.path(filter.group(1)).asText("").equals(filter.group(2))) {
            found = element;
            break;
          }
        }
        current = found;
        rest = rest.substring(filter.end());
      } else if (rest.startsWith("[")) {
        int end = rest.indexOf(']');
        if (end < 0 || !current.isArray()) {
          return null;
        }
        current = current.get(Integer.parseInt(rest.substring(1, end).trim()));
        rest = rest.substring(end + 1);
      } else {
        return null;
      }
    }
    return current;
  }

  /** A timestamp's age as kubectl shows it: 45s, 3m12s, 17m, 5h3m, 3d. */
  static String age(String timestamp, Instant now) {
    Duration d;
    try {
      d = Duration.between(Instant.parse(timestamp), now);
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
    long seconds = Math.max(0, d.toSeconds());
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + (seconds % 60) + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return minutes % 60 == 0 ? hours + "h" : hours + "h" + (minutes % 60) + "m";
    }
    if (hours < 48) {
      return hours + "h";
    }
    return (hours / 24) + "d";
  }

  private static JsonNode parse(MockResponse response) {
    try {
      return JSON.readTree(response.getBody().getBytes());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static MockResponse json(MockResponse original, JsonNode body) {
    return new MockResponse()
        .setResponseCode(original.code())
        .setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }
}
