package dev.pitstop.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitstop.testing.CrdSchemaValidator;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.LogCapture;
import dev.pitstop.testing.OperatorExtension;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.SecretScan;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7, item 5: every manifest of {@code bad-input/} is refused, by the CRD schema (including
 * its CEL rules) or by the operator or both, with a message naming the field, and the database
 * stays byte-for-byte the same. The password of the database Secret appears nowhere afterwards
 * (item 6).
 */
class BadInputIT {
  static final String PASSWORD = "Bad-Input-pw-7f3b%never@shown";
  private static final CrdSchemaValidator SCHEMA = CrdSchemaValidator.fromCrds(ProjectFiles.crds());
  private static final AtomicInteger CASES = new AtomicInteger();

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  /** One operator for all cases; each case has a namespace of its own. */
  @RegisterExtension static final OperatorExtension kube = new OperatorExtension();

  private LogCapture logs;
  private String namespace;
  private HasMetadata created;

  static List<BadInputCase> cases() {
    return BadInputCase.all();
  }

  @BeforeEach
  void startCapturingLogs() {
    namespace = "case-" + CASES.incrementAndGet();
    logs = new LogCapture();
  }

  @AfterEach
  void stopCapturingLogs() {
    logs.close();
    // The case's database is dropped now: its resource goes too, so the operator does not keep
    // reconciling it while the next cases run.
    if (created != null) {
      kube.client().resource(created).delete();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedNamingTheFieldAndChangesNothing(BadInputCase badInput) {
    AppSchema.create(pg);
    Secrets.create(kube.client(), namespace, "app-db", pg, PASSWORD, Secrets.Layout.FIELDS);
    // The namespace the cross-namespace cases name is shared by all cases.
    kube.client().secrets().inNamespace("other").withName("app-db").delete();
    Secrets.create(kube.client(), "other", "app-db", pg, PASSWORD, Secrets.Layout.URI);
    String before = DatabaseDump.of(pg.dataSource());

    List<JsonNode> documents =
        badInput.documents(Map.of("DATABASE", pg.databaseName(), "PASSWORD", PASSWORD));
    JsonNode resource = documents.get(0);
    List<String> violations = SCHEMA.validate(resource);

    if (badInput.rejectedBy().contains(BadInputCase.Stage.schema)) {
      assertThat(violations)
          .as("%s (%s): the CRD schema must refuse it", badInput, badInput.what())
          .isNotEmpty()
          .anySatisfy(v -> assertThat(v).startsWith(badInput.expectSchema()));
    } else {
      assertThat(violations)
          .as("%s: the schema accepts it, so the operator is tested", badInput)
          .isEmpty();
    }
    if (badInput.rejectedBy().contains(BadInputCase.Stage.operator)) {
      // the mock API server checks no schema: the operator sees what an API server without the
      // check would pass on
      for (JsonNode referenced : documents.subList(1, documents.size())) {
        ((ObjectNode) referenced.path("metadata")).put("namespace", namespace);
        HasMetadata object = Serialization.unmarshal(referenced.toString());
        kube.client().resource(object).create();
      }
      created = create(resource);
      JsonNode refused = awaitRefused(created, badInput);
      assertThat(refused.at("/status/phase").asText())
          .as("%s: phase", badInput)
          .isNotIn("Succeeded", "Active", "Draining", "Running", "Migrating", "Resetting");
      assertThat(kube.eventsFor(created))
          .as("%s: a Warning Event naming the field", badInput)
          .anySatisfy(
              e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getMessage()).contains(badInput.expect());
              });
    }

    assertThat(DatabaseDump.since(before, pg.dataSource()))
        .as("%s: the database is unchanged", badInput)
        .isEqualTo(before);
    SecretScan.of(kube, logs).assertNotFound(PASSWORD);
  }

  private HasMetadata create(JsonNode resource) {
    ObjectNode copy = resource.deepCopy();
    ((ObjectNode) copy.path("metadata")).put("namespace", namespace);
    Class<? extends HasMetadata> type = Kinds.type(copy.path("kind").asText());
    HasMetadata typed = Serialization.unmarshal(copy.toString(), type);
    return RunRequests.create(kube.client(), typed);
  }

  /** Waits until Ready is False with a message naming the field, the way a user sees it. */
  private JsonNode awaitRefused(HasMetadata created, BadInputCase badInput) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              GenericKubernetesResource current =
                  kube.client()
                      .genericKubernetesResources(created.getApiVersion(), created.getKind())
                      .inNamespace(namespace)
                      .withName(created.getMetadata().getName())
                      .get();
              last[0] = Serialization.jsonMapper().valueToTree(current);
              JsonNode ready = condition(last[0], "Ready");
              assertThat(ready)
                  .as("%s: Ready condition in %s", badInput, last[0].path("status"))
                  .isNotNull();
              assertThat(ready.path("status").asText()).isEqualTo("False");
              assertThat(last[0].at("/status/message").asText())
                  .as("%s: status.message names the field", badInput)
                  .contains(badInput.expect());
              assertThat(kube.eventsFor(created)).extracting(Event::getType).contains("Warning");
            });
    return last[0];
  }

  private static JsonNode condition(JsonNode resource, String type) {
    return StreamSupport.stream(resource.at("/status/conditions").spliterator(), false)
        .filter(c -> type.equals(c.path("type").asText()))
        .findFirst()
        .orElse(null);
  }
}
