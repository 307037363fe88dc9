package dev.pitstop.operator;

import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.configMap;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.migration;
import static dev.pitstop.reconciler.databasemigration.MigrationFixturesAccess.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.api.v1alpha1.CleanupPhase;
import dev.pitstop.api.v1alpha1.CleanupSchedule;
import dev.pitstop.api.v1alpha1.DatabaseMigration;
import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.api.v1alpha1.MigrationPhase;
import dev.pitstop.api.v1alpha1.Pitstop;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.WindowPhase;
import dev.pitstop.chart.RenderedChart;
import dev.pitstop.embedded.EmbeddedKubernetesApi;
import dev.pitstop.reconciler.cleanupschedule.CleanupFixtures;
import dev.pitstop.reconciler.maintenancewindow.WindowFixturesAccess;
import dev.pitstop.testing.ProjectFiles;
import dev.pitstop.testing.Promtool;
import dev.pitstop.testing.RunRequests;
import dev.pitstop.testing.TestDatabase;
import dev.pitstop.testing.TestPostgresServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code /metrics} of a real operator exports after it drove every kind, against what
 * docs/metrics.md documents, the dashboard queries and the shipped alert rules expect; the rules
 * run in the real {@code promtool test rules} on the scraped series.
 *
 * <p>Three scrapes: (1) a DatabaseMigration {@code app}, a SandboxReset and a CleanupSchedule
 * succeeded, a MaintenanceWindow {@code broken} failed; (2) {@code app} failed with a new script,
 * and a new DatabaseMigration {@code broken} failed at its first run; (3) the window was deleted.
 */
class MetricsIT {
  private static final String NS = "default";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

  private static TestDatabase db;
  private static EmbeddedKubernetesApi api;
  private static PitstopOperator operator;
  private static final List<Scrape> scrapes = new ArrayList<>();

  /** One {@code /metrics} page: samples by series ({@code name{labels}}), types by family. */
  record Scrape(Map<String, String> samples, Map<String, String> types) {
    Set<String> sampleNames() {
      Set<String> names = new TreeSet<>();
      samples.keySet().forEach(s -> names.add(name(s)));
      return names;
    }

    boolean has(String series) {
      return samples.containsKey(series);
    }

    List<String> ofResource(String name) {
      return samples.keySet().stream()
          .filter(s -> s.startsWith("pitstop_") && s.contains("name=\"" + name + "\""))
          .toList();
    }
  }

