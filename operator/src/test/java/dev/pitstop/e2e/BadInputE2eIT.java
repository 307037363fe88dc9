package dev.pitstop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.reliability.AppSchema;
import dev.pitstop.reliability.BadInputCase;
import dev.pitstop.reliability.BadInputCase.Stage;
import dev.pitstop.testing.CrdSchemaValidator;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input catalogue ({@code src/test/resources/bad-input/}) on a real API server, applied
 * with {@code kubectl apply -f} as a user applies a file, each case in a namespace of its own. What
 * the CRD schema must refuse, the API server refuses, naming the field, and stores nothing; the
 * test-side {@link CrdSchemaValidator} names the same fields. What only the operator can refuse,
 * the API server stores, and one operator replica (the chart's settings and ServiceAccount) marks
 * Ready=False naming the field, with a Warning Event, and leaves the database as it was. All
 * operator cases are applied before the first is checked, so they run together.
 */
@EndToEnd
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputE2eIT {
  private static final String DATABASE = "pitstop_bad_input_e2e";
  private static final String PASSWORD = "Bad-Input-e2e-pw-4c1d";
  private static final Map<String, String> PLACEHOLDERS =
      Map.of("DATABASE", DATABASE, "PASSWORD", PASSWORD);

  /** The namespace the cross-namespace cases name; it holds a Secret {@code app-db}. */
  private static final String OTHER = "other";

  private static final Pattern SERVER_FIELD =
      Pattern.compile("(?m)(?:is invalid: |^\\* )([^\\s:]+): |unknown field \"([^\"]+)\"");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CrdSchemaValidator SCHEMA = CrdSchemaValidator.fromCrds(ProjectFiles.crds());

  /** A prefix of this run's namespaces: a control plane left running may hold an earlier run's. */
  private final String run =
      "bad-" + Long.toString(System.currentTimeMillis() % 60_466_176L, 36) + "-";

  private final Path dir = Path.of("target", "e2e", "bad-input").toAbsolutePath();
  private final Map<String, Kubectl.Result> applied = new HashMap<>();

  /** What was stored: every operator case, and a schema case the server failed to refuse. */
  private final List<BadInputCase> stored = new ArrayList<>();

  private Kubectl kubectl;
  private DataSource db;
  private String before;
  private OperatorReplica operator;
  private Path secrets;

  static List<BadInputCase> schemaCases() {
    return BadInputCase.all().stream().filter(c -> c.rejectedBy().contains(Stage.schema)).toList();
  }

  static List<BadInputCase> operatorCases() {
    return BadInputCase.all().stream()
        .filter(c -> c.rejectedBy().equals(Set.of(Stage.operator)))
        .toList();
  }

  @BeforeAll
  void applyEveryOperatorCase() {
    PitstopRelease release = PitstopRelease.shared();
    kubectl = release.kubectl();
    db = E2eDatabases.fresh(DATABASE).dataSource();
    AppSchema.create(db);
    before = DatabaseDump.of(db);

    List<String> namespaces = new ArrayList<>(List.of(OTHER));
    BadInputCase.all().forEach(c -> namespaces.add(namespace(c)));
    kubectl.apply(
        namespaces.stream()
            .map(ns -> "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n")
            .collect(Collectors.joining("---\n")));
    List<String> secretNamespaces = new ArrayList<>(List.of(OTHER));
    operatorCases().forEach(c -> secretNamespaces.add(namespace(c)));
    secrets =
        Kubectl.write(
            dir,
            run + "secrets.yaml",
            secretNamespaces.stream()
                .map(ns -> E2eDatabases.secret("app-db", ns, DATABASE))
                .collect(Collectors.joining("---\n")));
    kubectl.apply(secrets);

    // The replica starts while the cases are applied; it finds them when its informers sync.
    operator = OperatorReplica.start(release, "pitstop-bad-input-0", Map.of());
    for (BadInputCase c : operatorCases()) {
      applied.put(c.file(), kubectl.run("apply", "-f", file(c).toString(), "-n", namespace(c)));
      stored.add(c);
    }
  }

  @AfterAll
  void deleteWhatWasApplied() throws InterruptedException {
    try {
      if (kubectl != null) {
        for (BadInputCase c : stored) {
          kubectl.run(
              "delete",
              "-f",
              file(c).toString(),
              "-n",
              namespace(c),
              "--ignore-not-found",
              "--timeout=30s");
        }
        if (secrets != null) {
          kubectl.run("delete", "-f", secrets.toString(), "--ignore-not-found");
        }
      }
    } finally {
      if (operator != null) {
        operator.close();
      }
    }
  }

  @Order(1)
  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("schemaCases")
  void theApiServerRefusesItNamingTheField(BadInputCase c) {
    Kubectl.Result result = kubectl.run("apply", "-f", file(c).toString(), "-n", namespace(c));
    if (result.exitCode() == 0) {
      stored.add(c);
    }

    assertThat(result.exitCode())
        .as("%s (%s): the API server must refuse it\n%s", c, c.what(), result)
        .isNotZero();
    String answer = newestWording(result.err());
    assertThat(answer)
        .as("%s: the API server's answer names the field", c)
        .contains(c.expectSchema());
    assertThat(kubectl.ok("get", "pitstop,configmaps,secrets", "-n", namespace(c), "-o", "name"))
        .as("%s: nothing was created", c)
        .isEmpty();

    List<String> validator = SCHEMA.validate(c.documents(PLACEHOLDERS).get(0));
    Set<String> validatorFields = fields(validator);
    if (validatorFields.contains("<nil>") && !answer.contains(RULES_NOT_CHECKED)) {
      // Kubernetes 1.28 does not report the CEL rules it skipped on an invalid object.
      assertThat(ControlPlane.shared().version()).as("%s: %s", c, answer).startsWith("v1.28.");
      validatorFields.remove("<nil>");
    }
    assertThat(validatorFields)
        .as(
            "%s: the test-side schema validator names the fields the API server names\n"
                + "validator: %s\nAPI server: %s",
            c, validator, result.err())
        .isEqualTo(serverFields(answer));
  }

  @Order(2)
  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("operatorCases")
  void theOperatorRefusesItNamingTheFieldAndChangesNothing(BadInputCase c) {
    Kubectl.Result apply = applied.get(c.file());
    assertThat(apply.exitCode())
        .as(
            "%s (%s): the API server stores it; only the operator can see the fault\n%s",
            c, c.what(), apply)
        .isZero();
    String ns = namespace(c);
    String resource = resource(c);
    requestAsAUserDoes(c, ns, resource);

    JsonNode refused = awaitRefused(c, ns, resource);
    assertThat(refused.at("/status/phase").asText())
        .as("%s: phase", c)
        .isNotIn("Succeeded", "Active", "Draining", "Running", "Migrating", "Resetting");
    String kind = resource.substring(0, resource.indexOf('.'));
    await(c + ": a Warning Event in kubectl get events")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(kubectl.ok("get", "events", "-n", ns).lines())
                    .as("%s: kubectl get events -n %s", c, ns)
                    .anySatisfy(
                        line -> assertThat(line).contains("Warning", kind + "/bad", c.expect())));
    String describe = kubectl.ok("describe", resource, "-n", ns);
    int events = describe.indexOf("\nEvents:");
    assertThat(events).as("%s: kubectl describe has Events\n%s", c, describe).isPositive();
    assertThat(describe.substring(0, events))
        .as("%s: kubectl describe shows the status message", c)
        .contains(c.expect());
    assertThat(describe.substring(events).lines())
        .as("%s: kubectl describe shows a Warning Event naming the field\n%s", c, describe)
        .anySatisfy(line -> assertThat(line).contains("Warning", c.expect()));

    assertThat(DatabaseDump.since(before, db))
        .as("%s: the database is unchanged (every operator case was applied at once)", c)
        .isEqualTo(before);
    assertThat(operator.isAlive()).as("the operator runs on\n%s", operator.tail()).isTrue();
  }

  /**
   * After every case was seen refused: each refusal still holds (no resource went on to work after
   * all, as a window restarting its drain over and over did) and the database is unchanged.
   */
  /**
   * The look-alikes of the schema cases the API server must accept: table names that need quotes
   * (spaces, a comma, a dash) and letters of any script in {@code preserveTables}, glob ranges.
   */
  @Order(1)
  @Test
  void namesThatNeedQuotesArePreservableAndTheApiServerAcceptsThem() throws IOException {
    String yaml =
        "apiVersion: pitstop.dev/v1alpha1\n"
            + "kind: SandboxReset\n"
            + "metadata: {name: quoted-names}\n"
            + "spec:\n"
            + "  database: {secretRef: {name: app-db}}\n"
            + "  confirmDatabaseName: "
            + DATABASE
            + "\n"
            + "  preserveTables: ['\"Order Items\"', '\"a,b\"', café_*, user-events,"
            + " 'app.\"Audit \"\"Log\"\"\"', '[a-c]_*']\n";

    Kubectl.Result result =
        kubectl.runWithInput(yaml, "apply", "--dry-run=server", "-n", OTHER, "-f", "-");

    assertThat(result.exitCode()).as("%s", result).isZero();
    assertThat(SCHEMA.validate(new ObjectMapper(new YAMLFactory()).readTree(yaml))).isEmpty();
  }

  @Order(3)
  @Test
  void everyRefusalHoldsAndTheDatabaseIsUnchanged() throws IOException {
    Map<String, JsonNode> byNamespace = new HashMap<>();
    JSON.readTree(kubectl.ok("get", "pitstop", "-A", "-o", "json"))
        .path("items")
        .forEach(item -> byNamespace.put(item.at("/metadata/namespace").asText(), item));
    for (BadInputCase c : operatorCases()) {
      JsonNode resource = byNamespace.get(namespace(c));
      assertThat(resource).as("%s is stored", c).isNotNull();
      assertThat(refusal(resource)).as("%s: still refused", c).contains(c.expect());
    }
    assertThat(DatabaseDump.since(before, db)).as("the database is unchanged").isEqualTo(before);
  }

  /** Waits until Ready is False with status.message naming the field, as kubectl shows it. */
  private JsonNode awaitRefused(BadInputCase c, String ns, String resource) {
    JsonNode[] last = new JsonNode[1];
    await(c + ": Ready=False naming " + c.expect())
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("the operator process exited:\n" + operator.tail(), () -> !operator.isAlive())
        .untilAsserted(
            () -> {
              last[0] = JSON.readTree(kubectl.ok("get", resource, "-n", ns, "-o", "json"));
              assertThat(refusal(last[0]))
                  .as("%s: Ready=False and status.message\noperator log:\n%s", c, operator.tail())
                  .contains(c.expect());
            });
    return last[0];
  }

  /** {@code status.message} while condition Ready is False, else what the status says. */
  private static String refusal(JsonNode resource) {
    boolean notReady =
        StreamSupport.stream(resource.at("/status/conditions").spliterator(), false)
            .anyMatch(
                c ->
                    c.path("type").asText().equals("Ready")
                        && c.path("status").asText().equals("False"));
    return notReady
        ? resource.at("/status/message").asText()
        : "not Ready=False: " + resource.path("status");
  }

  private String namespace(BadInputCase c) {
    return run + c.file().replaceFirst("\\.yaml$", "");
  }

  /** The case's documents as a file a user would apply, placeholders filled in. */
  private Path file(BadInputCase c) {
    return Kubectl.write(dir, run + c.file(), c.yaml(PLACEHOLDERS));
  }

  /** {@code kind.pitstop.dev/name} of the case's Pitstop resource. */
  /**
   * A CleanupSchedule created with {@code pitstop.dev/run-requested-at} adopts the value and runs
   * nothing; the run its case needs is requested as a user does, with a new value once the operator
   * has seen the resource.
   */
  private void requestAsAUserDoes(BadInputCase c, String ns, String resource) {
    JsonNode manifest = c.documents(PLACEHOLDERS).get(0);
    if (!manifest.path("kind").asText().equals("CleanupSchedule")
        || manifest.at("/metadata/annotations/pitstop.dev~1run-requested-at").isMissingNode()) {
      return;
    }
    await(c + ": the operator sees it")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                kubectl.ok(
                    "get", resource, "-n", ns, "-o", "jsonpath={.status.observedGeneration}"),
            generation -> !generation.isBlank());
    kubectl.ok(
        "annotate", resource, "-n", ns, "pitstop.dev/run-requested-at=requested", "--overwrite");
  }

  private static String resource(BadInputCase c) {
    JsonNode resource = c.documents(PLACEHOLDERS).get(0);
    return resource.path("kind").asText().toLowerCase(Locale.ROOT)
        + ".pitstop.dev/"
        + resource.at("/metadata/name").asText();
  }

  private static final String RULES_NOT_CHECKED = "some validation rules were not checked";

  /**
   * The API server's refusal in the wording of the newest Kubernetes, which the test-side validator
   * follows: 1.28 also names the type of a value a CEL rule refused ({@code Invalid value:
   * "object": ...}).
   */
  private static String newestWording(String answer) {
    return answer.replaceAll(
        "Invalid value: \"(object|array|string|integer|boolean)\": ", "Invalid value: ");
  }

  /** The fields the test-side validator's messages name ({@code <nil>}: rules not checked). */
  private static Set<String> fields(List<String> violations) {
    Set<String> fields = new LinkedHashSet<>();
    violations.forEach(v -> fields.add(v.substring(0, v.indexOf(": "))));
    return fields;
  }

  /** The fields the API server's refusal names. */
  private static Set<String> serverFields(String answer) {
    Set<String> fields = new LinkedHashSet<>();
    Matcher m = SERVER_FIELD.matcher(answer);
    while (m.find()) {
      fields.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return fields;
  }
}
