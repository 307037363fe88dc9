package dev.pitstop.reconciler.maintenancewindow.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.api.v1alpha1.Drain;
import dev.pitstop.api.v1alpha1.MaintenanceWindow;
import dev.pitstop.reconciler.maintenancewindow.WindowFixtures;
import dev.pitstop.reconciler.model.SpecException;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every bad value is refused with one sentence naming its field. */
class WindowRequestsTest {

  private static String refused(Consumer<MaintenanceWindow> change) {
    MaintenanceWindow window = WindowFixtures.window("w");
    change.accept(window);
    return catchThrowableOfType(SpecException.class, () -> WindowRequests.prepare(window))
        .getMessage();
  }

  @Test
  void aValidWindowParses() throws SpecException {
    MaintenanceWindow window = WindowFixtures.window("w");
    window.getSpec().schedule = "0 2 * * SUN";
    window.getSpec().timeZone = "Europe/Berlin";
    window.getSpec().duration = "1h";
    window.getSpec().drain.tasks = WindowFixtures.tasks("SELECT count(*) FROM tasks");
    window.getSpec().drain.connections = WindowFixtures.connections("app", "2m", true, true);

    WindowRequests plan = WindowRequests.prepare(window);

    assertThat(plan.schedule().zone().getId()).isEqualTo("Europe/Berlin");
    assertThat(plan.duration().toHours()).isEqualTo(1);
    assertThat(plan.roles()).containsExactly("app");
    assertThat(plan.usesDatabase()).isTrue();
  }

  @Test
  void scheduleAndDurations() {
    assertThat(refused(w -> w.getSpec().schedule = "0 2 * *"))
        .startsWith("spec.schedule must have 5 fields");
    assertThat(refused(w -> w.getSpec().schedule = "0 2 * * SUN"))
        .isEqualTo("spec.duration is required when spec.schedule is set");
    assertThat(
            refused(
                w -> {
                  w.getSpec().schedule = "0 2 * * SUN";
                  w.getSpec().duration = "1h";
                  w.getSpec().timeZone = "Mars/Olympus";
                }))
        .startsWith("spec.timeZone must be an IANA time zone");
    assertThat(refused(w -> w.getSpec().drain.timeout = "soon"))
        .startsWith("spec.drain.timeout must be a duration");
    assertThat(refused(w -> w.getSpec().pollInterval = "0"))
        .isEqualTo("spec.pollInterval must be longer than 0");
  }

  @Test
  void drainFields() {
    assertThat(refused(w -> w.getSpec().drain.tasks = WindowFixtures.tasks("DROP TABLE tasks")))
        .startsWith("spec.drain.tasks.query must be a single SELECT");
    assertThat(
            refused(
                w -> {
                  Drain.WorkloadSelector both =
                      WindowFixtures.named(Drain.WorkloadKind.Deployment, "api");
                  both.selector = WindowFixtures.labels("a", "b");
                  w.getSpec().drain.workloads.add(both);
                }))
        .isEqualTo("spec.drain.workloads[0]: set exactly one of name or selector");
    assertThat(
            refused(
                w -> {
                  Drain.WorkloadSelector all = new Drain.WorkloadSelector();
                  all.kind = Drain.WorkloadKind.Deployment;
                  all.selector = new LabelSelectorBuilder().withMatchLabels(Map.of()).build();
                  w.getSpec().drain.workloads.add(all);
                }))
        .isEqualTo(
            "spec.drain.workloads[0].selector is empty and would select every Deployment of the"
                + " namespace; name the labels to match in matchLabels or matchExpressions");
    assertThat(
            refused(
                w -> {
                  w.getSpec().drain.cronJobs = new Drain.Selection();
                  w.getSpec().drain.cronJobs.selector = new LabelSelector();
                }))
        .startsWith("spec.drain.cronJobs.selector is empty and would select every CronJob");
    assertThat(refused(w -> w.getSpec().modeTable = "a.b.c")).startsWith("spec.modeTable");
    assertThat(
            refused(
                w -> {
                  w.getSpec().database = null;
                  w.getSpec().modeTable = "mode";
                }))
        .startsWith("spec.database is required");
    assertThat(
            refused(
                w -> {
                  w.getSpec().drain.connections =
                      WindowFixtures.connections("app", "2m", true, false);
                  w.getSpec().drain.connections.roles = java.util.List.of();
                }))
        .startsWith("spec.drain.connections.roles must name at least one role");
    assertThat(
            refused(
                w -> {
                  w.getSpec().database.secretRef.namespace = "other";
                }))
        .startsWith("spec.database.secretRef.namespace");
  }
}