  @BeforeAll
  static void driveEveryKind() throws Exception {
    db = TestPostgresServer.shared().createDatabase("pitstop_test");
    api = EmbeddedKubernetesApi.startWithCrdsFrom(ProjectFiles.crds());
    operator =
        PitstopOperator.start(
            api.client(), OperatorSettings.defaults().withUseSsa(false).withHttpPort(0));
    create(secret("app-db", db.jdbcUrl(), db.user(), db.password()));
    create(configMap("app", Map.of("V1__t.sql", "CREATE TABLE t (id int);")));
    create(migration("app", "app-db", "app"));
    awaitResource(DatabaseMigration.class, "app", r -> phase(r) == MigrationPhase.Succeeded);
    // The tables the reset and the cleanup work on, added once the schema has its history (a
    // history table is only created in an empty schema).
    db.execute(
        "CREATE TABLE logs (id bigserial PRIMARY KEY, at timestamptz NOT NULL);"
            + " INSERT INTO logs (at) SELECT now() - interval '90 days' FROM generate_series(1, 5);"
            + " CREATE TABLE sessions (id bigserial PRIMARY KEY);"
            + " INSERT INTO sessions DEFAULT VALUES;");

    SandboxReset reset = new SandboxReset();
    reset.setMetadata(new ObjectMetaBuilder().withName("sandbox").withNamespace(NS).build());
    reset.setSpec(new SandboxResetSpec());
    reset.getSpec().database = new DatabaseRef("app-db");
    reset.getSpec().confirmDatabaseName = db.name();
    reset.getSpec().preserveTables.add("logs");
    create(reset);
    awaitResource(SandboxReset.class, "sandbox", r -> phase(r) == ResetPhase.Succeeded);

    CleanupSchedule cleanup =
        CleanupFixtures.schedule(
            "logs", "app-db", CleanupFixtures.olderThan("old", "logs", "at", "30d"));
    cleanup.getMetadata().setAnnotations(Map.of(Pitstop.RUN_REQUESTED_AT, "now"));
    RunRequests.createThenRequest(api.client(), cleanup);
    awaitResource(
        CleanupSchedule.class,
        "logs",
        r -> r.getStatus() != null && r.getStatus().lastRun != null && phase(r) != null);
    assertThat(
            api.client()
                .resources(CleanupSchedule.class)
                .inNamespace(NS)
                .withName("logs")
                .get()
                .getStatus()
                .phase)
        .isIn(CleanupPhase.Scheduled, CleanupPhase.Succeeded);

    MaintenanceWindow window = WindowFixturesAccess.fullWindow("broken", "DELETE FROM logs");
    create(window);
    awaitResource(MaintenanceWindow.class, "broken", r -> phase(r) == WindowPhase.Failed);
    scrapes.add(scrape());

    // app fails at a new script; broken fails at its first run.
    api.client()
        .resource(
            configMap(
                "app",
                Map.of(
                    "V1__t.sql",
                    "CREATE TABLE t (id int);",
                    "V2__missing.sql",
                    "INSERT INTO missing_table VALUES (1);")))
        .update();
    create(configMap("broken", Map.of("V1__bad.sql", "SELEC 1;")));
    create(migration("broken", "app-db", "broken"));
    awaitResource(DatabaseMigration.class, "app", r -> phase(r) == MigrationPhase.Failed);
    awaitResource(DatabaseMigration.class, "broken", r -> phase(r) == MigrationPhase.Failed);
    scrapes.add(scrape());

    api.client().resources(MaintenanceWindow.class).inNamespace(NS).withName("broken").delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                api.client()
                        .resources(MaintenanceWindow.class)
                        .inNamespace(NS)
                        .withName("broken")
                        .get()
                    == null);
    scrapes.add(scrape());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (api != null) {
      api.close();
    }
    if (db != null) {
      db.close();
    }
  }

  /**
   * A counter born at 1 has no increase: every result of a resource is at 0 before its first run
   * ended, and a resource that succeeded shows its failures at 0.
   */
  @Test
  void everyResultOfAResourceIsExportedFromZero() {
    Scrape first = scrapes.get(0);
    assertThat(first.samples())
        .containsEntry(
            "pitstop_run_duration_seconds_count{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"default\",result=\"Failed\"}",
            "0")
        .containsEntry(
            "pitstop_run_duration_seconds_count{kind=\"SandboxReset\",name=\"sandbox\","
                + "namespace=\"default\",result=\"Failed\"}",
            "0")
        .containsEntry(
            "pitstop_run_duration_seconds_count{kind=\"CleanupSchedule\",name=\"logs\","
                + "namespace=\"default\",result=\"Failed\"}",
            "0")
        .containsEntry(
            "pitstop_reset_not_run_total{name=\"sandbox\",namespace=\"default\",result=\"Missed\"}",
            "0.0")
        .containsEntry(
            "pitstop_resource_phase{kind=\"MaintenanceWindow\",name=\"broken\","
                + "namespace=\"default\",phase=\"Failed\"}",
            "1.0")
        .containsEntry(
            "pitstop_resource_ready{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"default\"}",
            "1.0");
    assertThat(scrapes.get(1).samples())
        .containsEntry(
            "pitstop_run_duration_seconds_count{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"default\",result=\"Failed\"}",
            "1")
        .containsEntry(
            "pitstop_resource_ready{kind=\"DatabaseMigration\",name=\"app\","
                + "namespace=\"default\"}",
            "0.0");
  }

  /** A series that outlives its resource keeps an alert on it firing. */
  @Test
  void aDeletedResourceLeavesNoSeries() {
    assertThat(scrapes.get(1).ofResource("broken")).anyMatch(s -> s.contains("MaintenanceWindow"));
    assertThat(scrapes.get(1).ofResource("broken"))
        .anyMatch(s -> s.startsWith("pitstop_window_phase"));
    assertThat(scrapes.get(2).ofResource("broken"))
        .isNotEmpty()
        .noneMatch(s -> s.contains("MaintenanceWindow") || s.startsWith("pitstop_window_phase"));
  }

  @Test
  void docsMetricsDocumentsExactlyWhatIsExported() throws IOException {
    String doc = Files.readString(ProjectFiles.docs().resolve("metrics.md"));
    Map<String, String> documented = new LinkedHashMap<>();
    Matcher row =
        Pattern.compile("(?m)^\\| `(pitstop_[a-z_]+)` \\| (counter|gauge|summary) \\|")
            .matcher(doc);
    while (row.find()) {
      documented.put(row.group(1), row.group(2));
    }
    Map<String, String> exported = new LinkedHashMap<>();
    scrapes.forEach(
        s ->
            s.types()
                .forEach(
                    (family, type) -> {
                      if (family.startsWith("pitstop_")) {
                        exported.put(family, type);
                      }
                    }));
    // Micrometer's summaries come with a _max gauge.
    documented.entrySet().stream()
        .filter(e -> e.getValue().equals("summary"))
        .toList()
        .forEach(e -> documented.put(e.getKey() + "_max", "gauge"));
    assertThat(exported).as("pitstop_ metric families and types on /metrics").isEqualTo(documented);

    Set<String> names = new TreeSet<>();
    scrapes.forEach(s -> names.addAll(s.sampleNames()));
    scrapes.forEach(s -> names.addAll(s.types().keySet()));
    List<String> libraryNames = libraryMetrics(doc, false);
    assertThat(libraryNames).hasSizeGreaterThan(5);
    for (String metric : libraryNames) {
      Predicate<String> matches =
          metric.endsWith("*")
              ? n -> n.startsWith(metric.substring(0, metric.length() - 1))
              : metric::equals;
      assertThat(names).as("documented library metric " + metric).anyMatch(matches);
    }

    // The kinds' pages name the same metrics.
    for (String page :
        List.of("sandbox-reset.md", "cleanup-schedule.md", "operator.md", "reliability.md")) {
      Matcher m =
          Pattern.compile("`(pitstop_[a-z_]+)")
              .matcher(Files.readString(ProjectFiles.docs().resolve(page)));
      while (m.find()) {
        String name = m.group(1);
        if (!name.matches("pitstop_(schema_history|maintenance\\w*|blocked_roles)")) {
          assertThat(documented).as(page + " names " + name).containsKey(name);
        }
      }
    }
  }

  @Test
  void theDashboardQueriesOnlyExportedOrDocumentedMetrics() throws IOException {
    JsonNode dashboard =
        JSON.readTree(ProjectFiles.chart().resolve("files/dashboard.json").toFile());
    List<String> queries = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> queries.add(e.asText()));
    dashboard.path("templating").path("list").findValues("query").stream()
        .map(q -> q.isObject() ? q.path("query").asText() : q.asText())
        .forEach(queries::add);
    assertThat(queries).hasSizeGreaterThan(10);
    Set<String> names = new TreeSet<>();
    scrapes.forEach(s -> names.addAll(s.sampleNames()));
    names.addAll(
        libraryMetrics(Files.readString(ProjectFiles.docs().resolve("metrics.md")), true).stream()
            .filter(n -> !n.endsWith("*"))
            .toList());
    Set<String> used = new TreeSet<>();
    for (String q : queries) {
      Matcher m =
          Pattern.compile("\\b((?:pitstop|operator_sdk|hikaricp|jvm|process)_[a-zA-Z0-9_]+)")
              .matcher(q.replaceAll("\"[^\"]*\"", "\"\""));
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    assertThat(used).hasSizeGreaterThan(10);
    assertThat(names).as("metrics the dashboard queries").containsAll(used);
  }

  /**
   * A query that groups or filters by a label the metric does not have (JOSDK's metrics have no
   * {@code name}) silently returns nothing: every label an alert or a dashboard query groups by or
   * matches on is a label of a series the query reads.
   */
  @Test
  void theAlertsAndTheDashboardUseOnlyLabelsTheMetricsHave() throws IOException {
    List<String> queries = new ArrayList<>();
    YAML.readTree(ProjectFiles.chart().resolve("files/alerts.yaml").toFile())
        .findValues("expr")
        .forEach(e -> queries.add(e.asText()));
    JSON.readTree(ProjectFiles.chart().resolve("files/dashboard.json").toFile())
        .findValues("expr")
        .forEach(e -> queries.add(e.asText()));
    Map<String, Set<String>> labels = new LinkedHashMap<>();
    for (Scrape scrape : scrapes) {
      for (String series : scrape.samples().keySet()) {
        Set<String> l = labels.computeIfAbsent(name(series), k -> new TreeSet<>());
        Matcher m = Pattern.compile("([a-zA-Z_]+)=\"").matcher(series);
        while (m.find()) {
          l.add(m.group(1));
        }
      }
    }
    Pattern metric =
        Pattern.compile("\\b((?:pitstop|operator_sdk|hikaricp|jvm)_[a-zA-Z0-9_]+)(\\{[^}]*\\})?");
    Pattern by = Pattern.compile("\\bby \\(([^)]*)\\)");
    int checked = 0;
    for (String q : queries) {
      Set<String> used = new TreeSet<>();
      Matcher g = by.matcher(q);
      while (g.find()) {
        for (String l : g.group(1).split(",")) {
          used.add(l.strip());
        }
      }
      Set<String> available = new TreeSet<>();
      Matcher m = metric.matcher(q);
      while (m.find()) {
        if (!labels.containsKey(m.group(1))) {
          continue; // a metric that appears only with its first event (documented)
        }
        available.addAll(labels.get(m.group(1)));
        if (m.group(2) != null) {
          Matcher matcher = Pattern.compile("([a-zA-Z_]+)\\s*[=!]~?").matcher(m.group(2));
          while (matcher.find()) {
            assertThat(labels.get(m.group(1)))
                .as("labels of %s in %s", m.group(1), q)
                .contains(matcher.group(1));
            checked++;
          }
        }
      }
      if (!available.isEmpty()) {
        assertThat(available).as("labels the metrics of %s have", q).containsAll(used);
        checked += used.size();
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  /**
   * One source: the chart's PrometheusRule and docs/metrics.md carry files/alerts.yaml as it is,
   * and promtool accepts it, and the dashboard's queries as recording rules.
   */
  @Test
  void theAlertRulesOfTheChartAndDocsAreOneFileThatPromtoolChecks() throws IOException {
    String alerts = Files.readString(ProjectFiles.chart().resolve("files/alerts.yaml"));
    assertThat(Files.readString(ProjectFiles.docs().resolve("metrics.md")))
        .contains("```yaml\n" + alerts + "```\n");

    assertThat(RenderedChart.withDefaults().objects())
        .noneMatch(o -> o.getKind().equals("PrometheusRule"));
    RenderedChart chart =
        RenderedChart.with(
            "metrics: {prometheusRule: {enabled: true, labels: {release: prometheus}}}");
    HasMetadata rule =
        chart.objects().stream()
            .filter(o -> o.getKind().equals("PrometheusRule"))
            .findFirst()
            .orElseThrow();
    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Object spec = ((GenericKubernetesResource) rule).getAdditionalProperties().get("spec");
    assertThat((JsonNode) JSON.valueToTree(spec)).isEqualTo(YAML.readTree(alerts));

    Path dir = Files.createTempDirectory(Path.of("target"), "promtool-check-");
    Files.writeString(dir.resolve("rules.yaml"), YAML.writeValueAsString(spec));
    ObjectNode recording = JSON.createObjectNode();
    ArrayNode rules =
        recording.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
    JsonNode dashboard =
        JSON.readTree(ProjectFiles.chart().resolve("files/dashboard.json").toFile());
    int n = 0;
    for (JsonNode expr : dashboard.findValues("expr")) {
      rules
          .addObject()
          .put("record", "pitstop:dashboard_query_" + n++)
          .put(
              "expr",
              expr.asText()
                  .replace("$__rate_interval", "5m")
                  .replace("$__range", "1h")
                  .replace("$namespace", ".*"));
    }
    Files.writeString(dir.resolve("dashboard.yaml"), JSON.writeValueAsString(recording));
    Promtool promtool = Promtool.shared();
    assertThat(promtool.run(dir, "check", "rules", "rules.yaml"))
        .contains("SUCCESS: 7 rules found");
    assertThat(promtool.run(dir, "check", "rules", "dashboard.yaml")).contains("SUCCESS");
  }

  /**
   * The shipped rules on the series the operator exported, in {@code promtool test rules}: the
   * scrapes are 10 minutes apart. The first failure of a resource fires (app: 0 then 1; broken:
   * first seen at 1), a Failed resource fires after 5 minutes, and the deleted window's alert
   * resolves.
   */
  @Test
  void theAlertsFireOnFirstFailuresAndResolveForDeletedResources() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("target"), "promtool-test-");
    Files.copy(ProjectFiles.chart().resolve("files/alerts.yaml"), dir.resolve("alerts.yaml"));
    JsonNode alerts = YAML.readTree(dir.resolve("alerts.yaml").toFile());

    ObjectNode test = JSON.createObjectNode();
    test.putArray("rule_files").add("alerts.yaml");
    test.put("evaluation_interval", "1m");
    ObjectNode t = test.putArray("tests").addObject();
    t.put("interval", "1m");
    ArrayNode series = t.putArray("input_series");
    Set<String> keys = new LinkedHashSet<>();
    scrapes.forEach(
        s ->
            s.samples().keySet().stream()
                .filter(k -> k.matches("^(pitstop_|operator_sdk_|hikaricp_).*"))
                .filter(k -> !name(k).endsWith("_bucket"))
                .forEach(keys::add));
    for (String key : keys) {
      StringBuilder values = new StringBuilder();
      boolean present = false;
      for (Scrape s : scrapes) {
        String v = s.samples().get(key);
        if (v != null && !v.equals("NaN")) {
          values.append(v).append("x9 ");
          present = true;
        } else if (present) {
          values.append("stale _x9 ");
          present = false;
        } else {
          values.append("_x10 ");
        }
      }
      series.addObject().put("series", key).put("values", values.toString().strip());
    }

    Map<String, String> windowFailed =
        Map.of("kind", "MaintenanceWindow", "name", "broken", "phase", "Failed");
    Map<String, String> appFailed =
        Map.of("kind", "DatabaseMigration", "name", "app", "phase", "Failed");
    Map<String, String> brokenFailed =
        Map.of("kind", "DatabaseMigration", "name", "broken", "phase", "Failed");
    Map<String, String> appRun =
        Map.of("kind", "DatabaseMigration", "name", "app", "result", "Failed");
    Map<String, String> brokenRun =
        Map.of("kind", "DatabaseMigration", "name", "broken", "result", "Failed");
    Map<String, Map<String, List<Map<String, String>>>> expected = new LinkedHashMap<>();
    expected.put(
        "9m",
        Map.of("PitstopResourceFailed", List.of(windowFailed), "PitstopRunFailed", List.of()));
    expected.put(
        "19m",
        Map.of(
            "PitstopResourceFailed",
            List.of(windowFailed, appFailed, brokenFailed),
            "PitstopRunFailed",
            List.of(appRun, brokenRun)));
    expected.put(
        "29m",
        Map.of(
            "PitstopResourceFailed",
            List.of(appFailed, brokenFailed),
            "PitstopRunFailed",
            List.of(appRun, brokenRun)));

    ArrayNode cases = t.putArray("alert_rule_test");
    for (JsonNode r : alerts.path("groups").get(0).path("rules")) {
      String name = r.path("alert").asText();
      for (var at : expected.entrySet()) {
        ObjectNode c = cases.addObject();
        c.put("eval_time", at.getKey());
        c.put("alertname", name);
        ArrayNode exp = c.putArray("exp_alerts");
        for (Map<String, String> labels : at.getValue().getOrDefault(name, List.of())) {
          Map<String, String> all = new LinkedHashMap<>(labels);
          all.put("namespace", NS);
          r.path("labels")
              .fields()
              .forEachRemaining(f -> all.put(f.getKey(), f.getValue().asText()));
          ObjectNode a = exp.addObject();
          a.set("exp_labels", JSON.valueToTree(all));
          ObjectNode annotations = a.putObject("exp_annotations");
          r.path("annotations")
              .fields()
              .forEachRemaining(
                  f -> annotations.put(f.getKey(), expand(f.getValue().asText(), all)));
        }
      }
    }
    Files.writeString(dir.resolve("test.yaml"), JSON.writeValueAsString(test));
    assertThat(Promtool.shared().run(dir, "test", "rules", "test.yaml")).contains("SUCCESS");
  }

  /** The annotation template with {@code {{ $labels.X }}} filled in. */
  private static String expand(String template, Map<String, String> labels) {
    Matcher m = Pattern.compile("\\{\\{ \\$labels\\.(\\w+) }}").matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
    }
    m.appendTail(out);
    assertThat(out.toString()).doesNotContain("{{");
    return out.toString();
  }

  private static String section(String doc, String heading) {
    int start = doc.indexOf(heading);
    assertThat(start).as(heading).isNotNegative();
    int end = doc.indexOf("\n## ", start + heading.length());
    return doc.substring(start, end < 0 ? doc.length() : end);
  }

  /**
   * The library metrics docs/metrics.md names.
   *
   * @param lazy with those that appear only with their first event (a failed reconcile)
   */
  private static List<String> libraryMetrics(String doc, boolean lazy) {
    List<String> names = new ArrayList<>();
    for (String row : section(doc, "## From the libraries").lines().toList()) {
      if (row.startsWith("| `") && (lazy || !row.contains("Appears with the first"))) {
        names.addAll(
            backticked(row.substring(0, row.indexOf(" | ")), "^(operator_sdk_|hikaricp_|jvm_)"));
      }
    }
    return names;
  }

  private static List<String> backticked(String text, String prefix) {
    List<String> names = new ArrayList<>();
    Matcher m = Pattern.compile("`([a-z_*]+)`").matcher(text);
    Pattern p = Pattern.compile(prefix);
    while (m.find()) {
      if (p.matcher(m.group(1)).find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  static String name(String series) {
    int brace = series.indexOf('{');
    return brace < 0 ? series : series.substring(0, brace);
  }

  private static Scrape scrape() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + operator.httpPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Files.createDirectories(Path.of("target"));
    Files.writeString(
        Path.of("target", "metrics-it-scrape-" + scrapes.size() + ".txt"), response.body());
    Map<String, String> samples = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : response.body().lines().toList()) {
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        types.put(type.group(1), type.group(2));
      }
      Matcher sample = SAMPLE.matcher(line);
      if (sample.matches()) {
        samples.put(
            sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), sample.group(3));
      }
    }
    return new Scrape(samples, types);
  }

  private static void create(HasMetadata object) {
    api.client().resource(object).create();
  }

  private static <R extends CustomResource<?, ?>> void awaitResource(
      Class<R> type, String name, Predicate<R> done) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> api.client().resources(type).inNamespace(NS).withName(name).get(), done);
  }

  private static Object phase(CustomResource<?, ?> r) {
    Object status = r.getStatus();
    if (status == null) {
      return null;
    }
    try {
      return status.getClass().getField("phase").get(status);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
