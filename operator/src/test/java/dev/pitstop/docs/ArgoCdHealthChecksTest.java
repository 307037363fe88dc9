package dev.pitstop.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Argo CD health scripts in docs/argocd/, run on sample resources. */
class ArgoCdHealthChecksTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest(name = "DatabaseMigration {0} is {1}")
  @CsvSource({
    "Pending, Progressing",
    "Planned, Healthy",
    "WaitingForApproval, Suspended",
    "WaitingForWindow, Progressing",
    "Migrating, Progressing",
    "Succeeded, Healthy",
    "Failed, Degraded"
  })
  void databaseMigration(String phase, String health) {
    assertThat(check("databasemigration", resource(phase, 3, 3, "")).status()).isEqualTo(health);
  }

  @ParameterizedTest(name = "SandboxReset {0} is {1}")
  @CsvSource({
    "Pending, Progressing",
    "Planned, Healthy",
    "WaitingForWindow, Progressing",
    "Resetting, Progressing",
    "Seeding, Progressing",
    "Succeeded, Healthy",
    "Scheduled, Healthy",
    "Failed, Degraded"
  })
  void sandboxReset(String phase, String health) {
    assertThat(check("sandboxreset", resource(phase, 1, 1, "")).status()).isEqualTo(health);
  }

  @ParameterizedTest(name = "CleanupSchedule {0} is {1}")
  @CsvSource({
    "Scheduled, Healthy",
    "WaitingForWindow, Progressing",
    "Running, Progressing",
    "Succeeded, Healthy",
    "Failed, Degraded"
  })
  void cleanupSchedule(String phase, String health) {
    assertThat(check("cleanupschedule", resource(phase, 1, 1, "")).status()).isEqualTo(health);
  }

  @ParameterizedTest(name = "MaintenanceWindow {0} is {1}")
  @CsvSource({
    "Idle, Healthy",
    "Scheduled, Healthy",
    "Draining, Progressing",
    "Active, Healthy",
    "Restoring, Progressing",
    "Failed, Degraded"
  })
  void maintenanceWindow(String phase, String health) {
    assertThat(check("maintenancewindow", resource(phase, 2, 2, "")).status()).isEqualTo(health);
  }

  @Test
  void suspendedSchedulesAreSuspended() {
    String suspended = "spec: {suspend: true}\n";
    assertThat(check("sandboxreset", resource("Scheduled", 1, 1, suspended)).status())
        .isEqualTo("Suspended");
    assertThat(check("cleanupschedule", resource("Scheduled", 1, 1, suspended)).status())
        .isEqualTo("Suspended");
  }

  @Test
  void aScheduleWhoseLastRunFailedIsDegradedUntilARunSucceeds() {
    String failed = "status: {lastRun: {result: Failed}}\n";
    ArgoCdHealthCheck.Health health = check("cleanupschedule", resource("Scheduled", 1, 1, failed));
    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).startsWith("The last cleanup failed: ");
    assertThat(check("sandboxreset", resource("Scheduled", 1, 1, failed)).status())
        .isEqualTo("Degraded");
    String succeeded = "status: {lastRun: {result: Succeeded}}\n";
    assertThat(check("cleanupschedule", resource("Scheduled", 1, 1, succeeded)).status())
        .isEqualTo("Healthy");
  }

  @Test
  void aResourceTheOperatorHasNotSeenYetIsProgressing() {
    for (String kind :
        new String[] {
          "databasemigration", "sandboxreset", "cleanupschedule", "maintenancewindow"
        }) {
      assertThat(check(kind, parse("metadata: {name: x, generation: 1}")).status())
          .as(kind + " without status")
          .isEqualTo("Progressing");
      ArgoCdHealthCheck.Health stale = check(kind, resource("Failed", 4, 3, ""));
      assertThat(stale.status())
          .as(kind + " with an older observedGeneration")
          .isEqualTo("Progressing");
      assertThat(stale.message()).contains("generation 4");
    }
  }

  @Test
  void aRunRequestTheOperatorHasNotRecordedYetIsProgressing() {
    // An annotation does not bump metadata.generation: right after it, the status still shows the
    // previous run, Healthy.
    String requested =
        "metadata: {annotations: {pitstop.dev/run-requested-at: '2026-01-02T03:04:05Z'}}\n"
            + "status: {observedRunRequest: '2026-01-01T00:00:00Z'}\n";
    String recorded =
        "metadata: {annotations: {pitstop.dev/run-requested-at: '2026-01-02T03:04:05Z'}}\n"
            + "status: {observedRunRequest: '2026-01-02T03:04:05Z'}\n";
    Map<String, String> settled =
        Map.of(
            "databasemigration", "Succeeded",
            "sandboxreset", "Succeeded",
            "cleanupschedule", "Scheduled");
    settled.forEach(
        (kind, phase) -> {
          ArgoCdHealthCheck.Health waiting = check(kind, resource(phase, 2, 2, requested));
          assertThat(waiting.status())
              .as(kind + " with a new run request")
              .isEqualTo("Progressing");
          assertThat(waiting.message()).contains("run requested at 2026-01-02T03:04:05Z");
          assertThat(check(kind, resource(phase, 2, 2, recorded)).status())
              .as(kind + " with the run request recorded")
              .isEqualTo("Healthy");
          // A request the operator refused leaves the phase Failed without recording it.
          assertThat(check(kind, resource("Failed", 2, 2, requested)).status())
              .as(kind + " Failed with a request not recorded")
              .isEqualTo("Degraded");
        });
    // A MaintenanceWindow does not record the annotation it acts on: it is not gated on it.
    assertThat(check("maintenancewindow", resource("Idle", 2, 2, requested)).status())
        .isEqualTo("Healthy");
  }

  @Test
  void theMessageIsTheStatusSentence() {
    Map<String, Object> failed = resource("Failed", 1, 1, "");
    assertThat(check("databasemigration", failed).message()).isEqualTo("Failed: it broke");
  }

  @Test
  void theConfigMapPatchHoldsExactlyTheScripts() throws IOException {
    Map<String, Object> patch =
        YAML.readValue(
            ProjectFiles.docs().resolve("argocd/argocd-cm-patch.yaml").toFile(),
            new TypeReference<>() {});
    @SuppressWarnings("unchecked")
    Map<String, String> data = (Map<String, String>) patch.get("data");
    Map<String, String> files =
        Map.of(
            "DatabaseMigration", "databasemigration",
            "SandboxReset", "sandboxreset",
            "CleanupSchedule", "cleanupschedule",
            "MaintenanceWindow", "maintenancewindow");
    assertThat(data).hasSize(files.size());
    files.forEach(
        (kind, file) -> {
          try {
            assertThat(data.get("resource.customizations.health.pitstop.dev_" + kind))
                .as(kind + " in argocd-cm-patch.yaml equals docs/argocd/" + file + ".lua")
                .isEqualTo(
                    Files.readString(ProjectFiles.docs().resolve("argocd/" + file + ".lua")));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  private static ArgoCdHealthCheck.Health check(String kind, Map<String, Object> resource) {
    return ArgoCdHealthCheck.forKind(kind).of(resource);
  }

  /** A resource in {@code phase}; {@code extraYaml} is merged over it. */
  private static Map<String, Object> resource(
      String phase, long generation, long observedGeneration, String extraYaml) {
    Map<String, Object> base =
        parse(
            "metadata: {name: x, generation: "
                + generation
                + "}\nstatus: {phase: "
                + phase
                + ", observedGeneration: "
                + observedGeneration
                + ", message: '"
                + phase
                + ": it broke'}\n");
    if (!extraYaml.isEmpty()) {
      merge(base, parse(extraYaml));
    }
    return base;
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> into, Map<String, Object> from) {
    from.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> m && into.get(k) instanceof Map<?, ?> existing) {
            merge((Map<String, Object>) existing, (Map<String, Object>) m);
          } else {
            into.put(k, v);
          }
        });
  }

  private static Map<String, Object> parse(String yaml) {
    try {
      return YAML.readValue(yaml, new TypeReference<>() {});
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
