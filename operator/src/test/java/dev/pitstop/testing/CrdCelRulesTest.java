package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CEL rules of the committed CRDs: each compiles as the API server compiles it, and each
 * accepts a valid manifest and refuses an invalid one with the API server's message.
 */
class CrdCelRulesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final CrdSchemaValidator SCHEMA = CrdSchemaValidator.fromCrds(ProjectFiles.crds());

  private static final String CLS =
      """
      apiVersion: pitstop.dev/v1alpha1
      kind: CleanupSchedule
      metadata: {name: c}
      spec:
        database: {secretRef: {name: app-db}}
        schedule: "0 2 * * *"
      """;
  private static final String MW =
      """
      apiVersion: pitstop.dev/v1alpha1
      kind: MaintenanceWindow
      metadata: {name: w}
      """;

  /** A manifest and what the schema must say about it (nothing when it is valid). */
  record Case(String rule, String name, String yaml, List<String> expected) {
    @Override
    public String toString() {
      return rule + ": " + name;
    }
  }

  static List<Case> cases() {
    String predicate = "CleanupSchedule spec.rules[*] #0";
    String uniqueNames = "CleanupSchedule spec.rules #0";
    String duration = "MaintenanceWindow spec #0";
    String database = "MaintenanceWindow spec #1";
    String workload = "MaintenanceWindow spec.drain.workloads[*] #0";
    String workloadSelector = "MaintenanceWindow spec.drain.workloads[*] #1";
    String cronJobSelector = "MaintenanceWindow spec.drain.cronJobs #0";
    String jobSelector = "MaintenanceWindow spec.drain.jobs #0";
    return List.of(
        new Case(
            predicate,
            "olderThan only",
            CLS + "  rules: [{name: a, table: t, olderThan: {column: c, age: 1d}}]",
            List.of()),
        new Case(
            predicate,
            "orphanedBy only",
            CLS
                + "  rules: [{name: a, table: t,"
                + " orphanedBy: {column: p, parentTable: p, parentColumn: id}}]",
            List.of()),
        new Case(
            predicate,
            "olderThan and where",
            CLS + "  rules: [{name: a, table: t, olderThan: {column: c, age: 1d}, where: 'true'}]",
            List.of(
                "spec.rules[0]: Invalid value: set exactly one of olderThan, orphanedBy or where")),
        new Case(
            predicate,
            "no predicate, in the second rule",
            CLS + "  rules: [{name: a, table: t, where: 'true'}, {name: b, table: t}]",
            List.of(
                "spec.rules[1]: Invalid value: set exactly one of olderThan, orphanedBy or where")),
        new Case(
            uniqueNames,
            "distinct names",
            CLS + "  rules: [{name: a, table: t, where: 'true'}, {name: b, table: t, where: 'x'}]",
            List.of()),
        new Case(
            uniqueNames,
            "one name twice",
            CLS + "  rules: [{name: a, table: t, where: 'true'}, {name: a, table: u, where: 'x'}]",
            List.of("spec.rules: Invalid value: rule names must be unique")),
        new Case(
            duration,
            "schedule with duration",
            MW + "spec: {schedule: '0 2 * * SUN', duration: 1h}",
            List.of()),
        new Case(duration, "on demand, no schedule", MW + "spec: {active: true}", List.of()),
        new Case(
            duration,
            "schedule without duration",
            MW + "spec: {schedule: '0 2 * * SUN'}",
            List.of("spec: Invalid value: spec.duration is required when spec.schedule is set")),
        new Case(
            database,
            "tasks with a database",
            MW
                + "spec: {active: true, database: {secretRef: {name: db}},"
                + " drain: {tasks: {query: 'SELECT 0'}}}",
            List.of()),
        new Case(
            database,
            "workloads only, no database",
            MW + "spec: {active: true, drain: {workloads: [{kind: Deployment, name: api}]}}",
            List.of()),
        new Case(
            database,
            "tasks without a database",
            MW + "spec: {active: true, drain: {tasks: {query: 'SELECT 0'}}}",
            List.of(
                "spec.database: Invalid value: spec.database is required when spec.drain.tasks"
                    + " or spec.drain.connections is set")),
        new Case(
            database,
            "connections without a database",
            MW + "spec: {active: true, drain: {connections: {roles: [app]}}}",
            List.of(
                "spec.database: Invalid value: spec.database is required when spec.drain.tasks"
                    + " or spec.drain.connections is set")),
        new Case(
            workload,
            "by name",
            MW + "spec: {active: true, drain: {workloads: [{kind: Deployment, name: api}]}}",
            List.of()),
        new Case(
            workload,
            "by selector",
            MW
                + "spec: {active: true, drain: {workloads:"
                + " [{kind: StatefulSet, selector: {matchLabels: {tier: worker}}}]}}",
            List.of()),
        new Case(
            workload,
            "name and selector",
            MW
                + "spec: {active: true, drain: {workloads: [{kind: Deployment, name: api},"
                + " {kind: Deployment, name: api, selector: {matchLabels: {app: api}}}]}}",
            List.of("spec.drain.workloads[1]: Invalid value: set exactly one of name or selector")),
        new Case(
            workload,
            "neither name nor selector",
            MW + "spec: {active: true, drain: {workloads: [{kind: Deployment}]}}",
            List.of("spec.drain.workloads[0]: Invalid value: set exactly one of name or selector")),
        new Case(
            workloadSelector,
            "a selector with labels",
            MW
                + "spec: {active: true, drain: {workloads:"
                + " [{kind: StatefulSet, selector: {matchExpressions: [{key: tier, operator:"
                + " Exists}]}}]}}",
            List.of()),
        new Case(
            workloadSelector,
            "an empty selector",
            MW
                + "spec: {active: true, drain: {workloads:"
                + " [{kind: Deployment, selector: {matchLabels: {}}}]}}",
            List.of(
                "spec.drain.workloads[0].selector: Invalid value: an empty selector selects every"
                    + " workload of the namespace; name labels in matchLabels or"
                    + " matchExpressions")),
        new Case(
            cronJobSelector,
            "a CronJob selector with labels",
            MW + "spec: {active: true, drain: {cronJobs: {selector: {matchLabels: {app: a}}}}}",
            List.of()),
        new Case(
            cronJobSelector,
            "an empty CronJob selector",
            MW + "spec: {active: true, drain: {cronJobs: {selector: {}}}}",
            List.of(
                "spec.drain.cronJobs.selector: Invalid value: an empty selector selects every"
                    + " object of the namespace; name labels in matchLabels or matchExpressions")),
        new Case(
            jobSelector,
            "a Job selector with labels",
            MW + "spec: {active: true, drain: {jobs: {selector: {matchLabels: {app: a}}}}}",
            List.of()),
        new Case(
            jobSelector,
            "an empty Job selector",
            MW + "spec: {active: true, drain: {jobs: {selector: {matchExpressions: []}}}}",
            List.of(
                "spec.drain.jobs.selector: Invalid value: an empty selector selects every"
                    + " object of the namespace; name labels in matchLabels or matchExpressions")));
  }

  @Test
  void everyRuleOfEveryCrdCompiles() throws IOException {
    // fromCrds compiled them (it throws for a rule the API server would refuse); count them
    // independently in the files, so none is skipped
    int inFiles = 0;
    try (Stream<Path> files = Files.list(ProjectFiles.crds())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
        for (JsonNode validations :
            YAML.readTree(file.toFile()).findValues("x-kubernetes-validations")) {
          inFiles += validations.size();
        }
      }
    }
    assertThat(SCHEMA.celRules()).hasSize(inFiles).hasSizeGreaterThanOrEqualTo(5);
    assertThat(SCHEMA.celRules()).noneMatch(r -> r.transition());
  }

  @Test
  void everyRuleHasAPassingAndAFailingCase() {
    Set<String> rules =
        SCHEMA.celRules().stream()
            .map(r -> r.kind() + " " + r.location() + " #" + r.index())
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> passing = new TreeSet<>();
    Set<String> failing = new TreeSet<>();
    for (Case c : cases()) {
      (c.expected().isEmpty() ? passing : failing).add(c.rule());
    }
    assertThat(passing).as("rules with a passing case").isEqualTo(rules);
    assertThat(failing).as("rules with a failing case").isEqualTo(rules);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void ruleAcceptsOrRefusesTheManifest(Case c) throws IOException {
    assertThat(SCHEMA.validate(YAML.readTree(c.yaml()))).containsExactlyElementsOf(c.expected());
  }
}
